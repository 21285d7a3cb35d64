/** Raised when a training run is aborted through its `AbortSignal`; the worker threads are already terminated. */
export class TrainingCancelledError extends Error {
  readonly code = 'TRAINING_CANCELLED';

  constructor() {
    super('Training was cancelled before it finished.');
    this.name = 'TrainingCancelledError';
  }
}

/**
 * Raised before any thread starts when a trainer setting is invalid or the model would not fit the kernel.
 * `setting` names the setting to change.
 */
export class TrainerSettingsError extends Error {
  readonly code = 'TRAINER_SETTINGS_INVALID';

  constructor(
    readonly setting: string,
    message: string,
  ) {
    super(message);
    this.name = 'TrainerSettingsError';
  }
}

/** Raised before any thread starts when a `TrainingCorpus` is malformed; the message names the bad field and value. */
export class InvalidTrainingCorpusError extends Error {
  readonly code = 'TRAINING_CORPUS_INVALID';

  constructor(message: string) {
    super(message);
    this.name = 'InvalidTrainingCorpusError';
  }
}
