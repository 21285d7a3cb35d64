import { kernelMemoryBytes, KERNEL_MAX_MEMORY_BYTES, MAX_NEGATIVE } from './kernel-memory';
import { TrainerSettingsError } from './trainer.errors';
import { TrainerSettings } from './trainer.types';

/** gensim 4 `Word2Vec` defaults, except `workers` (gensim uses 3) and `sharedNegatives`, which gensim lacks. */
export const DEFAULT_TRAINER_SETTINGS: Readonly<TrainerSettings> = Object.freeze({
  architecture: 'skipgram',
  vectorSize: 100,
  window: 5,
  negative: 5,
  sharedNegatives: true,
  nsExponent: 0.75,
  sample: 0.001,
  epochs: 5,
  alpha: 0.025,
  minAlpha: 0.0001,
  workers: 1,
  seed: 1,
});

const MAX_UINT32 = 0xffffffff;

/** Throws a `TrainerSettingsError` naming the first setting whose value cannot be trained with. */
export function validateTrainerSettings(settings: TrainerSettings): void {
  if (settings.architecture !== 'skipgram' && settings.architecture !== 'cbow') {
    throw invalid('architecture', settings.architecture, "'skipgram' or 'cbow'");
  }

  if (settings.sharedNegatives !== undefined && typeof settings.sharedNegatives !== 'boolean') {
    throw invalid('sharedNegatives', settings.sharedNegatives, 'true or false');
  }

  requireInteger(settings, 'vectorSize', 1, 10_000);
  requireInteger(settings, 'window', 1, 10_000);
  requireInteger(settings, 'negative', 1, MAX_NEGATIVE);
  requireInteger(settings, 'epochs', 1, 100_000);
  requireInteger(settings, 'workers', 1, 1_024);
  requireInteger(settings, 'seed', 0, MAX_UINT32);
  requireFinite(settings, 'nsExponent', -Infinity);
  requireFinite(settings, 'sample', 0);
  requireFinite(settings, 'alpha', 0);
  requireFinite(settings, 'minAlpha', 0);
}

/**
 * Throws a `TrainerSettingsError` when the kernel memory for this vocabulary and these settings exceeds the 4 GiB
 * that 32-bit WebAssembly can address. That memory contains the input and output vectors (vocabulary × vectorSize ×
 * 8 bytes), the noise and down-sampling tables, and per-thread buffers. The reference kernel uses the same memory,
 * so the limit is the same for both kernels.
 */
export function assertTrainerFits(vocabularySize: number, settings: TrainerSettings): void {
  if (!Number.isInteger(vocabularySize) || vocabularySize < 1) {
    throw new TrainerSettingsError('minCount', `The vocabulary is empty or invalid (${vocabularySize} words).`);
  }

  const bytes = kernelMemoryBytes(vocabularySize, settings.vectorSize, settings.workers);
  if (bytes <= KERNEL_MAX_MEMORY_BYTES) {
    return;
  }

  const weightBytes = vocabularySize * settings.vectorSize * 8;
  throw new TrainerSettingsError(
    'vectorSize',
    `The model needs ${formatGiB(bytes)} of kernel memory (${formatGiB(weightBytes)} of weights for ` +
      `${vocabularySize} words × vectorSize ${settings.vectorSize} × 8 bytes), more than the ` +
      `${formatGiB(KERNEL_MAX_MEMORY_BYTES)} the trainer can address. Lower vectorSize, or shrink the vocabulary ` +
      `with a higher minCount or a maxFinalVocab.`,
  );
}

function requireInteger(settings: TrainerSettings, name: keyof TrainerSettings, min: number, max: number): void {
  const value = settings[name];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(name, value, `an integer from ${min} to ${max}`);
  }
}

function requireFinite(settings: TrainerSettings, name: keyof TrainerSettings, min: number): void {
  const value = settings[name];
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    throw invalid(name, value, min === -Infinity ? 'a finite number' : `a finite number >= ${min}`);
  }
}

function invalid(name: string, value: unknown, expected: string): TrainerSettingsError {
  return new TrainerSettingsError(name, `Invalid ${name} ${JSON.stringify(value)}: expected ${expected}.`);
}

function formatGiB(bytes: number): string {
  return `${(bytes / 2 ** 30).toFixed(2)} GiB`;
}
