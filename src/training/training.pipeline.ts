import { Injectable, Logger } from '@nestjs/common';
import { writeFile, mkdir } from 'node:fs/promises';
import { ArtifactRepository } from '../artifacts/artifact.repository';
import { CaptureRepository } from '../captures/capture.repository';
import { parseCapture } from '../captures/capture-parser';
import { JobPhase, JobProgress } from '../entities/job.entity';
import { ModelEntity } from '../entities/model.entity';
import { ModelRepository } from '../models/model.repository';
import { ProjectionBuilder } from '../projection/projection.builder';
import { VectorIndexRepository } from '../similarity/vector-index.repository';
import { assertTrainerFits, InvalidTrainingCorpusError, TrainerSettingsError, trainVectors } from '../trainer/trainer';
import { BuiltCorpus, CorpusBuilder } from './corpus-builder';
import { VocabularyRepository } from './vocabulary.repository';

/** Where each phase starts and ends in the job's overall `fraction`. */
const PHASE_SPAN: Record<Exclude<JobPhase, 'queued' | 'done'>, [number, number]> = {
  reading: [0, 0.1],
  vocabulary: [0.1, 0.12],
  training: [0.12, 0.85],
  indexing: [0.85, 0.95],
  saving: [0.95, 1],
};

export type ProgressReporter = (phase: JobPhase, progress: JobProgress) => void;

/** A failure that retrying cannot fix, such as a model whose settings cannot fit in memory. */
export class PermanentTrainingError extends Error {}

/** The steps of training one model, from capture files to a ready, servable model. */
@Injectable()
export class TrainingPipeline {
  private readonly logger = new Logger(TrainingPipeline.name);

  constructor(
    private readonly models: ModelRepository,
    private readonly captures: CaptureRepository,
    private readonly vocabularies: VocabularyRepository,
    private readonly vectorIndexes: VectorIndexRepository,
    private readonly artifacts: ArtifactRepository,
    private readonly projections: ProjectionBuilder,
  ) {}

  async run(modelId: string, report: ProgressReporter, signal: AbortSignal): Promise<void> {
    const model = await this.models.findById(modelId);
    if (!model) {
      throw new PermanentTrainingError(`Model ${modelId} no longer exists`);
    }

    // A previous attempt may have committed the model and died before BullMQ recorded the job as done.
    if (model.status === 'ready') {
      return;
    }

    await this.models.update(modelId, { status: 'training', error: null });
    try {
      const built = await this.readCorpus(model, report, signal);
      const vectors = await this.train(model, built, report, signal);
      await this.writeArtifacts(model, vectors, report);
      await this.project(model, vectors, built, report, signal);
      await this.save(model, built, report);
    } catch (error) {
      await this.artifacts.remove(this.artifacts.modelDir(modelId));
      throw error;
    }
  }

  private async readCorpus(model: ModelEntity, report: ProgressReporter, signal: AbortSignal): Promise<BuiltCorpus> {
    const captures = await this.captures.findByIds(model.captureIds);
    const byId = new Map(captures.map((capture) => [capture.id, capture]));
    const totalFlows = captures.reduce((sum, capture) => sum + capture.flowCount, 0);
    const builder = new CorpusBuilder(model.definition);

    for (const captureId of model.captureIds) {
      const capture = byId.get(captureId);
      if (!capture) {
        throw new PermanentTrainingError(`Capture ${captureId} of model ${model.id} no longer exists`);
      }

      await parseCapture(this.artifacts.openRead(this.artifacts.capturePath(capture.sha256.trim())), (flow) => {
        builder.addFlow(flow);
        if (builder.flowCount % 50_000 === 0) {
          signal.throwIfAborted();
          report('reading', {
            fraction: phaseFraction('reading', builder.flowCount / totalFlows),
            flowsRead: builder.flowCount,
          });
        }
      });
    }

    report('vocabulary', { fraction: phaseFraction('vocabulary', 0), flowsRead: builder.flowCount });
    const built = builder.build();
    this.logger.log(
      `Model ${model.id}: ${built.flowsRead} flows, vocabulary of ${built.vocabulary.entries.length} tokens`,
    );

    if (built.vocabulary.entries.length === 0) {
      throw new PermanentTrainingError(
        `No token occurs at least ${built.vocabulary.effectiveMinCount} times; lower trainer.minCount`,
      );
    }
    return built;
  }

  private async train(
    model: ModelEntity,
    built: BuiltCorpus,
    report: ProgressReporter,
    signal: AbortSignal,
  ): Promise<Float32Array> {
    const settings = model.definition.trainer;
    try {
      assertTrainerFits(built.vocabulary.entries.length, settings);
    } catch (error) {
      throw asPermanent(error);
    }

    const result = await trainVectors(built.corpus, settings, {
      signal,
      onProgress: (progress) =>
        report('training', {
          fraction: phaseFraction('training', progress.wordsDone / Math.max(progress.wordsTotal, 1)),
          epoch: progress.epoch,
          epochs: progress.epochs,
          wordsDone: progress.wordsDone,
          wordsTotal: progress.wordsTotal,
          wordsPerSecond: Math.round(progress.wordsPerSecond),
          alpha: progress.alpha,
          epochLosses: progress.epochLosses,
        }),
    }).catch((error: unknown) => {
      throw asPermanent(error);
    });

    await this.models.update(model.id, { trainingSeconds: result.trainingSeconds, epochLosses: result.epochLosses });
    this.logger.log(`Model ${model.id}: trained in ${result.trainingSeconds.toFixed(1)} s`);
    return result.vectors;
  }

  private async writeArtifacts(model: ModelEntity, vectors: Float32Array, report: ProgressReporter): Promise<void> {
    const dimensions = model.definition.trainer.vectorSize;
    await mkdir(this.artifacts.modelDir(model.id), { recursive: true });

    report('indexing', { fraction: phaseFraction('indexing', 0) });
    await this.artifacts.writeAtomically(this.artifacts.vectorsPath(model.id), (path) =>
      writeFile(path, new Uint8Array(vectors.buffer, vectors.byteOffset, vectors.byteLength)),
    );

    const index = await this.vectorIndexes.build(vectors, dimensions, model.definition.trainer.seed, (fraction) =>
      report('indexing', { fraction: phaseFraction('indexing', fraction / 2) }),
    );
    await this.artifacts.writeAtomically(this.artifacts.indexPath(model.id), (path) => index.writeTo(path));
  }

  /** Writes the 2-D map; it takes the second half of the indexing phase's progress. */
  private async project(
    model: ModelEntity,
    vectors: Float32Array,
    built: BuiltCorpus,
    report: ProgressReporter,
    signal: AbortSignal,
  ): Promise<void> {
    await this.projections.build(model.id, vectors, built.vocabulary.entries, {
      seed: model.definition.trainer.seed,
      signal,
      onProgress: (fraction) => report('indexing', { fraction: phaseFraction('indexing', 0.5 + fraction / 2) }),
    });
  }

  private async save(model: ModelEntity, built: BuiltCorpus, report: ProgressReporter): Promise<void> {
    report('saving', { fraction: phaseFraction('saving', 0) });
    const sentenceCount = built.corpus.sentenceOffsets.length - 1;

    await this.vocabularies.transaction(async (manager) => {
      await manager.query('DELETE FROM tokens WHERE "modelId" = $1', [model.id]);
      await this.vocabularies.copyInto(manager, model.id, built.vocabulary.entries);
      await manager.update(
        ModelEntity,
        { id: model.id },
        {
          status: 'ready',
          vocabularySize: built.vocabulary.entries.length,
          corpusWords: built.corpus.words.length,
          sentenceCount,
          readyAt: new Date(),
        },
      );
    });
  }
}

function phaseFraction(phase: keyof typeof PHASE_SPAN, withinPhase: number): number {
  const [start, end] = PHASE_SPAN[phase];
  return start + (end - start) * Math.min(Math.max(withinPhase, 0), 1);
}

/** Settings or corpus errors fail the same way on every attempt, so they are not retried. */
function asPermanent(error: unknown): unknown {
  if (error instanceof TrainerSettingsError || error instanceof InvalidTrainingCorpusError) {
    return new PermanentTrainingError(error.message);
  }

  return error;
}
