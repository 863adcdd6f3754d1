/**
 * Deterministic counter-based RNG (Philox4x32-10, Salmon et al., SC'11).
 *
 * Every output is a pure function of (seed, stream, block counter), so a
 * run can be checkpointed as three integers and reproduced bit-for-bit on any
 * JS engine: integer work is exact uint32, and the float transforms avoid the
 * implementation-defined Math.log/sin/cos (see detmath.ts).
 */
import { detLog, detSinCos2PiInto } from '../math/detmath.js';

const M0 = 0xd2511f53;
const M1 = 0xcd9e8d57;
const W0 = 0x9e3779b9;
const W1 = 0xbb67ae85;
const TWO32 = 4294967296;
const TWO_M24 = 1 / 16777216;

// High 32 bits of the 64-bit product a*b. Math.imul only yields the low word
// and a double holds just 53 bits, so sum the four 16x16 partial products.
function mulhi(a: number, b: number): number {
  const al = a & 0xffff;
  const ah = a >>> 16;
  const bl = b & 0xffff;
  const bh = b >>> 16;
  const ll = al * bl;
  const lh = al * bh;
  const hl = ah * bl;
  const mid = (ll >>> 16) + (lh & 0xffff) + (hl & 0xffff);
  return (ah * bh + (lh >>> 16) + (hl >>> 16) + (mid >>> 16)) >>> 0;
}

/**
 * Philox4x32 with a configurable round count (Random123 uses 7 and 10 in its
 * known-answer tests); writes 4 uint32 words to out.
 */
export function philox4x32(
  ctr: ArrayLike<number>,
  key: ArrayLike<number>,
  rounds = 10,
  out: Uint32Array = new Uint32Array(4),
): Uint32Array {
  let x0 = ctr[0]! >>> 0;
  let x1 = ctr[1]! >>> 0;
  let x2 = ctr[2]! >>> 0;
  let x3 = ctr[3]! >>> 0;
  let k0 = key[0]! >>> 0;
  let k1 = key[1]! >>> 0;
  for (let r = 0; r < rounds; r++) {
    if (r > 0) {
      k0 = (k0 + W0) >>> 0;
      k1 = (k1 + W1) >>> 0;
    }
    const hi0 = mulhi(M0, x0);
    const lo0 = Math.imul(M0, x0) >>> 0;
    const hi1 = mulhi(M1, x2);
    const lo1 = Math.imul(M1, x2) >>> 0;
    x0 = (hi1 ^ x1 ^ k0) >>> 0;
    x1 = lo1;
    x2 = (hi0 ^ x3 ^ k1) >>> 0;
    x3 = lo0;
  }
  out[0] = x0;
  out[1] = x1;
  out[2] = x2;
  out[3] = x3;
  return out;
}

/** Random123 Philox4x32-10: counter of 4 uint32 words, key of 2. */
export function philox4x32_10(ctr: ArrayLike<number>, key: ArrayLike<number>): Uint32Array {
  return philox4x32(ctr, key, 10);
}

/** Plain-JSON snapshot of an Rng; `counter` is the next block to be used. */
export interface RngState {
  seed: number;
  stream: number;
  counter: number;
}

function checkUint53(what: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
    throw new Error(`Rng: ${what} must be an integer in [0, 2^53), got ${String(v)}`);
  }
  return v;
}

function hiWord(v: number): number {
  return Math.floor(v / TWO32);
}

/**
 * Stream layout: key = (seed mod 2^32, floor(seed / 2^32)); the 128-bit
 * Philox counter = (block lo, block hi, stream lo, stream hi).
 * Putting the stream in the counter instead of hashing it into the 64-bit
 * key makes (seed, stream, block) -> Philox input injective, so distinct
 * streams can never overlap (the approach curand takes for subsequences);
 * a 53-bit seed plus a stream would not fit injectively into 64 key bits.
 *
 * Each draw method consumes whole 4-word blocks, and how many depends only on
 * the request size, so a call's values depend only on the state at the call.
 */
export class Rng {
  readonly seed: number;
  readonly stream: number;
  private counter: number;
  private readonly key: Uint32Array;
  private readonly ctr = new Uint32Array(4);
  private readonly block = new Uint32Array(4);
  private readonly sc = new Float64Array(2);

  constructor(seed: number, stream = 0) {
    this.seed = checkUint53('seed', seed);
    this.stream = checkUint53('stream', stream);
    this.counter = 0;
    this.key = new Uint32Array([seed % TWO32, hiWord(seed)]);
    this.ctr[2] = stream % TWO32;
    this.ctr[3] = hiWord(stream);
  }

  state(): RngState {
    return { seed: this.seed, stream: this.stream, counter: this.counter };
  }

  static fromState(s: RngState): Rng {
    const r = new Rng(s.seed, s.stream);
    r.counter = checkUint53('counter', s.counter);
    return r;
  }

  /** A generator on `stream` of the same seed, starting at block 0. It overlaps this one only if `stream` equals this.stream. */
  fork(stream: number): Rng {
    return new Rng(this.seed, stream);
  }

  /** The next 4 uint32 words. The returned array is reused by the next call. */
  nextUint32Block(): Uint32Array {
    const c = this.counter;
    if (c >= Number.MAX_SAFE_INTEGER) throw new Error('Rng: block counter exhausted (2^53 blocks)');
    this.ctr[0] = c % TWO32;
    this.ctr[1] = hiWord(c);
    this.counter = c + 1;
    return philox4x32(this.ctr, this.key, 10, this.block);
  }

  /**
   * Uniform values: u = (top 24 bits) * 2^-24 in [0, 1), then lo + (hi-lo)*u.
   * 24 bits so every u is exactly a float32 and the unit interval never
   * rounds up to 1; with other lo/hi the scaled value may round to hi.
   * Consumes ceil(out.length / 4) blocks.
   */
  fillUniform<T extends Float32Array | Float64Array>(out: T, lo = 0, hi = 1): T {
    const n = out.length;
    const span = hi - lo;
    for (let i = 0; i < n; i += 4) {
      const b = this.nextUint32Block();
      const m = Math.min(4, n - i);
      for (let j = 0; j < m; j++) out[i + j] = lo + span * ((b[j]! >>> 8) * TWO_M24);
    }
    return out;
  }

  /**
   * Normal values by Box-Muller: each word pair (a, b) gives
   * r = sqrt(-2 ln u1), u1 = (top24(a)+1) * 2^-24 in (0, 1] (never ln 0), and
   * u2 = top24(b) * 2^-24, emitting r*cos(2 pi u2) then r*sin(2 pi u2).
   * |z| is capped near 5.77 by the 24-bit u1 (tail mass ~8e-9).
   * Consumes ceil(out.length / 4) blocks (an odd tail drops its sine).
   */
  fillNormal<T extends Float32Array | Float64Array>(out: T, mean = 0, std = 1): T {
    const n = out.length;
    const sc = this.sc;
    for (let i = 0; i < n; i += 4) {
      const b = this.nextUint32Block();
      for (let p = 0; p < 4 && i + p < n; p += 2) {
        const u1 = ((b[p]! >>> 8) + 1) * TWO_M24;
        const u2 = (b[p + 1]! >>> 8) * TWO_M24;
        const r = Math.sqrt(-2 * detLog(u1) + 0); // +0 avoids sqrt(-0) = -0 when u1 = 1
        detSinCos2PiInto(u2, sc);
        out[i + p] = mean + std * (r * sc[1]!);
        if (i + p + 1 < n) out[i + p + 1] = mean + std * (r * sc[0]!);
      }
    }
    return out;
  }

  /**
   * Unbiased integer in [0, n) for integer 1 <= n <= 2^53, by rejection.
   * n <= 2^32 draws one word per try, larger n a 53-bit pair; tries come from
   * one block, then further blocks only if all of its tries were rejected.
   */
  uniformInt(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > 2 ** 53) {
      throw new Error(`Rng.uniformInt: n must be an integer in [1, 2^53], got ${n}`);
    }
    if (n <= TWO32) {
      // Largest multiple of n that fits in 2^32; words at or above it would bias x % n.
      const limit = TWO32 - (TWO32 % n);
      for (;;) {
        const b = this.nextUint32Block();
        for (let j = 0; j < 4; j++) if (b[j]! < limit) return b[j]! % n;
      }
    }
    const TWO53 = 2 ** 53;
    const limit = TWO53 - (TWO53 % n); // % on doubles is exact
    for (;;) {
      const b = this.nextUint32Block();
      for (let j = 0; j < 4; j += 2) {
        const x = (b[j]! >>> 11) * TWO32 + b[j + 1]!;
        if (x < limit) return x % n;
      }
    }
  }

  /** In-place Fisher-Yates; one uniformInt per position. */
  shuffle<T>(arr: T[]): T[] {
    for (let i = arr.length - 1; i > 0; i--) {
      const j = this.uniformInt(i + 1);
      const t = arr[i]!;
      arr[i] = arr[j]!;
      arr[j] = t;
    }
    return arr;
  }
}
