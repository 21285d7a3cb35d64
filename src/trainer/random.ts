/**
 * xoshiro128** (Blackman and Vigna, 2018): a small, fast generator with 128 bits of state and 32-bit output,
 * built from 32-bit integer operations only, so the TypeScript and WebAssembly kernels produce the same stream.
 * Not for cryptography.
 */
export class Xoshiro128 {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  constructor(state: RandomState) {
    [this.s0, this.s1, this.s2, this.s3] = state;
  }

  /** Returns the next 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotateLeft(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const shifted = this.s1 << 9;

    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= shifted;
    this.s3 = rotateLeft(this.s3, 11);

    return result;
  }

  /** Returns a float in [0, 1) with 32 random bits. */
  nextFloat(): number {
    return this.nextUint32() / 2 ** 32;
  }

  state(): RandomState {
    return [this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0];
  }
}

/** The four 32-bit words of a xoshiro128** state; never all zero. */
export type RandomState = [number, number, number, number];

/**
 * Derives the generator state of one stream from a seed. Stream 0 initialises the vectors and stream k + 1 drives
 * worker thread k, so threads never share a sequence and a run is reproducible from its seed.
 */
export function randomStateFor(seed: number, stream: number): RandomState {
  let counter = mix32((seed >>> 0) ^ Math.imul(stream + 1, 0x632be5ab));
  const state: RandomState = [0, 0, 0, 0];
  for (let i = 0; i < 4; i++) {
    counter = (counter + 0x9e3779b9) >>> 0;
    state[i] = mix32(counter);
  }

  if (state.every((word) => word === 0)) {
    state[0] = 1;
  }

  return state;
}

/** MurmurHash3's 32-bit finaliser: spreads every input bit over the output. */
function mix32(value: number): number {
  let h = value >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;

  return h >>> 0;
}

function rotateLeft(value: number, bits: number): number {
  return (value << bits) | (value >>> (32 - bits));
}
