// The SIMD training kernel: the same algorithm, random-number order and memory layout as
// src/trainer/reference-kernel.ts, with 128-bit SIMD dot products and vector updates.
//
// Each worker thread instantiates this module on the shared memory, so every global below is private to one
// thread while the weights are shared. Threads write the shared vectors with plain, unsynchronised loads and
// stores (Hogwild!): a racing update may be lost or read half-applied, which SGD tolerates. WebAssembly defines
// such races (no undefined behaviour), so the only cost is a slightly noisier gradient.
//
// Vector rows are `rowStride` floats, a multiple of 4 with zero padding, and every row and buffer starts on a
// 16-byte boundary, so the loops below step over whole v128 lanes.

const MAX_EXP: f32 = 6;
const SIGMOID_TABLE_SIZE: f32 = 1000;
const SIGMOID_SCALE: f32 = SIGMOID_TABLE_SIZE / (2 * MAX_EXP);
/** Bytes of one of the two target lists in the `targets` buffer: MAX_NEGATIVE + 1 words, as kernel-memory.ts lays out. */
const TARGET_BUFFER_BYTES: usize = 1001 * 4;

let vocabularySize: u32 = 0;
let rowBytes: usize = 0;
let window: u32 = 0;
let negative: i32 = 0;
let sharedNegatives: bool = false;
let cbow: bool = false;
let downsample: bool = false;

let sigmoidTable: usize = 0;
let logSigmoidTable: usize = 0;
let keepThresholds: usize = 0;
let noiseThresholds: usize = 0;
let noiseAliases: usize = 0;
let inputVectors: usize = 0;
let outputVectors: usize = 0;
let jobWords: usize = 0;
let jobSentenceOffsets: usize = 0;
let keptWords: usize = 0;
let work: usize = 0;
let hidden: usize = 0;
let targets: usize = 0;
let gradients: usize = 0;
/** Written so the compiler keeps the loads of `touchTargetRows`. */
let touchedBits: u32 = 0;

let random0: u32 = 0;
let random1: u32 = 0;
let random2: u32 = 0;
let random3: u32 = 0;

/** Sets the model shape and the byte offsets of the shared tables and of this thread's buffers. */
export function configure(
  vocabulary: u32,
  rowStride: u32,
  windowSize: u32,
  negativeSamples: i32,
  useSharedNegatives: bool,
  useCbow: bool,
  useDownsampling: bool,
  sigmoidTableOffset: usize,
  logSigmoidTableOffset: usize,
  keepThresholdsOffset: usize,
  noiseThresholdsOffset: usize,
  noiseAliasesOffset: usize,
  inputVectorsOffset: usize,
  outputVectorsOffset: usize,
  jobWordsOffset: usize,
  jobSentenceOffsetsOffset: usize,
  keptWordsOffset: usize,
  workOffset: usize,
  hiddenOffset: usize,
  targetsOffset: usize,
  gradientsOffset: usize,
): void {
  vocabularySize = vocabulary;
  rowBytes = <usize>rowStride * 4;
  window = windowSize;
  negative = negativeSamples;
  sharedNegatives = useSharedNegatives;
  cbow = useCbow;
  downsample = useDownsampling;
  sigmoidTable = sigmoidTableOffset;
  logSigmoidTable = logSigmoidTableOffset;
  keepThresholds = keepThresholdsOffset;
  noiseThresholds = noiseThresholdsOffset;
  noiseAliases = noiseAliasesOffset;
  inputVectors = inputVectorsOffset;
  outputVectors = outputVectorsOffset;
  jobWords = jobWordsOffset;
  jobSentenceOffsets = jobSentenceOffsetsOffset;
  keptWords = keptWordsOffset;
  work = workOffset;
  hidden = hiddenOffset;
  targets = targetsOffset;
  gradients = gradientsOffset;
}

/** Sets the xoshiro128** state; the four words must not all be zero. */
export function setRandomState(s0: u32, s1: u32, s2: u32, s3: u32): void {
  random0 = s0;
  random1 = s1;
  random2 = s2;
  random3 = s3;
}

/** Trains on the job in this thread's buffers at learning rate `alpha` and returns the job's loss. */
export function trainJob(sentenceCount: i32, alpha: f32): f64 {
  let loss: f64 = 0;
  for (let sentence = 0; sentence < sentenceCount; sentence++) {
    const start = load<i32>(jobSentenceOffsets + (<usize>sentence << 2));
    const end = load<i32>(jobSentenceOffsets + (<usize>(sentence + 1) << 2));
    const keptCount = downsampleSentence(start, end);

    for (let centre = 0; centre < keptCount; centre++) {
      const reach = <i32>(window - nextRandom() % window);
      const from = max<i32>(0, centre - reach);
      const to = min<i32>(keptCount, centre + reach + 1);
      if (cbow) {
        loss += trainCbow(centre, from, to, alpha);
      } else if (sharedNegatives) {
        loss += trainSkipGramSharedNegatives(centre, from, to, alpha);
      } else {
        loss += trainSkipGram(centre, from, to, alpha);
      }
    }
  }

  return loss;
}

function downsampleSentence(start: i32, end: i32): i32 {
  let kept = 0;
  for (let i = start; i < end; i++) {
    const word = load<i32>(jobWords + (<usize>i << 2));
    if (downsample && load<u32>(keepThresholds + (<usize>word << 2)) < nextRandom()) {
      continue;
    }

    store<i32>(keptWords + (<usize>kept << 2), word);
    kept++;
  }

  return kept;
}

/**
 * Trains the pairs (context → centre) of one centre word. The targets of the next pair are drawn and their rows
 * touched before the current pair is trained, so their cache misses overlap with its arithmetic. That changes
 * neither the order of random draws nor any result.
 */
function trainSkipGram(centre: i32, from: i32, to: i32, alpha: f32): f64 {
  const target = keptWordAt(centre);
  let context = from == centre ? from + 1 : from;
  if (context >= to) {
    return 0;
  }

  let current = targets;
  let upcoming = targets + TARGET_BUFFER_BYTES;
  let count = drawTargets(current, target);
  touchRows(current, count, inputRowOf(context));

  let loss: f64 = 0;
  while (context < to) {
    let nextContext = context + 1;
    if (nextContext == centre) {
      nextContext++;
    }

    let nextCount = 0;
    if (nextContext < to) {
      nextCount = drawTargets(upcoming, target);
      touchRows(upcoming, nextCount, inputRowOf(nextContext));
    }

    const inputRow = inputRowOf(context);
    clearRow(work);
    loss += trainNegativeSampling(current, count, inputRow, alpha);
    addRowInPlace(inputRow, work);

    const trained = current;
    current = upcoming;
    upcoming = trained;
    count = nextCount;
    context = nextContext;
  }

  return loss;
}

/** Trains the pairs of one centre word against one set of noise words drawn for the centre word. */
function trainSkipGramSharedNegatives(centre: i32, from: i32, to: i32, alpha: f32): f64 {
  if (to - from < 2) {
    return 0;
  }

  const count = drawTargets(targets, keptWordAt(centre));
  touchRows(targets, count, inputRowOf(from == centre ? from + 1 : from));

  let loss: f64 = 0;
  for (let context = from; context < to; context++) {
    if (context == centre) {
      continue;
    }

    const inputRow = inputRowOf(context);
    clearRow(work);
    loss += trainNegativeSampling(targets, count, inputRow, alpha);
    addRowInPlace(inputRow, work);
  }

  return loss;
}

function trainCbow(centre: i32, from: i32, to: i32, alpha: f32): f64 {
  const contexts = to - from - 1;
  if (contexts == 0) {
    return 0;
  }

  clearRow(hidden);
  for (let context = from; context < to; context++) {
    if (context != centre) {
      addRowInPlace(hidden, inputVectors + <usize>keptWordAt(context) * rowBytes);
    }
  }

  const scale = f32x4.splat(<f32>1 / <f32>contexts);
  for (let i: usize = 0; i < rowBytes; i += 16) {
    v128.store(hidden + i, f32x4.mul(v128.load(hidden + i), scale));
  }

  const count = drawTargets(targets, keptWordAt(centre));
  touchRows(targets, count, hidden);
  clearRow(work);
  const loss = trainNegativeSampling(targets, count, hidden, alpha);
  for (let context = from; context < to; context++) {
    if (context != centre) {
      addRowInPlace(inputVectors + <usize>keptWordAt(context) * rowBytes, work);
    }
  }

  return loss;
}

/**
 * Same contract as `ReferenceKernel.trainNegativeSampling`, for targets already drawn into `targetList`: scores
 * every target first, then updates the output rows and accumulates the gradient for `hiddenRow` into `work`.
 */
function trainNegativeSampling(targetList: usize, targetCount: i32, hiddenRow: usize, alpha: f32): f64 {
  let loss: f64 = 0;
  for (let k = 0; k < targetCount; k++) {
    const dot = dotRows(hiddenRow, targetRow(targetList, k));
    let gradient: f32 = 0;
    if (dot > -MAX_EXP && dot < MAX_EXP) {
      const label: f32 = k == 0 ? 1 : 0;
      gradient = (label - tableAt(sigmoidTable, dot)) * alpha;
      loss -= <f64>tableAt(logSigmoidTable, k == 0 ? dot : -dot);
    }
    store<f32>(gradients + (<usize>k << 2), gradient);
  }

  for (let k = 0; k < targetCount; k++) {
    const gradient = load<f32>(gradients + (<usize>k << 2));
    if (gradient != 0) {
      updateOutputRow(targetRow(targetList, k), hiddenRow, gradient);
    }
  }

  return loss;
}

/** Fills `targetList` with the target word and the noise words that differ from it, and returns how many. */
function drawTargets(targetList: usize, target: i32): i32 {
  store<i32>(targetList, target);
  let count = 1;
  for (let d = 0; d < negative; d++) {
    const word = drawNoiseWord();
    if (word != target) {
      store<i32>(targetList + (<usize>count << 2), word);
      count++;
    }
  }

  return count;
}

/**
 * Loads one word from every 64-byte cache line of the target rows and of `inputRow`. On a large vocabulary the
 * noise words' rows are mostly in main memory, and issuing all these independent loads together lets their cache
 * misses overlap instead of waiting for each other. WebAssembly has no prefetch instruction.
 */
function touchRows(targetList: usize, targetCount: i32, inputRow: usize): void {
  let touched: u32 = 0;
  for (let offset: usize = 0; offset < rowBytes; offset += 64) {
    touched |= load<u32>(inputRow + offset);
  }
  for (let k = 0; k < targetCount; k++) {
    const row = targetRow(targetList, k);
    for (let offset: usize = 0; offset < rowBytes; offset += 64) {
      touched |= load<u32>(row + offset);
    }
  }
  touchedBits = touched;
}

@inline
function targetRow(targetList: usize, k: i32): usize {
  return outputVectors + <usize>load<i32>(targetList + (<usize>k << 2)) * rowBytes;
}

@inline
function inputRowOf(index: i32): usize {
  return inputVectors + <usize>keptWordAt(index) * rowBytes;
}

/** work += gradient × output; output += gradient × hidden, in one pass over the output row. */
@inline
function updateOutputRow(outputRow: usize, hiddenRow: usize, gradient: f32): void {
  const scale = f32x4.splat(gradient);
  for (let i: usize = 0; i < rowBytes; i += 16) {
    const output = v128.load(outputRow + i);
    v128.store(work + i, f32x4.add(v128.load(work + i), f32x4.mul(scale, output)));
    v128.store(outputRow + i, f32x4.add(output, f32x4.mul(scale, v128.load(hiddenRow + i))));
  }
}

/** Four independent accumulators hide the latency of the SIMD adds. */
@inline
function dotRows(a: usize, b: usize): f32 {
  let sum0 = f32x4.splat(0);
  let sum1 = sum0;
  let sum2 = sum0;
  let sum3 = sum0;
  let i: usize = 0;
  for (; i + 64 <= rowBytes; i += 64) {
    sum0 = f32x4.add(sum0, f32x4.mul(v128.load(a + i), v128.load(b + i)));
    sum1 = f32x4.add(sum1, f32x4.mul(v128.load(a + i, 16), v128.load(b + i, 16)));
    sum2 = f32x4.add(sum2, f32x4.mul(v128.load(a + i, 32), v128.load(b + i, 32)));
    sum3 = f32x4.add(sum3, f32x4.mul(v128.load(a + i, 48), v128.load(b + i, 48)));
  }
  for (; i < rowBytes; i += 16) {
    sum0 = f32x4.add(sum0, f32x4.mul(v128.load(a + i), v128.load(b + i)));
  }

  const sum = f32x4.add(f32x4.add(sum0, sum1), f32x4.add(sum2, sum3));
  return (
    f32x4.extract_lane(sum, 0) + f32x4.extract_lane(sum, 1) + f32x4.extract_lane(sum, 2) + f32x4.extract_lane(sum, 3)
  );
}

@inline
function addRowInPlace(target: usize, source: usize): void {
  for (let i: usize = 0; i < rowBytes; i += 16) {
    v128.store(target + i, f32x4.add(v128.load(target + i), v128.load(source + i)));
  }
}

@inline
function clearRow(row: usize): void {
  const zero = f32x4.splat(0);
  for (let i: usize = 0; i < rowBytes; i += 16) {
    v128.store(row + i, zero);
  }
}

/**
 * Looks up sigmoid or log-sigmoid of x, for -MAX_EXP < x < MAX_EXP. In float32 the index of the largest float below
 * MAX_EXP rounds up to SIGMOID_TABLE_SIZE, one past the table, so it is clamped to the last entry, which is what
 * the reference kernel's float64 index gives.
 */
@inline
function tableAt(table: usize, x: f32): f32 {
  const index = min<i32>(<i32>((x + MAX_EXP) * SIGMOID_SCALE), <i32>SIGMOID_TABLE_SIZE - 1);
  return load<f32>(table + (<usize>index << 2));
}

@inline
function keptWordAt(index: i32): i32 {
  return load<i32>(keptWords + (<usize>index << 2));
}

/** Alias-method draw from the noise distribution: a uniform slot, kept or replaced by its alias. */
@inline
function drawNoiseWord(): i32 {
  const slot = nextRandom() % vocabularySize;
  const acceptance = nextRandom();
  const offset = <usize>slot << 2;

  return acceptance < load<u32>(noiseThresholds + offset) ? <i32>slot : load<i32>(noiseAliases + offset);
}

/** xoshiro128**, step for step as `Xoshiro128.nextUint32` in src/trainer/random.ts. */
@inline
function nextRandom(): u32 {
  const result = rotl<u32>(random1 * 5, 7) * 9;
  const shifted = random1 << 9;

  random2 ^= random0;
  random3 ^= random1;
  random1 ^= random2;
  random0 ^= random3;
  random2 ^= shifted;
  random3 = rotl<u32>(random3, 11);

  return result;
}
