import { readFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';
import jpeg from 'jpeg-js';
import { describe, expect, it } from 'vitest';
import { decodeImage, ImageError } from '../../src/image/index.js';
import { MAX_DEFLATE_RATIO } from '../../src/image/png-inflate.js';
import { parseSafetensors, serializeSafetensors } from '../../src/nn/safetensors.js';
import { lcgBytes } from '../image/helpers.js';
import { concatBytes, filteredScanlines, pngChunk, pngFile, type RawPng } from '../image/png-helpers.js';

// Seeded fuzzing of the three readers that take bytes from outside: PNG, JPEG, safetensors.
// Each input is a mutation of a small valid file; every outcome must be a decoded result or the
// reader's own one-line error, within a time bound, and what a decode accepts is bounded by the
// file's size (so memory is too). A failure names its seed and case; FUZZ_SEED and FUZZ_CASES
// run others (12,000 per reader over three seeds were clean), FUZZ_VERBOSE lists the outcomes.

const SEED = Number(process.env.FUZZ_SEED ?? 20251127);
const CASES = Number(process.env.FUZZ_CASES ?? 300);
// Generous for a loaded CI machine; a typical input takes well under a millisecond.
const MAX_MS_PER_INPUT = 2000;

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rand = ReturnType<typeof mulberry32>;
const int = (r: Rand, n: number) => Math.floor(r() * n);
const INTERESTING = [0, 1, 0x7f, 0x80, 0xff, 0xfe, 0x10, 0x40];
const INTERESTING32 = [0, 1, 0xff, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xffffffff, 8000, 16384, 65535];

/** One random edit: flip, set, interesting value, 16/32-bit field, cut, delete, duplicate, insert. */
function mutate(src: Uint8Array, r: Rand, from = 0): Uint8Array {
  const b = src.slice();
  const at = from + int(r, Math.max(1, b.length - from));
  switch (int(r, 8)) {
    case 0:
      b[at] ^= 1 << int(r, 8);
      return b;
    case 1:
      b[at] = int(r, 256);
      return b;
    case 2:
      b[at] = INTERESTING[int(r, INTERESTING.length)];
      return b;
    case 3: {
      const v = INTERESTING32[int(r, INTERESTING32.length)];
      const view = new DataView(b.buffer);
      if (at + 4 <= b.length) view.setUint32(at, v, r() < 0.5);
      else if (at + 2 <= b.length) view.setUint16(at, v & 0xffff);
      return b;
    }
    case 4:
      return b.slice(0, at);
    case 5:
      return concatBytes(b.subarray(0, at), b.subarray(Math.min(b.length, at + 1 + int(r, 32))));
    case 6: {
      const len = 1 + int(r, 64);
      return concatBytes(b.subarray(0, at), b.subarray(at, at + len), b.subarray(at));
    }
    default:
      return concatBytes(b.subarray(0, at), lcgBytes(int(r, 1e9), 1 + int(r, 16)), b.subarray(at));
  }
}

/** Recomputes every chunk CRC it can reach, so mutations get past the CRC check to the parser. */
function fixPngCrcs(b: Uint8Array): Uint8Array {
  const parts: Uint8Array[] = [b.subarray(0, 8)];
  let pos = 8;
  while (pos + 12 <= b.length) {
    const len = new DataView(b.buffer, b.byteOffset).getUint32(pos);
    if (pos + 12 + len > b.length) break;
    parts.push(pngChunk(String.fromCharCode(...b.subarray(pos + 4, pos + 8)), b.subarray(pos + 8, pos + 8 + len)));
    pos += 12 + len;
  }
  parts.push(b.subarray(pos));
  return concatBytes(...parts);
}

function expectCleanImageError(e: unknown, name: string): void {
  expect(e, String(e)).toBeInstanceOf(ImageError);
  const m = (e as Error).message;
  expect(m.startsWith(`${name}: `), m).toBe(true);
  expect(m).not.toContain('\n');
  // Wording of JS engines and libraries (TypeError, RangeError, fast-png, jpeg-js) must not leak.
  expect(m).not.toMatch(/undefined|null|NaN|Cannot |typed array|out of bounds|outside the bounds|is not a function|Unsupported filter|maxMemoryUsage|maxResolution/);
}

interface Outcome {
  ok: number;
  errors: Set<string>;
}

/** Runs `decode` on each input, checking time, the error's shape, and the size of what is accepted. */
function fuzz(label: string, inputs: Iterable<[string, Uint8Array]>, decode: (b: Uint8Array, name: string) => void): Outcome {
  const out: Outcome = { ok: 0, errors: new Set() };
  for (const [name, bytes] of inputs) {
    const t0 = performance.now();
    try {
      decode(bytes, name);
      out.ok++;
    } catch (e) {
      if (e instanceof Error && e.message.startsWith('assert:')) throw e;
      try {
        if (label === 'safetensors') {
          expect((e as Error).message, String(e)).toMatch(/^safetensors: [^\n]+$/);
        } else expectCleanImageError(e, name);
      } catch (failure) {
        throw new Error(`${label} seed ${SEED} ${name}: ${(failure as Error).message}`);
      }
      out.errors.add((e as Error).message.replace(/^[^:]+: /, '').replace(/\d+/g, 'N'));
    }
    const ms = performance.now() - t0;
    if (ms > MAX_MS_PER_INPUT) throw new Error(`${label} seed ${SEED} ${name}: took ${ms.toFixed(0)} ms`);
  }
  if (process.env.FUZZ_VERBOSE) console.log(label, out.ok, [...out.errors].join('\n'));
  return out;
}

/** What an accepted image may cost: pixels bounded by the file's size (deflate's best ratio, or 1 bit per JPEG block). */
function checkImageBound(bytes: Uint8Array, name: string, pixelsPerByte: number): void {
  const { image } = decodeImage(bytes, name);
  if (image.width * image.height > pixelsPerByte * bytes.length) {
    throw new Error(`assert: ${name} decoded to ${image.width}x${image.height} from ${bytes.length} bytes`);
  }
  for (const v of image.data) if (!(v >= 0 && v <= 1)) throw new Error(`assert: ${name} has sample ${v}`);
}

const PNG_SEEDS: Uint8Array[] = (() => {
  const palette = pngChunk('PLTE', Uint8Array.from({ length: 48 }, (_, i) => (i * 37) & 255));
  const raw = (w: number, h: number, colour: number, depth: number, interlaced = false): RawPng => {
    const ch = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 }[colour]!;
    const max = colour === 3 ? 15 : (1 << depth) - 1;
    return { width: w, height: h, colour, depth, interlaced, samples: Array.from(lcgBytes(w + colour, w * h * ch), (v) => (v * 257) & max), filter: (n) => n % 5 };
  };
  const file = (p: RawPng, extra: Uint8Array[] = []) => pngFile(p, deflateSync(filteredScanlines(p)), extra);
  return [
    file(raw(9, 7, 2, 8)),
    file(raw(6, 5, 6, 16, true)),
    file(raw(13, 3, 0, 1)),
    file(raw(7, 7, 3, 4, true), [palette, pngChunk('tRNS', new Uint8Array([0, 128]))]),
    file(raw(5, 4, 4, 8), [pngChunk('iCCP', concatBytes(new TextEncoder().encode('p\0\0'), deflateSync(new Uint8Array(100))))]),
  ];
})();

function* pngInputs(r: Rand): Generator<[string, Uint8Array]> {
  for (let i = 0; i < CASES; i++) {
    const seed = PNG_SEEDS[i % PNG_SEEDS.length];
    let b = seed;
    for (let k = 1 + int(r, 3); k > 0; k--) b = mutate(b, r, 8);
    // Most inputs get their CRCs fixed, so the chunk parser, inflater and unfilter see them.
    if (r() < 0.7) b = fixPngCrcs(b);
    yield [`png-${i}.png`, b];
  }
}

function jpegSeeds(): Uint8Array[] {
  const fixtures = new URL('../image/fixtures/', import.meta.url);
  const rgba = lcgBytes(7, 24 * 16 * 4);
  const base = jpeg.encode({ width: 24, height: 16, data: rgba }, 80).data;
  return [new Uint8Array(base), readFileSync(new URL('progressive.jpg', fixtures)), readFileSync(new URL('gray.jpg', fixtures))].map((b) => new Uint8Array(b));
}

function* jpegInputs(r: Rand, seeds: Uint8Array[]): Generator<[string, Uint8Array]> {
  for (let i = 0; i < CASES; i++) {
    const seed = seeds[i % seeds.length];
    let b = seed;
    for (let k = 1 + int(r, 3); k > 0; k--) b = mutate(b, r, 2);
    // Half the inputs get one more edit in the headers (tables, frame, scan headers).
    if (r() < 0.5) {
      const head = Math.min(b.length, 400);
      b = concatBytes(mutate(b.subarray(0, head), r, 2), b.subarray(head));
    }
    yield [`jpeg-${i}.jpg`, b];
  }
}

function safetensorsSeed(): Uint8Array {
  return serializeSafetensors(
    [
      ['a.weight', { shape: [2, 3], data: Float32Array.from([1, -2, 3.5, 0, 1e-3, -7]) }],
      ['b', { shape: [4], data: Float64Array.from([1, 2, 3, 4]) }],
      ['empty', { shape: [0, 5], data: new Float32Array(0) }],
    ],
    { note: 'fuzz seed', op: 'x' },
  );
}

function* safetensorsInputs(r: Rand): Generator<[string, Uint8Array]> {
  const seed = safetensorsSeed();
  const headerEnd = 8 + new DataView(seed.buffer).getUint32(0, true);
  const text = new TextDecoder().decode(seed.subarray(8, headerEnd));
  for (let i = 0; i < CASES; i++) {
    let b: Uint8Array;
    if (r() < 0.5) {
      // Edit the JSON header as text (numbers, names, dtypes) and re-frame it with its length.
      const edits = [
        (s: string) => s.replace(/\d+/g, (d) => (r() < 0.3 ? String(INTERESTING32[int(r, INTERESTING32.length)]) : d)),
        (s: string) => s.replace(/"F(32|64)"/, r() < 0.5 ? '"F16"' : '"I64"'),
        (s: string) => s.replace(/\[(\d+),(\d+)\]/, (_, x, y) => `[${y},${x}]`),
        (s: string) => s.slice(0, int(r, s.length)),
        (s: string) => s.replace('"a.weight"', '"__proto__"'),
      ];
      const header = new TextEncoder().encode(edits[int(r, edits.length)](text));
      const len = new Uint8Array(8);
      new DataView(len.buffer).setUint32(0, header.length, true);
      b = concatBytes(len, header, seed.subarray(headerEnd));
    } else {
      b = seed;
      for (let k = 1 + int(r, 3); k > 0; k--) b = mutate(b, r);
    }
    yield [`st-${i}.safetensors`, b];
  }
}

function peakRss(): number {
  return process.resourceUsage().maxRSS * 1024;
}

describe(`fuzz (seed ${SEED}, ${CASES} mutations per reader)`, () => {
  it('PNG: only ImageError, bounded time, pixels bounded by deflate\'s ratio', () => {
    const before = peakRss();
    const r = mulberry32(SEED);
    const out = fuzz('png', pngInputs(r), (b, name) => checkImageBound(b, name, 8 * MAX_DEFLATE_RATIO));
    expect(peakRss() - before).toBeLessThan(256 * 2 ** 20);
    // The run reaches past the CRC check into the decoder: several kinds of failure and successes.
    expect(out.errors.size).toBeGreaterThan(5);
    expect(out.ok).toBeGreaterThan(0);
  });

  it('JPEG: only ImageError, bounded time, pixels bounded by one bit per block', () => {
    const before = peakRss();
    const r = mulberry32(SEED + 1);
    const out = fuzz('jpeg', jpegInputs(r, jpegSeeds()), (b, name) => checkImageBound(b, name, 64 * 8));
    expect(peakRss() - before).toBeLessThan(256 * 2 ** 20);
    expect(out.errors.size).toBeGreaterThan(3);
    expect(out.ok).toBeGreaterThan(0);
  });

  it('safetensors: only "safetensors: ..." errors, bounded time, data bounded by the file', () => {
    const before = peakRss();
    const r = mulberry32(SEED + 2);
    const out = fuzz('safetensors', safetensorsInputs(r), (b) => {
      const f = parseSafetensors(b);
      let bytes = 0;
      for (const t of f.tensors.values()) bytes += t.data.byteLength;
      // F16/BF16 widen to 4 bytes, so at most twice the file.
      if (bytes > 2 * b.length) throw new Error(`assert: ${bytes} bytes of tensors from a ${b.length}-byte file`);
    });
    expect(peakRss() - before).toBeLessThan(256 * 2 ** 20);
    expect(out.errors.size).toBeGreaterThan(5);
    expect(out.ok).toBeGreaterThan(0);
  });
});
