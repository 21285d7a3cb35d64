import type { LabelClass } from '../captures/label-class';

/** Settings of one UMAP run; names follow umap-js and the Python umap-learn package. */
export interface ProjectionSettings {
  /** Most frequent tokens projected; the rest of the vocabulary is left off the map. */
  maxTokens: number;
  /** Neighbours that define each point's local structure; larger values keep more global structure. */
  nNeighbors: number;
  /** Smallest distance between points in the 2-D layout. */
  minDist: number;
  /** Optimisation epochs of the layout. umap-learn uses 200 for large inputs; fewer keep 20,000 tokens fast. */
  nEpochs: number;
  seed: number;
}

export const DEFAULT_PROJECTION_SETTINGS: Omit<ProjectionSettings, 'seed' | 'maxTokens'> = {
  nNeighbors: 15,
  minDist: 0.1,
  nEpochs: 150,
};

/** Labels shown per token on the map, most frequent first. */
export const PROJECTION_TOP_LABELS = 3;

/**
 * The 2-D map of a model as stored in `projection.json`: one entry per token in parallel arrays, in vocabulary
 * order (count descending), so that 20,000 tokens stay a few megabytes.
 */
export interface ProjectionFile {
  modelId: string;
  method: 'umap';
  settings: ProjectionSettings;
  vocabularySize: number;
  tokens: string[];
  x: number[];
  y: number[];
  counts: number[];
  labelClasses: LabelClass[];
  /** Most frequent labels of each token as `[label, count]` pairs. */
  labels: [string, number][][];
}

/**
 * Input of the projection worker thread: the k-nearest-neighbour graph of the projected tokens, `tokenCount × k`
 * row-major, each row starting with the token itself. Distances are cosine distances.
 */
export interface ProjectionWorkerData {
  tokenCount: number;
  k: number;
  neighbourIds: Int32Array;
  neighbourDistances: Float32Array;
  settings: ProjectionSettings;
}

export type ProjectionWorkerMessage =
  { kind: 'progress'; fraction: number } | { kind: 'done'; coordinates: Float32Array };
