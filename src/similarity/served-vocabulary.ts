import { LABEL_CLASSES, LabelClass } from '../captures/label-class';

/** Cluster id stored for a token that has not been clustered yet. */
const NO_CLUSTER = -1;

/** One vocabulary row as read from PostgreSQL, with the label counts kept as their JSON text. */
export interface VocabularyRow {
  tokenId: number;
  token: string;
  count: number;
  labelCountsJson: string;
  labelClass: LabelClass;
  cluster: number | null;
}

/** A token's details as queries return them. */
export interface TokenDetails {
  token: string;
  count: number;
  labelCounts: { label: string; count: number }[];
  labelClass: LabelClass;
  cluster: number | null;
}

/**
 * A model's vocabulary held in the API process, so that a query resolves tokens and fills in neighbour
 * details without a database round trip. Arrays are indexed by token id, which is also the row of the
 * token's vector and its label in the HNSW index.
 */
export class ServedVocabulary {
  private readonly ids = new Map<string, number>();

  private constructor(
    readonly tokens: string[],
    private readonly counts: Int32Array,
    private readonly labelCountsJson: string[],
    private readonly labelClasses: Uint8Array,
    private readonly clusters: Int32Array,
  ) {
    tokens.forEach((token, tokenId) => this.ids.set(token, tokenId));
  }

  /** Builds the vocabulary from rows whose token ids are exactly 0..size-1, in any order. */
  static fromRows(rows: VocabularyRow[], size: number): ServedVocabulary {
    const tokens = new Array<string>(size);
    const counts = new Int32Array(size);
    const labelCountsJson = new Array<string>(size);
    const labelClasses = new Uint8Array(size);
    const clusters = new Int32Array(size).fill(NO_CLUSTER);

    for (const row of rows) {
      if (!Number.isInteger(row.tokenId) || row.tokenId < 0 || row.tokenId >= size || tokens[row.tokenId]) {
        throw new Error(`vocabulary row with token id ${row.tokenId} does not fit a vocabulary of ${size} tokens`);
      }
      tokens[row.tokenId] = row.token;
      counts[row.tokenId] = row.count;
      labelCountsJson[row.tokenId] = sortedLabelCountsJson(row.labelCountsJson);
      labelClasses[row.tokenId] = LABEL_CLASSES.indexOf(row.labelClass);
      clusters[row.tokenId] = row.cluster ?? NO_CLUSTER;
    }

    const filled = rows.length;
    if (filled !== size) {
      throw new Error(`vocabulary has ${filled} rows, but the index has ${size} vectors`);
    }
    return new ServedVocabulary(tokens, counts, labelCountsJson, labelClasses, clusters);
  }

  get size(): number {
    return this.tokens.length;
  }

  /** Rough heap size in bytes: two bytes per string character plus per-token overhead of the Map and arrays. */
  get estimatedBytes(): number {
    let characters = 0;
    for (let tokenId = 0; tokenId < this.tokens.length; tokenId++) {
      characters += this.tokens[tokenId].length + this.labelCountsJson[tokenId].length;
    }
    return characters * 2 + this.tokens.length * 120;
  }

  idOf(token: string): number | undefined {
    return this.ids.get(token);
  }

  labelClassOf(tokenId: number): LabelClass {
    return LABEL_CLASSES[this.labelClasses[tokenId]];
  }

  clusterOf(tokenId: number): number | null {
    const cluster = this.clusters[tokenId];
    return cluster === NO_CLUSTER ? null : cluster;
  }

  details(tokenId: number): TokenDetails {
    return {
      token: this.tokens[tokenId],
      count: this.counts[tokenId],
      labelCounts: JSON.parse(this.labelCountsJson[tokenId]) as TokenDetails['labelCounts'],
      labelClass: this.labelClassOf(tokenId),
      cluster: this.clusterOf(tokenId),
    };
  }
}

/**
 * Rewrites a token's `{ label: count }` JSON as the JSON of the `labelCounts` array that queries return, most
 * frequent label first and ties by label. Sorting once at load leaves only a JSON.parse per returned token.
 */
function sortedLabelCountsJson(json: string): string {
  const labelCounts = Object.entries(JSON.parse(json) as Record<string, number>)
    .map(([label, count]) => ({ label, count }))
    .sort((a, b) => b.count - a.count || a.label.localeCompare(b.label));

  return JSON.stringify(labelCounts);
}
