import { Injectable, Logger } from '@nestjs/common';
import { ArtifactRepository } from '../artifacts/artifact.repository';
import { CaptureRepository } from '../captures/capture.repository';
import { parseCapture } from '../captures/capture-parser';
import { EntityManager } from 'typeorm';
import { ClusterRepository } from '../clusters/cluster.repository';
import { ModelClusteringService, ModelClusters } from '../clusters/model-clustering.service';
import type { JobPhase } from '../entities/job.entity';
import type { ModelVersionEntity } from '../entities/model-version.entity';
import type { ModelEvaluation } from '../evaluation/model-evaluation.types';
import { ModelEvaluationService } from '../evaluation/model-evaluation.service';
import { temporalCutoff, TemporalSplit } from '../evaluation/temporal-split';
import type { VectorIndex } from '../similarity/vector-index.repository';
import { PermanentTrainingError } from './training.errors';
import type { VocabularyEntry } from './vocabulary';

/** Clusters and evaluation of one version, stored in the pipeline's saving transaction. */
export interface ModelAnalysisResult {
  clusters: ModelClusters;
  evaluation: ModelEvaluation;
}

/** Reports the fraction done inside the `clustering` or `evaluating` phase. */
export type AnalysisProgress = (phase: Extract<JobPhase, 'clustering' | 'evaluating'>, fraction: number) => void;

/** The training pipeline's step between indexing and saving: k-means over the whole vocabulary, then evaluation. */
@Injectable()
export class ModelAnalysis {
  private readonly logger = new Logger(ModelAnalysis.name);

  constructor(
    private readonly captures: CaptureRepository,
    private readonly artifacts: ArtifactRepository,
    private readonly clustering: ModelClusteringService,
    private readonly evaluation: ModelEvaluationService,
    private readonly clusters: ClusterRepository,
  ) {}

  /**
   * Reads the start times of the version's captures and returns the split that routes each flow to training or to
   * the held-out set, or null when the definition sets no temporal split.
   */
  async prepareTemporalSplit(version: ModelVersionEntity, signal: AbortSignal): Promise<TemporalSplit | null> {
    const trainShare = version.definition.evaluation?.temporalSplit ?? null;
    if (trainShare === null) {
      return null;
    }

    const captures = new Map((await this.captures.findByIds(version.captureIds)).map((c) => [c.id, c]));
    const startTimes: number[] = [];
    for (const captureId of version.captureIds) {
      const capture = captures.get(captureId);
      if (!capture) {
        throw new PermanentTrainingError(`Capture ${captureId} of model ${version.modelId} no longer exists`);
      }

      await parseCapture(this.artifacts.openRead(this.artifacts.capturePath(capture.sha256.trim())), (flow) => {
        if (flow.startTime !== null) {
          startTimes.push(flow.startTime);
        }
      });
      signal.throwIfAborted();
    }

    if (startTimes.length === 0) {
      throw new PermanentTrainingError(
        `No flow of model ${version.modelId} has a StartTime, so evaluation.temporalSplit cannot split it; remove it`,
      );
    }
    const cutoff = temporalCutoff(Float64Array.from(startTimes), trainShare);
    this.logger.log(`Model ${version.modelId}: holding out flows from StartTime ${cutoff} for the temporal split`);
    return new TemporalSplit(trainShare, cutoff, version.definition.tokenFields);
  }

  async run(
    version: ModelVersionEntity,
    entries: readonly VocabularyEntry[],
    vectors: Float32Array,
    index: VectorIndex,
    temporalSplit: TemporalSplit | null,
    report: AnalysisProgress,
    signal: AbortSignal,
  ): Promise<ModelAnalysisResult> {
    const { definition } = version;
    report('clustering', 0);
    const clusters = await this.clustering.cluster(
      vectors,
      definition.trainer.vectorSize,
      entries,
      { clustering: definition.clustering, seed: definition.trainer.seed },
      (fraction) => report('clustering', fraction),
      signal,
    );

    report('evaluating', 0);
    const evaluation = await this.evaluation.evaluate(
      index,
      entries,
      clusters.assignments,
      clusters.summary,
      temporalSplit,
      (fraction) => report('evaluating', fraction),
      signal,
    );

    return { clusters, evaluation };
  }

  /** Stores clusters, token membership and the evaluation inside the caller's transaction. */
  async save(manager: EntityManager, versionId: string, result: ModelAnalysisResult): Promise<void> {
    await this.clusters.save(manager, versionId, result.clusters);
    await manager.query('UPDATE model_versions SET evaluation = $2 WHERE id = $1', [
      versionId,
      JSON.stringify(result.evaluation),
    ]);
  }
}
