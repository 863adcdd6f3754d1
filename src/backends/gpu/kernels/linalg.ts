// Batched matmul and conv2d with both gradients. One thread computes one output element
// (GPU.js offers no workgroup shared memory to tile with), looping over its K terms.
// conv2dGradWeight has few outputs and long sums (over N x Ho x Wo), so it splits each sum
// into chunks of output rows and adds the chunk sums in a second pass.

import type { Conv2dAttrs, Conv2dGradInputAttrs, Conv2dGradWeightAttrs } from '../../attrs.js';
import { broadcastStrides, matmulSizes, numel } from '../../geometry.js';
import { conv2dGeometry, conv2dGradInputGeometry, conv2dGradWeightGeometry, type ConvGeometry } from '../../shapes.js';
import type { Attrs, Kernel } from '../../types.js';
import type { GpuBackend, GpuTensor } from '../backend.js';
import { coords, divmod, intVar, kernelSource, linear, mergeAxes } from '../codegen.js';
import type { KernelSpec } from '../runtime.js';
import { fillSpec, reduceRows, rowsContiguous } from './reduce.js';

/** Terms one conv2dGradWeight thread sums before its chunk is handed on. */
const GRAD_WEIGHT_TERMS = 2048;

function matmulKernel(be: GpuBackend): Kernel<any> {
  return ([a, b]: readonly GpuTensor[], [c]: readonly GpuTensor[], attrs: Attrs): void => {
    const transA = attrs.transA as boolean;
    const transB = attrs.transB as boolean;
    const { M, N, K, outBatch } = matmulSizes(a.shape, c.shape, transA);
    const size = numel(c.shape);
    if (size === 0) return;
    if (K === 0) {
      be.enqueue([], [c.buf], async (_h, rt) => [await rt.run(fillSpec(size), [0])]);
      return;
    }
    const batch = mergeAxes(outBatch, [broadcastStrides(a.shape.slice(0, -2), outBatch, M * K), broadcastStrides(b.shape.slice(0, -2), outBatch, K * N)]);
    const { code, c: cs } = coords('i', [...batch.shape, M, N], 'c');
    const nb = batch.shape.length;
    const row = cs[nb];
    const col = cs[nb + 1];
    // element strides of op(A)[row][k] and op(B)[k][col]
    const [aI, aK] = transA ? [1, M] : [K, 1];
    const [bK, bJ] = transB ? [1, K] : [N, 1];
    const aBase = linear([...cs.slice(0, nb), row], [...batch.strides[0], aI]);
    const bBase = linear([...cs.slice(0, nb), col], [...batch.strides[1], bJ]);
    const body =
      `${code}${intVar('ab', aBase)}${intVar('bb', bBase)}let s = 0;\n` +
      `for (let k = 0; k < ${K}; k++) {\ns = s + a[ab + k${aK === 1 ? '' : ` * ${aK}`}] * b[bb + k${bK === 1 ? '' : ` * ${bK}`}];\n}\nreturn s;\n`;
    const spec: KernelSpec = { size, source: kernelSource(['a', 'b'], body) };
    be.enqueue([a.buf, b.buf], [c.buf], async ([ha, hb], rt) => [await rt.run(spec, [ha, hb])]);
  };
}

/** `cond` && `cond2` ... as source, or null when there is nothing to check. */
const all = (conds: string[]): string | null => (conds.length ? conds.join(' && ') : null);
const guard = (cond: string | null, code: string): string => (cond ? `if (${cond}) {\n${code}}\n` : code);

function conv2dKernel(be: GpuBackend): Kernel<any> {
  return (inputs: readonly GpuTensor[], [out]: readonly GpuTensor[], attrs: Attrs): void => {
    const [x, w, bias] = inputs;
    const g = conv2dGeometry(x.shape, w.shape, bias?.shape, out.shape, attrs as unknown as Conv2dAttrs);
    const { N, C, H, W, O, kh, kw, sh, sw, ph, pw, Ho, Wo } = g;
    if (N * O * Ho * Wo === 0) return;
    if (C === 0) throw new Error('gpu conv2d: zero input channels');
    const { code, c } = coords('i', [N, O, Ho, Wo], 'c');
    const [n, o, oy, ox] = c;
    let body = `${code}${intVar('iy', `${oy} * ${sh} - ${ph}`)}${intVar('ix', `${ox} * ${sw} - ${pw}`)}`;
    body += `${intVar('xb', `${n} * ${C * H * W} + iy * ${W} + ix`)}${intVar('wb', `${o} * ${C * kh * kw}`)}let s = 0;\n`;
    // taps outside the input exist only where there is padding
    for (let ky = 0; ky < kh; ky++) {
      for (let kx = 0; kx < kw; kx++) {
        const cond = all([...(ph > 0 ? [`iy + ${ky} >= 0`, `iy + ${ky} < ${H}`] : []), ...(pw > 0 ? [`ix + ${kx} >= 0`, `ix + ${kx} < ${W}`] : [])]);
        const tapX = ky * W + kx;
        const tapW = ky * kw + kx;
        body += guard(cond, `for (let ch = 0; ch < ${C}; ch++) {\ns = s + x[xb + ch * ${H * W} + ${tapX}] * w[wb + ch * ${kh * kw} + ${tapW}];\n}\n`);
      }
    }
    body += bias ? `const v = s + bias[${o}];\n` : 'const v = s;\n';
    // as the relu kernel (elementwise.ts)
    body += (attrs as unknown as Conv2dAttrs).relu ? 'return v > 0 ? v : 0;\n' : 'return v;\n';
    const spec: KernelSpec = { size: N * O * Ho * Wo, source: kernelSource(bias ? ['x', 'w', 'bias'] : ['x', 'w'], body) };
    const ins = bias ? [x.buf, w.buf, bias.buf] : [x.buf, w.buf];
    be.enqueue(ins, [out.buf], async (hs, rt) => [await rt.run(spec, hs)]);
  };
}

/**
 * Lines that find, for kernel row `k`, the output row `o` whose tap k lands on input row t
 * (t + pad - k = o * stride), with `v` 1 when that row exists: shared by both axes.
 */
function tapSource(t: string, pad: number, k: number, stride: number, outSize: number, o: string, v: string): string {
  const num = `${o}n`;
  const code = intVar(num, `${t} + ${pad - k}`);
  if (stride === 1) return code + intVar(o, num) + `const ${v} = ${num} >= 0 && ${num} < ${outSize} ? 1 : 0;\n`;
  // divmod needs a non-negative numerator: num >= -k, so num + lift is one, with the same
  // remainder and a quotient `lift / stride` larger
  const lift = stride * Math.ceil(k / stride);
  return (
    code +
    divmod(`${num} + ${lift}`, stride, `${o}q`, `${o}r`) +
    intVar(o, `${o}q - ${lift / stride}`) +
    `const ${v} = ${num} >= 0 && ${o}r == 0 && ${o} < ${outSize} ? 1 : 0;\n`
  );
}

function conv2dGradInputKernel(be: GpuBackend): Kernel<any> {
  return ([gOut, w]: readonly GpuTensor[], [out]: readonly GpuTensor[], attrs: Attrs): void => {
    const g: ConvGeometry = conv2dGradInputGeometry(gOut.shape, w.shape, out.shape, attrs as unknown as Conv2dGradInputAttrs);
    const { N, C, H, W, O, kh, kw, sh, sw, ph, pw, Ho, Wo } = g;
    const size = N * C * H * W;
    if (size === 0) return;
    if (O === 0 || Ho * Wo === 0) {
      be.enqueue([], [out.buf], async (_h, rt) => [await rt.run(fillSpec(size), [0])]);
      return;
    }
    const { code, c } = coords('i', [N, C, H, W], 'c');
    const [n, ch, iy, ix] = c;
    let body = `${code}${intVar('gb', `${n} * ${O * Ho * Wo}`)}${intVar('wb', `${ch} * ${kh * kw}`)}let s = 0;\n`;
    for (let ky = 0; ky < kh; ky++) body += tapSource(iy, ph, ky, sh, Ho, `ry${ky}`, `vy${ky}`);
    for (let kx = 0; kx < kw; kx++) body += tapSource(ix, pw, kx, sw, Wo, `rx${kx}`, `vx${kx}`);
    for (let ky = 0; ky < kh; ky++) {
      for (let kx = 0; kx < kw; kx++) {
        body += guard(
          `vy${ky} > 0.5 && vx${kx} > 0.5`,
          intVar(`gt${ky}_${kx}`, `gb + ry${ky} * ${Wo} + rx${kx}`) +
            `for (let oc = 0; oc < ${O}; oc++) {\ns = s + g[gt${ky}_${kx} + oc * ${Ho * Wo}] * w[wb + oc * ${C * kh * kw} + ${ky * kw + kx}];\n}\n`,
        );
      }
    }
    body += 'return s;\n';
    const spec: KernelSpec = { size, source: kernelSource(['g', 'w'], body) };
    be.enqueue([gOut.buf, w.buf], [out.buf], async (hs, rt) => [await rt.run(spec, hs)]);
  };
}

function conv2dGradWeightKernel(be: GpuBackend): Kernel<any> {
  return ([x, gOut]: readonly GpuTensor[], [out]: readonly GpuTensor[], attrs: Attrs): void => {
    const g = conv2dGradWeightGeometry(x.shape, gOut.shape, out.shape, attrs as unknown as Conv2dGradWeightAttrs);
    const { N, C, H, W, O, kh, kw, sh, sw, ph, pw, Ho, Wo } = g;
    const E = O * C * kh * kw;
    if (E === 0) return;
    const T = N * Ho; // output rows (n, oy) summed over
    if (T * Wo === 0) {
      be.enqueue([], [out.buf], async (_h, rt) => [await rt.run(fillSpec(E), [0])]);
      return;
    }
    const rowsPer = Math.max(1, Math.min(T, Math.floor(GRAD_WEIGHT_TERMS / Wo)));
    const P = Math.ceil(T / rowsPer);
    const { code, c } = coords('e', [O, C, kh, kw], 'c');
    const [o, ch, ky, kx] = c;
    let body = divmod('i', P, 'e', 'p') + code;
    body += `let s = 0;\nfor (let t = 0; t < ${rowsPer}; t++) {\n${intVar('row', `p * ${rowsPer} + t`)}`;
    const inner =
      divmod('row', Ho, 'n', 'oy') +
      intVar('iy', `oy * ${sh} - ${ph} + ${ky}`) +
      guard(
        all(ph > 0 ? ['iy >= 0', `iy < ${H}`] : []),
        intVar('gr', `(n * ${O} + ${o}) * ${Ho * Wo} + oy * ${Wo}`) + intVar('xr', `(n * ${C} + ${ch}) * ${H * W} + iy * ${W} - ${pw} + ${kx}`) +
          `for (let ox = 0; ox < ${Wo}; ox++) {\n` +
          guard(all(pw > 0 ? [`ox * ${sw} - ${pw} + ${kx} >= 0`, `ox * ${sw} - ${pw} + ${kx} < ${W}`] : []), `s = s + g[gr + ox] * x[xr + ox * ${sw}];\n`) +
          '}\n',
      );
    body += guard(P * rowsPer > T ? `row < ${T}` : null, inner) + '}\nreturn s;\n';
    const spec: KernelSpec = { size: E * P, source: kernelSource(['x', 'g'], body) };
    be.enqueue([x.buf, gOut.buf], [out.buf], async (hs, rt) => {
      const partial = await rt.run(spec, hs);
      if (P === 1) return [partial];
      const total = await reduceRows(rt, partial, rowsContiguous(E, P), 'sum');
      partial.delete();
      return [total];
    });
  };
}

export function linalgKernels(be: GpuBackend): Record<string, Kernel<any>> {
  return {
    matmul: matmulKernel(be),
    conv2d: conv2dKernel(be),
    conv2dGradInput: conv2dGradInputKernel(be),
    conv2dGradWeight: conv2dGradWeightKernel(be),
  };
}
