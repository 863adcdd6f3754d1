// The index arithmetic the gpu kernels are generated with (src/backends/gpu/codegen.ts): integer
// variables, literal-only expressions folded (GPU.js would type them float), and a division
// that is exact for every numerator below 2^31, which a float32 division is not above 2^24.
// Checked on the GPU without 2^31-element tensors: the numerators are thread indices plus a
// large offset.

import { beforeAll, describe, expect, it } from 'vitest';
import { coords, divmod, intVar, kernelSource } from '../../src/backends/gpu/codegen.js';
import type { GpuBackend } from '../../src/backends/gpu/index.js';
import { gpuSkipReason, setupGpu } from './gpu-support.js';

describe('codegen', () => {
  it('intVar declares an integer (a literal start and an increment) and folds literal-only expressions', () => {
    expect(intVar('q', 'c0 * 27 + 3')).toBe('let q = 0;\nq++;\nq = c0 * 27 + 3;\n');
    expect(intVar('q', '0 * 27 + (3 - 5) * 2')).toBe('let q = 0;\nq++;\nq = -4;\n');
    expect(intVar('q', '((0 * 1) - 1)')).toBe('let q = 0;\nq++;\nq = -1;\n');
  });

  it('divmod divides in integers, with the native idiv', () => {
    expect(divmod('i', 7, 'q', 'r')).toBe(`${intVar('q', 'idiv(i, 7)')}${intVar('r', 'i - q * 7')}`);
    expect(divmod('a + 2', 1, 'q', 'r')).toBe(`${intVar('q', '(a + 2)')}${intVar('r', '0')}`);
  });
});

const reason = gpuSkipReason();

describe.skipIf(reason)(`integer index math on the GPU${reason ? ` (skipped: ${reason})` : ''}`, () => {
  let be: GpuBackend;
  beforeAll(async () => {
    be = await setupGpu();
  });

  it('splits numerators up to 2^31 - 1 into exact row-major coordinates', async () => {
    const shape = [3, 65537, 10007]; // divisors with no power of two in them (the first axis takes what remains)
    const base = 2 ** 31 - 4096; // the last 4096 numerators below 2^31
    const n = 4096;
    const { code, c } = coords('v', shape, 'c');
    // each thread returns one coordinate (small: exact as a float32 result), 3 threads a numerator
    const body = `${divmod('i', 3, 'e', 'axis')}${intVar('v', `e + ${base}`)}${code}return axis == 0 ? ${c[0]} : (axis == 1 ? ${c[1]} : ${c[2]});\n`;
    const h = await be.rt.run({ size: 3 * n, source: kernelSource([], body) }, []);
    const got = await be.rt.readback(h, 3 * n);
    h.delete();
    let wrong = -1;
    for (let k = 0; k < n && wrong < 0; k++) {
      const v = base + k;
      const want = [Math.floor(v / (65537 * 10007)), Math.floor(v / 10007) % 65537, v % 10007];
      if (want.some((w, a) => got[3 * k + a] !== w)) wrong = v;
    }
    expect(wrong, `numerator ${wrong}: [${[...got.slice(0, 3)].join(', ')}]...`).toBe(-1);
  });
});
