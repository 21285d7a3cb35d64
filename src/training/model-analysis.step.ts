import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { ClusterRepository } from '../clusters/cluster.repository';
import { ModelClusteringService, ModelClusters } from '../clusters/model-clustering.service';
import type { JobPhase } from '../entities/job.entity';
import type { ModelVersionEntity } from '../entities/model-version.entity';
import type { ModelEvaluation } from '../evaluation/model-evaluation.types';
import { ModelEvaluationService } from '../evaluation/model-evaluation.service';
import type { VectorIndex } from '../similarity/vector-index.repository';
import type { VocabularyEntry } from './vocabulary';

/** What the analysis step computed for one version, stored in the pipeline's saving transaction. */
export interface ModelAnalysisResult {
  clusters: ModelClusters;
  evaluation: ModelEvaluation;
}

/** Reports the fraction done inside the `clustering` or `evaluating` phase. */
export type AnalysisProgress = (phase: Extract<JobPhase, 'clustering' | 'evaluating'>, fraction: number) => void;

/** The training pipeline's step between indexing and saving: k-means over the whole vocabulary, then evaluation. */
@Injectable()
export class ModelAnalysis {
  constructor(
    private readonly clustering: ModelClusteringService,
    private readonly evaluation: ModelEvaluationService,
    private readonly clusters: ClusterRepository,
  ) {}

  async run(
    version: ModelVersionEntity,
    entries: readonly VocabularyEntry[],
    vectors: Float32Array,
    index: VectorIndex,
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
