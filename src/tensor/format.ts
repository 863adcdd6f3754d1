import type { Shape } from '../backends/types.js';
import { numel } from './shape.js';

// Text form of tensor values, close to PyTorch's: fixed-point with 4 decimals, or scientific
// when the magnitudes call for it; nested brackets aligned under each other; tensors with more
// than `threshold` elements shortened to `edgeItems` leading and trailing entries per axis.

export interface PrintOptions {
  /** Digits after the point (default 4). */
  precision?: number;
  /** Above this many elements, print only the edges of each axis (default 1000). */
  threshold?: number;
  /** Entries kept at each end of an axis when shortened (default 3). */
  edgeItems?: number;
  /** Characters per line before a row of numbers wraps (default 80). */
  lineWidth?: number;
}

/** A tensor's values as nested arrays (a number for rank 0). */
export type NestedArray = number | NestedArray[];

/** Row-major values as nested arrays of `shape`. */
export function nest(values: ArrayLike<number>, shape: Shape): NestedArray {
  if (shape.length === 0) return values[0];
  const build = (dim: number, offset: number, stride: number): NestedArray[] => {
    const n = shape[dim];
    const inner = stride / Math.max(n, 1);
    const out: NestedArray[] = [];
    for (let i = 0; i < n; i++) out.push(dim === shape.length - 1 ? values[offset + i] : build(dim + 1, offset + i * inner, inner));
    return out;
  };
  return build(0, 0, numel(shape));
}

/** Indices shown along an axis of length n: all, or the edges with null marking the gap. */
function shownIndices(n: number, summarize: boolean, edge: number): (number | null)[] {
  const all = Array.from({ length: n }, (_, i) => i);
  if (!summarize || n <= 2 * edge) return all;
  return [...all.slice(0, edge), null, ...all.slice(n - edge)];
}

function formatter(shown: number[], precision: number): (v: number) => string {
  let max = 0;
  let min = Infinity;
  for (const v of shown) {
    if (!Number.isFinite(v) || v === 0) continue;
    max = Math.max(max, Math.abs(v));
    min = Math.min(min, Math.abs(v));
  }
  // PyTorch's switch to scientific notation, judged on the finite non-zero magnitudes
  const sci = max > 0 && (max / min > 1000 || max > 1e8 || min < 1e-4);
  return (v) => {
    if (Number.isNaN(v)) return 'nan';
    if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
    if (!sci) return v.toFixed(precision);
    // two-digit exponent, as C's %e prints it: 1.0000e+05
    return v.toExponential(precision).replace(/e([+-])(\d)$/, 'e$10$2');
  };
}

/**
 * The bracketed values of a tensor, for a line that starts `indent` characters before the
 * first bracket (continuation lines line up under it).
 */
export function formatValues(values: ArrayLike<number>, shape: Shape, indent: number, opts: PrintOptions = {}): string {
  const precision = opts.precision ?? 4;
  const edge = opts.edgeItems ?? 3;
  const lineWidth = opts.lineWidth ?? 80;
  const summarize = numel(shape) > (opts.threshold ?? 1000);
  const rank = shape.length;
  const strides = shape.map((_, i) => numel(shape.slice(i + 1)));
  const axes = shape.map((n) => shownIndices(n, summarize, edge));

  // Only the values that appear decide the notation and the column width.
  const shown: number[] = [];
  const gather = (dim: number, offset: number): void => {
    if (dim === rank) {
      shown.push(values[offset]);
      return;
    }
    for (const i of axes[dim]) if (i !== null) gather(dim + 1, offset + i * strides[dim]);
  };
  gather(0, 0);
  const fmt = formatter(shown, precision);
  let width = 0;
  for (const v of shown) width = Math.max(width, fmt(v).length);
  const cell = (v: number) => fmt(v).padStart(width);
  if (rank === 0) return fmt(values[0]);

  const render = (dim: number, offset: number): string => {
    const pad = ' '.repeat(indent + dim + 1);
    if (dim === rank - 1) {
      const items = axes[dim].map((i) => (i === null ? '...' : cell(values[offset + i])));
      // wrap long rows like PyTorch, so a long vector does not become one huge line
      const perLine = Math.max(1, Math.floor((lineWidth - indent - rank) / (width + 2)));
      const lines: string[] = [];
      for (let k = 0; k < items.length; k += perLine) lines.push(items.slice(k, k + perLine).join(', '));
      return `[${lines.join(`,\n${pad}`)}]`;
    }
    const parts = axes[dim].map((i) => (i === null ? '...' : render(dim + 1, offset + i * strides[dim])));
    return `[${parts.join(`,${'\n'.repeat(rank - dim - 1)}${pad}`)}]`;
  };
  return render(0, 0);
}
