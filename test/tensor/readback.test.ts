import { inspect } from 'node:util';
import { describe, expect, it, vi } from 'vitest';
import { allocTyped, bytesPerElement, type BackendBuffer, type DType, type TypedArray } from '../../src/backends/types.js';
import { memory, mul, registerBackend, reshape, scope, tensor } from '../../src/tensor/index.js';

// Reading a tensor back as text (toString/print), as nested arrays, and what is alive (memory()).

/** A backend without synchronous reads, as a GPU backend would be. */
interface AsyncBuf extends BackendBuffer {
  data: TypedArray;
}
let asyncLive = 0;
let asyncBytes = 0;
registerBackend({
  name: 'test-async',
  dtypes: ['float32', 'float64'],
  alloc(size: number, dtype: DType): AsyncBuf {
    asyncLive++;
    asyncBytes += size * bytesPerElement(dtype);
    return { size, dtype, data: allocTyped(dtype, size) };
  },
  free(buf: AsyncBuf) {
    asyncLive--;
    asyncBytes -= buf.size * bytesPerElement(buf.dtype);
  },
  write(buf: AsyncBuf, src: ArrayLike<number>) {
    buf.data.set(src);
  },
  read: (buf: AsyncBuf) => Promise.resolve(buf.data.slice()),
  stats: () => ({ liveBuffers: asyncLive, liveBytes: asyncBytes }),
} as Parameters<typeof registerBackend>[0]);

const range = (n: number, f = (i: number) => i) => Float32Array.from({ length: n }, (_, i) => f(i));

describe('toString / print', () => {
  it('prints values PyTorch-style with shape, dtype and backend', () => {
    scope(() => {
      expect(tensor([1, 2, 3, 4], [2, 2]).toString()).toBe('tensor([[1.0000, 2.0000],\n        [3.0000, 4.0000]], shape=[2, 2], dtype=float32, backend=ref)');
      expect(tensor([-1.5, 20.25], [2], { dtype: 'float64' }).toString()).toBe('tensor([-1.5000, 20.2500], shape=[2], dtype=float64, backend=ref)');
      expect(tensor([3], []).toString()).toBe('tensor(3.0000, shape=[], dtype=float32, backend=ref)');
      expect(tensor([], [0, 3]).toString()).toBe('tensor([], shape=[0, 3], dtype=float32, backend=ref)');
    });
  });

  it('separates the blocks of a 3-D tensor by a blank line and aligns the columns', () => {
    scope(() => {
      const t = tensor(range(12, (i) => i - 2), [2, 2, 3]);
      expect(t.toString()).toBe(
        [
          'tensor([[[-2.0000, -1.0000,  0.0000],',
          '         [ 1.0000,  2.0000,  3.0000]],',
          '',
          '        [[ 4.0000,  5.0000,  6.0000],',
          '         [ 7.0000,  8.0000,  9.0000]]], shape=[2, 2, 3], dtype=float32, backend=ref)',
        ].join('\n'),
      );
    });
  });

  it('switches to scientific notation for wide ranges and spells out non-finite values', () => {
    scope(() => {
      expect(tensor([1e-5, 1, NaN, -Infinity, Infinity], [5], { dtype: 'float64' }).toString()).toBe(
        'tensor([1.0000e-05, 1.0000e+00,        nan,       -inf,        inf], shape=[5], dtype=float64, backend=ref)',
      );
    });
  });

  it('shows only the edges of a large tensor, with ... for the rest', () => {
    scope(() => {
      const text = tensor(range(40 * 30, (i) => (i % 7) / 4), [40, 30]).toString();
      const lines = text.split('\n');
      expect(lines).toHaveLength(7); // 3 rows, '...', 3 rows
      expect(lines[0]).toBe('tensor([[0.0000, 0.2500, 0.5000, ..., 1.5000, 0.0000, 0.2500],');
      expect(lines[3]).toBe('        ...,');
      expect(lines[6]).toMatch(/^ {8}\[.*\]\], shape=\[40, 30\], dtype=float32, backend=ref\)$/);
    });
  });

  it('wraps a long row at 80 columns', () => {
    scope(() => {
      const lines = tensor(range(30, (i) => i / 8), [30]).toString().split('\n');
      expect(lines.length).toBe(4);
      expect(lines.slice(0, 3).every((l) => l.length <= 80)).toBe(true);
      expect(lines[1].startsWith('        1.1250, ')).toBe(true);
    });
  });

  it('marks gradient tracking and disposal, and leaves out values it cannot read synchronously', () => {
    scope(() => {
      const x = tensor([1, 2], [2], { requiresGrad: true });
      expect(x.toString()).toBe('tensor([1.0000, 2.0000], shape=[2], dtype=float32, backend=ref, requiresGrad=true)');
      expect(mul(x, x).toString()).toBe('tensor([1.0000, 4.0000], shape=[2], dtype=float32, backend=ref, gradFn=mul)');
      const d = tensor([1], [1]);
      d.dispose();
      expect(d.toString()).toBe('tensor(<disposed>, shape=[1], dtype=float32)');
      const a = tensor([1, 2], [2], { backend: 'test-async' });
      expect(a.toString()).toBe("tensor(<values on 'test-async': await t.array()>, shape=[2], dtype=float32, backend=test-async)");
    });
  });

  it('print() logs the same text, and so does console.log of the tensor', () => {
    scope(() => {
      const t = tensor([0.5, 1], [1, 2]);
      const log = vi.spyOn(console, 'log').mockImplementation(() => {});
      try {
        t.print();
        expect(log).toHaveBeenCalledWith('tensor([[0.5000, 1.0000]], shape=[1, 2], dtype=float32, backend=ref)');
      } finally {
        log.mockRestore();
      }
      expect(inspect(t)).toBe(t.toString());
    });
  });
});

describe('array() / arraySync()', () => {
  it('returns nested arrays of the shape, a number for a scalar', () => {
    scope(() => {
      expect(tensor([1, 2, 3, 4, 5, 6], [2, 3]).arraySync()).toEqual([
        [1, 2, 3],
        [4, 5, 6],
      ]);
      expect(tensor(range(4), [2, 1, 2]).arraySync()).toEqual([[[0, 1]], [[2, 3]]]);
      expect(tensor([7], []).arraySync()).toBe(7);
      expect(tensor([], [0, 3]).arraySync()).toEqual([]);
      expect(tensor([], [2, 0]).arraySync()).toEqual([[], []]);
    });
  });

  it('array() reads asynchronous backends, where arraySync() cannot', async () => {
    const a = tensor([1, 2, 3, 4], [2, 2], { backend: 'test-async' });
    try {
      expect(await a.array()).toEqual([
        [1, 2],
        [3, 4],
      ]);
      expect(() => a.arraySync()).toThrow(/asynchronous; use await t.data\(\)/);
    } finally {
      a.dispose();
    }
  });
});

describe('memory()', () => {
  it('counts live tensors, and buffers and bytes per backend', () => {
    const m0 = memory();
    const f32 = tensor([1, 2, 3, 4, 5, 6], [2, 3]);
    const view = reshape(f32, [3, 2]);
    const f64 = tensor([1, 2, 3, 4], [4], { dtype: 'float64' });
    const remote = tensor([1, 2], [2], { backend: 'test-async' });
    const m1 = memory();
    expect(m1.tensors - m0.tensors).toBe(4);
    expect(m1.backends.ref.liveBuffers - m0.backends.ref.liveBuffers).toBe(2); // the view shares its buffer
    expect(m1.backends.ref.liveBytes - m0.backends.ref.liveBytes).toBe(6 * 4 + 4 * 8);
    expect(m1.backends['test-async']).toEqual({ liveBuffers: 1, liveBytes: 8 });
    expect(m1.liveBuffers).toBe(m1.backends.ref.liveBuffers + 1);
    expect(m1.liveBytes).toBe(m1.backends.ref.liveBytes + 8);
    for (const t of [f32, view, f64, remote]) t.dispose();
    expect(memory()).toEqual(m0);
  });
});
