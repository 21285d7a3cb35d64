import { Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { ArtifactRepository } from '../artifacts/artifact.repository';
import { CaptureRepository } from '../captures/capture.repository';
import { parseCapture } from '../captures/capture-parser';
import { JobPhase, JobProgress } from '../entities/job.entity';
import { ModelVersionEntity } from '../entities/model-version.entity';
import { JobRepository } from '../jobs/job.repository';
import { ModelRepository } from '../models/model.repository';
import { ProjectionBuilder } from '../projection/projection.builder';
import { VectorIndex, VectorIndexRepository } from '../similarity/vector-index.repository';
import { assertTrainerFits, InvalidTrainingCorpusError, TrainerSettingsError, trainVectors } from '../trainer/trainer';
import { TrainingCancelledError } from '../trainer/trainer.errors';
import { BuiltCorpus, CorpusBuilder } from './corpus-builder';
import { TemporalSplit } from '../evaluation/temporal-split';
import { ModelAnalysis, ModelAnalysisResult } from './model-analysis.step';
import { JobCancelledError, PermanentTrainingError } from './training.errors';
import { VocabularyRepository } from './vocabulary.repository';

export { PermanentTrainingError } from './training.errors';

/**
 * Start and end of each phase in the job's overall `fraction`, in proportion to the phases' seconds for CTU-13
 * scenario 6 with the notebook's settings and five epochs (docs/benchmarks.md, "Pipeline"). At such settings the
 * indexing phase (the HNSW build and the 2-D map) and k-means take most of a job's time. With more epochs,
 * training takes a larger share than its span here.
 */
const PHASE_SPAN: Record<Exclude<JobPhase, 'queued' | 'classifying' | 'done'>, [number, number]> = {
  reading: [0, 0.03],
  vocabulary: [0.03, 0.04],
  training: [0.04, 0.2],
  indexing: [0.2, 0.6],
  clustering: [0.6, 0.85],
  evaluating: [0.85, 0.94],
  saving: [0.94, 1],
};

export type ProgressReporter = (phase: JobPhase, progress: JobProgress) => void;

/** The queue job being run and the model version it fills. */
export interface TrainingTarget {
  jobId: string;
  versionId: string;
}

/** The steps of training one model version, from capture files to a ready, servable version. */
@Injectable()
export class TrainingPipeline {
  private readonly logger = new Logger(TrainingPipeline.name);

  constructor(
    private readonly models: ModelRepository,
    private readonly jobs: JobRepository,
    private readonly captures: CaptureRepository,
    private readonly vocabularies: VocabularyRepository,
    private readonly vectorIndexes: VectorIndexRepository,
    private readonly artifacts: ArtifactRepository,
    private readonly projections: ProjectionBuilder,
    private readonly analysis: ModelAnalysis,
  ) {}

  /**
   * Trains the version and marks it ready together with its vocabulary and the job's completion, in one
   * transaction. Any failure removes this attempt's files; the version is never visible as ready with parts missing.
   * Returns false when another attempt made the version ready, before this one started or while it ran.
   */
  async run(target: TrainingTarget, report: ProgressReporter, signal: AbortSignal): Promise<boolean> {
    const version = await this.models.findVersionById(target.versionId);
    if (!version) {
      throw new PermanentTrainingError(`Model version ${target.versionId} no longer exists`);
    }

    // Another attempt made the version ready: one that died before BullMQ recorded the job as done, or one still
    // running when the reconciler queued the job again.
    if (version.status === 'ready') {
      await this.completeJob(target.jobId);
      return false;
    }

    const started = await this.models.transitionVersion(undefined, version.id, ['queued', 'training'], {
      status: 'training',
      error: null,
    });
    if (!started) {
      throw new JobCancelledError(target.jobId);
    }

    // Two attempts of one version can run at once: when Redis loses a running job, the reconciler queues it again
    // while the first attempt goes on. So each attempt writes its own folder, and only the attempt that makes the
    // version ready moves its folder into place. Failures remove only this attempt's folder.
    // NOTE: the folder of an attempt whose worker was killed stays until the version becomes ready or the reconciler
    // fails the job. A cancellation after such an attempt leaves it on disk.
    const attemptDir = this.artifacts.attemptDir(version.id, randomUUID());
    try {
      const temporalSplit = await this.analysis.prepareTemporalSplit(version, signal);
      const built = await this.readCorpus(version, report, signal, temporalSplit);
      const vectors = await this.train(version, built, report, signal);
      const index = await this.writeArtifacts(version, attemptDir, vectors, report, signal);
      await this.project(version, attemptDir, vectors, built, report, signal);
      const analysis = await this.analysis.run(
        version,
        built.vocabulary.entries,
        vectors,
        index,
        temporalSplit,
        (phase, fraction) => report(phase, { fraction: phaseFraction(phase, fraction) }),
        signal,
      );
      return await this.save(target, version, attemptDir, built, report, analysis);
    } catch (error) {
      throw error instanceof TrainingCancelledError || signal.aborted ? (signal.reason ?? error) : error;
    } finally {
      await this.artifacts.remove(attemptDir);
    }
  }

  /** Marks the job completed for a version that an earlier attempt made ready. */
  private async completeJob(jobId: string): Promise<void> {
    await this.jobs.transition(jobId, ['queued', 'active'], {
      state: 'completed',
      phase: 'done',
      progress: { fraction: 1 },
      error: null,
      finishedAt: new Date(),
    });
  }

  private async readCorpus(
    version: ModelVersionEntity,
    report: ProgressReporter,
    signal: AbortSignal,
    temporalSplit: TemporalSplit | null,
  ): Promise<BuiltCorpus> {
    const captures = await this.captures.findByIds(version.captureIds);
    const byId = new Map(captures.map((capture) => [capture.id, capture]));
    const totalFlows = captures.reduce((sum, capture) => sum + capture.flowCount, 0);
    const builder = new CorpusBuilder(version.definition);

    report('reading', { fraction: phaseFraction('reading', 0), flowsRead: 0 });
    for (const captureId of version.captureIds) {
      const capture = byId.get(captureId);
      if (!capture) {
        throw new PermanentTrainingError(`Capture ${captureId} of model ${version.modelId} no longer exists`);
      }

      await parseCapture(this.artifacts.openRead(this.artifacts.capturePath(capture.sha256.trim())), (flow) => {
        // A temporal split keeps the later flows out of training, to classify them once the model is trained.
        if (temporalSplit && !temporalSplit.accept(flow)) {
          return;
        }

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
      `Model ${version.modelId} version ${version.version}: ${built.flowsRead} flows, ` +
        `${built.corpus.sentenceOffsets.length - 1} sentences, vocabulary of ${built.vocabulary.entries.length} tokens`,
    );
    if (built.flowsWithoutStartTime > 0) {
      this.logger.warn(
        `Model ${version.modelId}: left out ${built.flowsWithoutStartTime} flows without a StartTime, which ` +
          `${version.definition.sentences.mode} mode orders by`,
      );
    }

    if (built.vocabulary.entries.length === 0) {
      throw new PermanentTrainingError(
        `No token occurs at least ${built.vocabulary.effectiveMinCount} times; lower trainer.minCount`,
      );
    }
    return built;
  }

  private async train(
    version: ModelVersionEntity,
    built: BuiltCorpus,
    report: ProgressReporter,
    signal: AbortSignal,
  ): Promise<Float32Array> {
    const settings = version.definition.trainer;
    try {
      assertTrainerFits(built.vocabulary.entries.length, settings);
    } catch (error) {
      throw asPermanent(error);
    }

    report('training', { fraction: phaseFraction('training', 0) });
    const result = await trainVectors(built.corpus, settings, {
      signal,
      onProgress: (progress) =>
        report('training', {
          fraction: phaseFraction('training', progress.wordsDone / Math.max(progress.wordsTotal, 1)),
          // The trainer counts epochs from 0; job progress shows them from 1, as "epoch 1 of 5".
          epoch: Math.min(progress.epoch + 1, progress.epochs),
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

    await this.models.updateVersion(version.id, {
      trainingSeconds: result.trainingSeconds,
      epochLosses: result.epochLosses,
    });
    this.logger.log(
      `Model ${version.modelId} version ${version.version}: trained in ${result.trainingSeconds.toFixed(1)} s`,
    );
    return result.vectors;
  }

  private async writeArtifacts(
    version: ModelVersionEntity,
    attemptDir: string,
    vectors: Float32Array,
    report: ProgressReporter,
    signal: AbortSignal,
  ): Promise<VectorIndex> {
    const { vectorSize, seed } = version.definition.trainer;
    await mkdir(attemptDir, { recursive: true });

    report('indexing', { fraction: phaseFraction('indexing', 0) });
    await this.artifacts.writeAtomically(this.artifacts.vectorsFile(attemptDir), (path) =>
      writeFile(path, new Uint8Array(vectors.buffer, vectors.byteOffset, vectors.byteLength)),
    );

    const index = await this.vectorIndexes.build(vectors, vectorSize, seed, (fraction) => {
      signal.throwIfAborted();
      report('indexing', { fraction: phaseFraction('indexing', fraction / 2) });
    });
    await this.artifacts.writeAtomically(this.artifacts.indexFile(attemptDir), (path) => index.writeTo(path));
    return index;
  }

  /** Writes the 2-D map; it takes the second half of the indexing phase's progress. */
  private async project(
    version: ModelVersionEntity,
    attemptDir: string,
    vectors: Float32Array,
    built: BuiltCorpus,
    report: ProgressReporter,
    signal: AbortSignal,
  ): Promise<void> {
    await this.projections.build(version.id, vectors, built.vocabulary.entries, {
      seed: version.definition.trainer.seed,
      signal,
      directory: attemptDir,
      onProgress: (fraction) => report('indexing', { fraction: phaseFraction('indexing', 0.5 + fraction / 2) }),
    });
  }

  /**
   * Marks the version ready with its vocabulary and analysis, completes the job and moves this attempt's folder into
   * place, in one transaction. Returns false when another attempt made the version ready first.
   */
  private async save(
    target: TrainingTarget,
    version: ModelVersionEntity,
    attemptDir: string,
    built: BuiltCorpus,
    report: ProgressReporter,
    analysis: ModelAnalysisResult,
  ): Promise<boolean> {
    report('saving', { fraction: phaseFraction('saving', 0) });
    const sentenceCount = built.corpus.sentenceOffsets.length - 1;

    const published = await this.vocabularies.transaction(async (manager) => {
      // The version row is locked first, as a cancellation locks it, so exactly one of the two takes effect. The
      // version is `queued` when the reconciler queued this job again after Redis lost it. This attempt's work is
      // complete, so it wins over the attempt that the new queue entry starts.
      const ready = await this.models.transitionVersion(manager, version.id, ['queued', 'training'], {
        status: 'ready',
        vocabularySize: built.vocabulary.entries.length,
        corpusWords: built.corpus.words.length,
        sentenceCount,
        error: null,
        readyAt: new Date(),
      });
      if (!ready) {
        return false;
      }

      await this.vocabularies.deleteVersion(manager, version.id);
      await this.vocabularies.copyInto(manager, version.id, built.vocabulary.entries);
      await this.vocabularies.copyCutInto(manager, version.id, built.vocabulary.cut);
      await this.analysis.save(manager, version.id, analysis);
      await this.jobs.transition(
        target.jobId,
        ['queued', 'active'],
        { state: 'completed', phase: 'done', progress: { fraction: 1 }, error: null, finishedAt: new Date() },
        manager,
      );
      // Last, so that only the commit can fail once the folder is in place. A folder left by a failed commit
      // belongs to a version that is not ready, and the next attempt's publish replaces it.
      await this.artifacts.publishAttempt(attemptDir, version.id);
      return true;
    });

    if (!published) {
      const current = await this.models.findVersionById(version.id);
      if (current?.status !== 'ready') {
        throw new JobCancelledError(target.jobId);
      }

      this.logger.warn(
        `Model ${version.modelId} version ${version.version}: another attempt of job ${target.jobId} made it ready ` +
          'first; this attempt is discarded',
      );
      return false;
    }

    // Folders of attempts that died without removing them; an attempt still running fails to write and is retried,
    // and its retry finds the version ready.
    await this.artifacts.removeAttempts(version.id);
    return true;
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
