import { Injectable, Logger } from '@nestjs/common';
import type { LabelClass } from '../captures/label-class';
import { clusterPurity } from '../evaluation/cluster-purity';
import type { ClusteringSummary } from '../evaluation/model-evaluation.types';
import type { ClusteringDefinition } from '../models/model-definition';
import type { VocabularyEntry } from '../training/vocabulary';
import { ClusterProgress } from './kmeans';
import { clusterInThread } from './kmeans-thread';

/** Tokens per cluster when the definition leaves k out, as in the reference notebook. */
export const TOKENS_PER_CLUSTER = 5;

/** One cluster as stored in the `clusters` table. */
export interface ClusterRow {
  clusterId: number;
  size: number;
  flows: number;
  tokenComposition: Record<LabelClass, number>;
  flowComposition: Record<LabelClass, number>;
  majorityClass: LabelClass | null;
  meanCentroidSimilarity: number | null;
  minCentroidSimilarity: number | null;
}

/** The clustering of one model version, ready to be stored. Arrays are indexed by token id. */
export interface ModelClusters {
  assignments: Int32Array;
  centroidSimilarity: Float32Array;
  clusters: ClusterRow[];
  summary: ClusteringSummary;
}

/** Resolves the definition's k: round(tokens / 5) when it is null, at least 1 and at most the number of tokens. */
export function clusterCount(definition: ClusteringDefinition, tokens: number): number {
  const requested = definition.k ?? Math.round(tokens / TOKENS_PER_CLUSTER);
  return Math.max(1, Math.min(requested, tokens));
}

/** Clusters a version's whole vocabulary by k-means on the unit-normalised vectors and describes each cluster. */
@Injectable()
export class ModelClusteringService {
  private readonly logger = new Logger(ModelClusteringService.name);

  async cluster(
    vectors: Float32Array,
    dim: number,
    entries: readonly VocabularyEntry[],
    settings: { clustering: ClusteringDefinition; seed: number },
    onProgress: (fraction: number) => void,
    signal: AbortSignal,
  ): Promise<ModelClusters> {
    const k = clusterCount(settings.clustering, entries.length);
    const started = performance.now();
    const result = await clusterInThread(
      vectors,
      dim,
      { k, seed: settings.seed, maxIterations: settings.clustering.maxIterations },
      (progress: ClusterProgress) => onProgress(progress.iteration / Math.max(progress.maxIterations, 1)),
      signal,
    );
    const seconds = (performance.now() - started) / 1000;
    this.logger.log(
      `k-means of ${entries.length} tokens into ${result.k} clusters: ${result.iterations} passes in ${seconds.toFixed(1)} s`,
    );

    const centroidSimilarity = centroidSimilarities(vectors, dim, result.assignments, result.centroids);
    const clusters = describeClusters(entries, result.assignments, result.k, centroidSimilarity);
    return {
      assignments: result.assignments,
      centroidSimilarity,
      clusters,
      summary: { k: result.k, iterations: result.iterations, inertia: result.inertia, seconds },
    };
  }
}

/** Cosine similarity of each vector to its cluster's centroid; 0 for a zero vector or a zero centroid. */
export function centroidSimilarities(
  vectors: Float32Array,
  dim: number,
  assignments: Int32Array,
  centroids: Float32Array,
): Float32Array {
  const similarities = new Float32Array(assignments.length);
  for (let token = 0; token < assignments.length; token++) {
    const vectorOffset = token * dim;
    const centroidOffset = assignments[token] * dim;
    let dot = 0;
    let vectorNorm = 0;
    let centroidNorm = 0;
    for (let j = 0; j < dim; j++) {
      const value = vectors[vectorOffset + j];
      const centre = centroids[centroidOffset + j];
      dot += value * centre;
      vectorNorm += value * value;
      centroidNorm += centre * centre;
    }
    similarities[token] = vectorNorm > 0 && centroidNorm > 0 ? dot / Math.sqrt(vectorNorm * centroidNorm) : 0;
  }

  return similarities;
}

function describeClusters(
  entries: readonly VocabularyEntry[],
  assignments: Int32Array,
  k: number,
  centroidSimilarity: Float32Array,
): ClusterRow[] {
  const labelClassOf = (token: number) => entries[token].labelClass;
  const byTokens = clusterPurity(assignments, k, { labelClassOf });
  const byFlows = clusterPurity(assignments, k, { labelClassOf, counts: entries.map((entry) => entry.count) });

  const similaritySums = new Float64Array(k);
  const minimumSimilarities = new Float64Array(k).fill(Infinity);
  assignments.forEach((cluster, token) => {
    similaritySums[cluster] += centroidSimilarity[token];
    minimumSimilarities[cluster] = Math.min(minimumSimilarities[cluster], centroidSimilarity[token]);
  });

  return byFlows.clusters.map((cluster, clusterId) => ({
    clusterId,
    size: cluster.size,
    flows: Object.values(cluster.composition).reduce((sum, flows) => sum + flows, 0),
    tokenComposition: byTokens.clusters[clusterId].composition,
    flowComposition: cluster.composition,
    majorityClass: cluster.majorityClass,
    meanCentroidSimilarity: cluster.size > 0 ? similaritySums[clusterId] / cluster.size : null,
    minCentroidSimilarity: cluster.size > 0 ? minimumSimilarities[clusterId] : null,
  }));
}
