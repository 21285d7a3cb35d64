import { ExactCentroidSearch } from './kmeans-centroid-search';
import { assignAll, recomputeMeans } from './kmeans-lloyd';
import { copyRow, shuffleInPlace, squaredDistance } from './kmeans-vectors';

/** Lloyd iterations that refine the coarse centroids of the partitioned seeding, on the sample. */
const COARSE_ITERATIONS = 3;
/** Vectors sampled per coarse centroid to fit the coarse k-means of the partitioned seeding. */
const COARSE_SAMPLE_PER_GROUP = 50;
/** Groups of the partitioned seeding larger than this many times the average group size are split again. */
const MAX_GROUP_SIZE_FACTOR = 2;

/** Candidates per centre in greedy k-means++, as scikit-learn's `_kmeans_plusplus` chooses them. */
export function greedyTrials(count: number): number {
  return 2 + Math.floor(Math.log(count));
}

/**
 * Picks `count` centres among the vectors listed in `rows` by k-means++ and writes them to centroid rows
 * `firstCentroid`, `firstCentroid + 1`, … The first centre is drawn uniformly. Each next one is the best of `trials`
 * candidates drawn with probability proportional to their squared distance to the nearest centre so far (D²
 * sampling, Arthur and Vassilvitskii 2007), best meaning that it leaves the smallest sum of those distances. One
 * trial is classic k-means++; `greedyTrials(count)` makes a missed cluster much less likely. Costs
 * O(rows·count·trials·dim). When every listed vector coincides with a centre, the next centre is drawn uniformly
 * from those not picked yet.
 */
export function seedKMeansPlusPlus(
  vectors: Float32Array,
  dim: number,
  rows: Int32Array,
  count: number,
  random: () => number,
  centroids: Float32Array,
  firstCentroid: number,
  trials: number,
): void {
  const picked = new Uint8Array(rows.length);
  let nearest = new Float64Array(rows.length).fill(Infinity);
  let trialDistances = new Float64Array(rows.length);
  let bestDistances = new Float64Array(rows.length);
  let total = Infinity;

  for (let centre = 0; centre < count; centre++) {
    let pick = Math.floor(random() * rows.length);
    if (centre > 0 && total === 0) {
      pick = sampleUnpicked(picked, random);
    } else if (centre > 0) {
      let bestSum = Infinity;
      for (let trial = 0; trial < trials; trial++) {
        const candidate = sampleByWeight(nearest, total, random);
        const sum = distancesWithCandidate(vectors, dim, rows, rows[candidate], nearest, trialDistances);
        if (sum < bestSum) {
          [trialDistances, bestDistances] = [bestDistances, trialDistances];
          bestSum = sum;
          pick = candidate;
        }
      }
    }

    picked[pick] = 1;
    copyRow(vectors, rows[pick], centroids, firstCentroid + centre, dim);
    if (centre === 0 || total === 0) {
      total = distancesWithCandidate(vectors, dim, rows, rows[pick], nearest, bestDistances);
    } else {
      total = bestDistances.reduce((a, b) => a + b, 0);
    }
    [nearest, bestDistances] = [bestDistances, nearest];
  }
}

/** Writes each row's distance to the nearest of (its current nearest centre, `candidate`) and returns their sum. */
function distancesWithCandidate(
  vectors: Float32Array,
  dim: number,
  rows: Int32Array,
  candidate: number,
  nearest: Float64Array,
  out: Float64Array,
): number {
  let sum = 0;
  for (let i = 0; i < rows.length; i++) {
    out[i] = Math.min(nearest[i], squaredDistance(vectors, rows[i], vectors, candidate, dim));
    sum += out[i];
  }

  return sum;
}

/**
 * Seeds k centres by k-means++ within partitions, for when k-means++ over all n vectors (O(n·k·dim)) is too slow.
 * A coarse k-means with `groupCount` clusters, fitted on a sample of the vectors, splits all vectors into groups
 * (see `partitionForSeeding`, which also splits oversized groups). Each group then gets centres in proportion to its
 * size (largest remainder), picked by greedy k-means++ among its own vectors.
 *
 * The cost is O(n·dim·(groupCount + trials·k/groupCount)) for balanced groups, smallest at groupCount ≈ √(trials·k)
 * (see `partitionGroupCount`). For n = 142,000 and k = 28,400 that is about 450 groups and 3% of the work of plain
 * greedy k-means++. The centres follow D² sampling inside each group. What is lost is D² sampling across groups, so
 * the share of centres per group follows group size rather than spread. For k near n/5, as with the default, that
 * is close to what D² sampling gives.
 */
export function seedPartitioned(
  vectors: Float32Array,
  dim: number,
  k: number,
  groupCount: number,
  random: () => number,
  centroids: Float32Array,
): void {
  let nextCentroid = 0;
  for (const { members, quota } of partitionForSeeding(vectors, dim, k, groupCount, random)) {
    if (quota > 0) {
      seedKMeansPlusPlus(vectors, dim, members, quota, random, centroids, nextCentroid, greedyTrials(quota));
      nextCentroid += quota;
    }
  }

  if (nextCentroid !== k) {
    throw new Error(`Partitioned seeding placed ${nextCentroid} of ${k} centres; this is a bug in the apportioning.`);
  }
}

/** A group of the partitioned seeding: the rows of its vectors and the number of centres to pick among them. */
export interface SeedingGroup {
  members: Int32Array;
  quota: number;
}

/**
 * Splits the n vectors into groups for `seedPartitioned` and gives each group its share of the k centres. A coarse
 * k-means with `groupCount` clusters makes the groups, and it can put far more than n / groupCount vectors into
 * one of them. On host-mode vectors of CTU-13 scenario 6, two of 446 groups got 32% of the 141,886 vectors, all of
 * them trained. The other half of the vectors, still at their random initial values (norm about 0.06 against 1 to
 * 4 for trained ones), was spread over 419 groups. The k-means++ inside a group costs O(size·quota·trials·dim),
 * which grows with the square of the size. So every group larger than `MAX_GROUP_SIZE_FACTOR` · n / groupCount is
 * split again by a coarse k-means over its own vectors, and its quota is shared among the parts by size. When that
 * k-means leaves all of them in one part (all vectors equal, for example), the group is cut into equal parts in
 * random order. No group ends up above that size, so the in-group work stays within about `MAX_GROUP_SIZE_FACTOR`
 * times that of balanced groups.
 */
export function partitionForSeeding(
  vectors: Float32Array,
  dim: number,
  k: number,
  groupCount: number,
  random: () => number,
): SeedingGroup[] {
  const n = vectors.length / dim;
  const averageSize = n / groupCount;
  const maxSize = Math.ceil(MAX_GROUP_SIZE_FACTOR * averageSize);
  const groups: SeedingGroup[] = [];
  const split = (rows: Int32Array, quota: number, parts: number) => {
    let children = listMembers(rows, partitionCoarsely(vectors, dim, rows, parts, random), parts);
    if (children.some((members) => members.length === rows.length)) {
      children = cutInRandomOrder(rows, parts, random);
    }

    const quotas = apportion(
      children.map((members) => members.length),
      quota,
    );
    children.forEach((members, child) => {
      if (members.length > maxSize) {
        split(members, quotas[child], Math.max(2, Math.ceil(members.length / averageSize)));
      } else {
        groups.push({ members, quota: quotas[child] });
      }
    });
  };

  split(
    Int32Array.from({ length: n }, (_, i) => i),
    k,
    groupCount,
  );

  return groups;
}

/**
 * Returns the group of each of `rows`, in the order of `rows`: its nearest centroid of a coarse k-means fitted on a
 * uniform sample of them.
 */
function partitionCoarsely(
  vectors: Float32Array,
  dim: number,
  rows: Int32Array,
  groupCount: number,
  random: () => number,
): Int32Array {
  const sample = Int32Array.from(rows);
  shuffleInPlace(sample, random);
  const sampleSize = Math.min(rows.length, Math.max(groupCount, COARSE_SAMPLE_PER_GROUP * groupCount));
  const sampleVectors = new Float32Array(sampleSize * dim);
  for (let i = 0; i < sampleSize; i++) {
    copyRow(vectors, sample[i], sampleVectors, i, dim);
  }

  const coarse = new Float32Array(groupCount * dim);
  const sampleRows = Int32Array.from({ length: sampleSize }, (_, i) => i);
  seedKMeansPlusPlus(sampleVectors, dim, sampleRows, groupCount, random, coarse, 0, greedyTrials(groupCount));
  const sampleGroupOf = new Int32Array(sampleSize).fill(-1);
  const sampleSearch = new ExactCentroidSearch(sampleVectors, coarse, groupCount, dim);
  for (let iteration = 0; iteration < COARSE_ITERATIONS; iteration++) {
    assignAll(sampleSearch, sampleGroupOf, new Float64Array(sampleSize));
    recomputeMeans(sampleVectors, dim, sampleGroupOf, groupCount, coarse);
  }

  const search = new ExactCentroidSearch(vectors, coarse, groupCount, dim);
  const distance = new Float64Array(1);

  return rows.map((row) => search.nearest(row, distance));
}

/** Cuts `rows`, shuffled, into `parts` parts whose sizes differ by at most one. */
function cutInRandomOrder(rows: Int32Array, parts: number, random: () => number): Int32Array[] {
  const shuffled = Int32Array.from(rows);
  shuffleInPlace(shuffled, random);
  const smallSize = Math.floor(rows.length / parts);
  const largeParts = rows.length % parts;
  let start = 0;

  return Array.from({ length: parts }, (_, part) =>
    shuffled.slice(start, (start += part < largeParts ? smallSize + 1 : smallSize)),
  );
}

/** Lists the members of each group, where `groupOf[i]` is the group of `rows[i]`. */
function listMembers(rows: Int32Array, groupOf: Int32Array, groupCount: number): Int32Array[] {
  const sizes = new Int32Array(groupCount);
  groupOf.forEach((group) => sizes[group]++);

  const groups = Array.from(sizes, (size) => new Int32Array(size));
  const filled = new Int32Array(groupCount);
  groupOf.forEach((group, i) => {
    groups[group][filled[group]++] = rows[i];
  });

  return groups;
}

/** Number of groups that balances the coarse assignment against the k-means++ inside the groups. */
export function partitionGroupCount(k: number): number {
  const trials = greedyTrials(Math.max(1, Math.round(Math.sqrt(k))));

  return Math.min(k, Math.max(2, Math.round(Math.sqrt(k * trials))));
}

/**
 * Splits `total` into integer shares proportional to `sizes` by the largest-remainder method, with ties going to the
 * lower index. No share exceeds its size while total ≤ the sum of sizes.
 */
export function apportion(sizes: number[], total: number): number[] {
  const sum = sizes.reduce((a, b) => a + b, 0);
  const exact = sizes.map((size) => (size * total) / sum);
  const shares = exact.map(Math.floor);

  let left = total - shares.reduce((a, b) => a + b, 0);
  const byRemainder = sizes.map((_, i) => i).sort((a, b) => exact[b] - shares[b] - (exact[a] - shares[a]) || a - b);
  for (const i of byRemainder) {
    if (left === 0) {
      break;
    }
    if (shares[i] < sizes[i]) {
      shares[i]++;
      left--;
    }
  }

  return shares;
}

function sampleByWeight(weights: Float64Array, total: number, random: () => number): number {
  let target = random() * total;
  let last = 0;
  for (let i = 0; i < weights.length; i++) {
    if (weights[i] > 0) {
      last = i;
      target -= weights[i];
      if (target < 0) {
        return i;
      }
    }
  }

  // Rounding can leave a small positive target after the last positive weight.
  return last;
}

function sampleUnpicked(picked: Uint8Array, random: () => number): number {
  const unpicked: number[] = [];
  picked.forEach((flag, i) => {
    if (flag === 0) {
      unpicked.push(i);
    }
  });

  return unpicked[Math.floor(random() * unpicked.length)];
}
