import type { ResizeBilinearAttrs, ResizeBilinearGradAttrs } from '../../backends/attrs.js';
import { runOp } from '../engine.js';
import type { OpDef } from '../node.js';
import { defineOp } from '../registry.js';
import { shapeStr } from '../shape.js';
import type { Tensor } from '../tensor.js';

function checkSize(op: string, s: readonly number[], size: readonly number[]): void {
  if (s.length < 2) throw new Error(`${op}: input needs at least 2 dims, got ${shapeStr(s)}`);
  if (size.length !== 2 || size.some((v) => !Number.isInteger(v) || v < 1)) throw new Error(`${op}: invalid output size [${size.join(', ')}]`);
}

const resizeBilinearOp: OpDef<ResizeBilinearAttrs> = defineOp<ResizeBilinearAttrs>({
  name: 'resizeBilinear',
  inputs: 1,
  inferShapes: ([s], a) => {
    checkSize('resizeBilinear', s, a.size);
    if (s[s.length - 1] < 1 || s[s.length - 2] < 1) throw new Error(`resizeBilinear: empty input ${shapeStr(s)}`);
    return [[...s.slice(0, -2), a.size[0], a.size[1]]];
  },
  saves: () => ({}),
  grad: ({ inputs: [x], attrs, grads: [g] }) => [
    runOp(resizeBilinearGradOp, [g], { ...attrs, inputSize: [x.shape[x.rank - 2], x.shape[x.rank - 1]] })[0],
  ],
});
const resizeBilinearGradOp: OpDef<ResizeBilinearGradAttrs> = defineOp<ResizeBilinearGradAttrs>({
  name: 'resizeBilinearGrad',
  inputs: 1,
  inferShapes: ([g], a) => {
    checkSize('resizeBilinearGrad', g, a.size);
    if (g[g.length - 2] !== a.size[0] || g[g.length - 1] !== a.size[1]) throw new Error(`resizeBilinearGrad: gradient ${shapeStr(g)} is not of size [${a.size}]`);
    return [[...g.slice(0, -2), a.inputSize[0], a.inputSize[1]]];
  },
  saves: () => ({}),
  grad: ({ attrs, grads: [gg] }) => [runOp(resizeBilinearOp, [gg], { size: attrs.size, alignCorners: attrs.alignCorners, ratio: attrs.ratio })[0]],
});

export interface InterpolateOptions {
  /** Output [H, W]; give either this or scaleFactor. */
  size?: readonly [number, number];
  scaleFactor?: number | readonly [number, number];
  alignCorners?: boolean;
}

/**
 * Bilinear resize of the last two axes with torch.nn.functional.interpolate's rules: with a scale
 * factor the output is floor(in * s) and, without alignCorners, coordinates use 1/s itself.
 */
export function interpolateBilinear(x: Tensor, opts: InterpolateOptions): Tensor {
  const h = x.shape[x.rank - 2];
  const w = x.shape[x.rank - 1];
  const alignCorners = opts.alignCorners ?? false;
  if ((opts.size === undefined) === (opts.scaleFactor === undefined)) throw new Error('interpolateBilinear: give exactly one of size and scaleFactor');
  if (opts.size) return runOp(resizeBilinearOp, [x], { size: opts.size, alignCorners, ratio: [null, null] })[0];
  const sf = typeof opts.scaleFactor === 'number' ? [opts.scaleFactor, opts.scaleFactor] : opts.scaleFactor!;
  if (sf.some((s) => !(s > 0) || !Number.isFinite(s))) throw new Error(`interpolateBilinear: invalid scale factor [${sf.join(', ')}]`);
  const size: [number, number] = [Math.floor(h * sf[0]), Math.floor(w * sf[1])];
  return runOp(resizeBilinearOp, [x], { size, alignCorners, ratio: [1 / sf[0], 1 / sf[1]] })[0];
}
