// Per-plane kernels over the last two axes: max/avg pooling and their gradients, bilinear
// resize and its adjoint, one-level Haar lifting and its inverse. Gradients are gathers: each
// input element sums what the forward windows/taps that touched it send back, so no two
// threads write one element.

import type { AvgPool2dAttrs, AvgPool2dGradAttrs, Pool2dAttrs, ResizeBilinearAttrs, ResizeBilinearGradAttrs } from '../../attrs.js';
import { resizeTaps, type AxisTaps } from '../../resize-taps.js';
import { assertShape, haar2dGeometry, ihaar2dGeometry, poolGeometry, resizeGeometry, type PoolGeometry } from '../../shapes.js';
import type { Attrs, Kernel } from '../../types.js';
import type { GpuBackend, GpuTensor } from '../backend.js';
import { coords, divmod, intVar, kernelSource } from '../codegen.js';
import type { KernelSpec } from '../runtime.js';
import { fillSpec, MAX_POSITION } from './reduce.js';

const guard = (conds: string[], code: string): string => (conds.length ? `if (${conds.join(' && ')}) {\n${code}}\n` : code);

function single(be: GpuBackend, x: GpuTensor, y: GpuTensor, spec: KernelSpec): void {
  be.enqueue([x.buf], [y.buf], async ([h], rt) => [await rt.run(spec, [h])]);
}

interface Window {
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  ph: number;
  pw: number;
}

function windowOf(a: Pool2dAttrs): Window {
  return { kh: a.kernel[0], kw: a.kernel[1], sh: a.stride[0], sw: a.stride[1], ph: a.padding[0], pw: a.padding[1] };
}

/**
 * Lines that scan window (oy, ox) of the plane at `base` for its first maximum (row-major,
 * strict >, a NaN taking over as in PyTorch), leaving its value in `${p}v` and its position in
 * the plane in `${p}at`.
 */
function argmaxSource(g: PoolGeometry, w: Window, oy: string, ox: string, p: string): string {
  let code = `${intVar(`${p}y`, `${oy} * ${w.sh} - ${w.ph}`)}${intVar(`${p}x`, `${ox} * ${w.sw} - ${w.pw}`)}let ${p}v = 0;\nlet ${p}at = -1;\n`;
  for (let ky = 0; ky < w.kh; ky++) {
    for (let kx = 0; kx < w.kw; kx++) {
      const conds = [
        ...(w.ph > 0 ? [`${p}y + ${ky} >= 0`, `${p}y + ${ky} < ${g.H}`] : []),
        ...(w.pw > 0 ? [`${p}x + ${kx} >= 0`, `${p}x + ${kx} < ${g.W}`] : []),
      ];
      code += guard(
        conds,
        `const ${p}t${ky}_${kx} = x[base + (${p}y + ${ky}) * ${g.W} + ${p}x + ${kx}];\n` +
          `if (${p}at < 0 || ${p}t${ky}_${kx} > ${p}v || ${p}t${ky}_${kx} != ${p}t${ky}_${kx}) { ${p}v = ${p}t${ky}_${kx}; ${p}at = (${p}y + ${ky}) * ${g.W} + ${p}x + ${kx}; }\n`,
      );
    }
  }
  return code;
}

function maxPool2d(be: GpuBackend): Kernel<any> {
  return ([x]: readonly GpuTensor[], [y]: readonly GpuTensor[], attrs: Attrs): void => {
    const w = windowOf(attrs as unknown as Pool2dAttrs);
    const g = poolGeometry(x.shape, y.shape, attrs as unknown as Pool2dAttrs, 'maxPool2d');
    const n = g.planes * g.Ho * g.Wo;
    if (n === 0) return;
    const { code, c } = coords('i', [g.planes, g.Ho, g.Wo], 'c');
    const body = `${code}${intVar('base', `${c[0]} * ${g.H * g.W}`)}${argmaxSource(g, w, c[1], c[2], 'm')}return mv;\n`;
    single(be, x, y, { size: n, source: kernelSource(['x'], body) });
  };
}

/**
 * Lines that visit every output window along one axis that covers input position `t`:
 * candidate d is output `${o}${d}` = floor((t + pad) / stride) - d, valid when `${v}${d}` is 1.
 */
function coveringSource(t: string, k: number, stride: number, pad: number, outSize: number, o: string, v: string): { code: string; count: number } {
  const count = Math.ceil(k / stride);
  let code = divmod(`${t} + ${pad}`, stride, `${o}hi`, `${o}rem`);
  for (let d = 0; d < count; d++) {
    code += intVar(`${o}${d}`, `${o}hi - ${d}`);
    // window o covers t when o*stride - pad <= t <= o*stride - pad + k - 1
    code += `const ${v}${d} = ${o}${d} >= 0 && ${o}${d} < ${outSize} && ${o}${d} * ${stride} - ${pad} + ${k - 1} >= ${t} ? 1 : 0;\n`;
  }
  return { code, count };
}

/**
 * Two passes: each window's argmax (its position in the plane), then each input element sums
 * the gradients of the covering windows whose argmax it is, so no window is scanned twice.
 */
function maxPool2dGrad(be: GpuBackend): Kernel<any> {
  return ([x, gOut]: readonly GpuTensor[], [dx]: readonly GpuTensor[], attrs: Attrs): void => {
    const w = windowOf(attrs as unknown as Pool2dAttrs);
    const g = poolGeometry(x.shape, gOut.shape, attrs as unknown as Pool2dAttrs, 'maxPool2dGrad');
    assertShape(dx.shape, x.shape, 'maxPool2dGrad output');
    const n = g.planes * g.H * g.W;
    if (n === 0) return;
    // each window's argmax goes from one kernel to the next as a float32 value
    if (g.H * g.W > MAX_POSITION) throw new Error(`gpu maxPool2dGrad: planes of ${g.H}x${g.W} exceed 2^24 elements, the most whose positions a float32 result holds exactly`);
    if (g.planes * g.Ho * g.Wo === 0) {
      be.enqueue([], [dx.buf], async (_h, rt) => [await rt.run(fillSpec(n), [0])]);
      return;
    }
    const a = coords('i', [g.planes, g.Ho, g.Wo], 'c');
    const argSpec: KernelSpec = {
      size: g.planes * g.Ho * g.Wo,
      source: kernelSource(['x'], `${a.code}${intVar('base', `${a.c[0]} * ${g.H * g.W}`)}${argmaxSource(g, w, a.c[1], a.c[2], 'm')}return mat;\n`),
    };
    const { code, c } = coords('i', [g.planes, g.H, g.W], 'c');
    const [p, iy, ix] = c;
    const rows = coveringSource(iy, w.kh, w.sh, w.ph, g.Ho, 'oy', 'vy');
    const cols = coveringSource(ix, w.kw, w.sw, w.pw, g.Wo, 'ox', 'vx');
    let body = `${code}${intVar('gb', `${p} * ${g.Ho * g.Wo}`)}${intVar('here', `${iy} * ${g.W} + ${ix}`)}let s = 0;\n${rows.code}${cols.code}`;
    for (let dy = 0; dy < rows.count; dy++) {
      for (let dxi = 0; dxi < cols.count; dxi++) {
        const at = `gb + oy${dy} * ${g.Wo} + ox${dxi}`;
        body += guard([`vy${dy} > 0.5`, `vx${dxi} > 0.5`], `if (arg[${at}] == here) { s = s + gOut[${at}]; }\n`);
      }
    }
    body += 'return s;\n';
    const gradSpec: KernelSpec = { size: n, source: kernelSource(['arg', 'gOut'], body) };
    be.enqueue([x.buf, gOut.buf], [dx.buf], async ([hx, hg], rt) => {
      const arg = await rt.run(argSpec, [hx]);
      const out = await rt.run(gradSpec, [arg, hg]);
      arg.delete();
      return [out];
    });
  };
}

/** Lines that set `${p}div`, avg_pool2d's divisor for window (oy, ox), as PyTorch computes it. */
function divisorSource(g: PoolGeometry, w: Window, oy: string, ox: string, countIncludePad: boolean, p: string): string {
  const axis = (o: string, k: number, s: number, pad: number, size: number, q: string) =>
    `const ${q}s = ${o} * ${s} - ${pad};\nconst ${q}e = Math.min(${q}s + ${k}, ${size + pad});\n` +
    (countIncludePad ? `const ${q}n = ${q}e - ${q}s;\n` : `const ${q}n = Math.min(${q}e, ${size}) - Math.max(${q}s, 0);\n`);
  return axis(oy, w.kh, w.sh, w.ph, g.H, `${p}y`) + axis(ox, w.kw, w.sw, w.pw, g.W, `${p}x`) + `const ${p}div = ${p}yn * ${p}xn;\n`;
}

function avgPool2d(be: GpuBackend): Kernel<any> {
  return ([x]: readonly GpuTensor[], [y]: readonly GpuTensor[], attrs: Attrs): void => {
    const a = attrs as unknown as AvgPool2dAttrs;
    const w = windowOf(a);
    const g = poolGeometry(x.shape, y.shape, a, 'avgPool2d');
    const n = g.planes * g.Ho * g.Wo;
    if (n === 0) return;
    const { code, c } = coords('i', [g.planes, g.Ho, g.Wo], 'c');
    let body = `${code}${intVar('base', `${c[0]} * ${g.H * g.W}`)}${intVar('y0', `${c[1]} * ${w.sh} - ${w.ph}`)}${intVar('x0', `${c[2]} * ${w.sw} - ${w.pw}`)}let s = 0;\n`;
    for (let ky = 0; ky < w.kh; ky++) {
      for (let kx = 0; kx < w.kw; kx++) {
        const conds = [...(w.ph > 0 ? [`y0 + ${ky} >= 0`, `y0 + ${ky} < ${g.H}`] : []), ...(w.pw > 0 ? [`x0 + ${kx} >= 0`, `x0 + ${kx} < ${g.W}`] : [])];
        body += guard(conds, `s = s + x[base + (y0 + ${ky}) * ${g.W} + x0 + ${kx}];\n`);
      }
    }
    body += `${divisorSource(g, w, c[1], c[2], a.countIncludePad, 'd')}return s / ddiv;\n`;
    single(be, x, y, { size: n, source: kernelSource(['x'], body) });
  };
}

function avgPool2dGrad(be: GpuBackend): Kernel<any> {
  return ([gOut]: readonly GpuTensor[], [dx]: readonly GpuTensor[], attrs: Attrs): void => {
    const a = attrs as unknown as AvgPool2dGradAttrs;
    const w = windowOf(a);
    assertShape(dx.shape, a.inputShape, 'avgPool2dGrad output');
    const g = poolGeometry(a.inputShape, gOut.shape, a, 'avgPool2dGrad');
    const n = g.planes * g.H * g.W;
    if (n === 0) return;
    const { code, c } = coords('i', [g.planes, g.H, g.W], 'c');
    const [p, iy, ix] = c;
    const rows = coveringSource(iy, w.kh, w.sh, w.ph, g.Ho, 'oy', 'vy');
    const cols = coveringSource(ix, w.kw, w.sw, w.pw, g.Wo, 'ox', 'vx');
    let body = `${code}${intVar('gb', `${p} * ${g.Ho * g.Wo}`)}let s = 0;\n${rows.code}${cols.code}`;
    for (let dy = 0; dy < rows.count; dy++) {
      for (let dxi = 0; dxi < cols.count; dxi++) {
        const pre = `w${dy}_${dxi}`;
        body += guard([`vy${dy} > 0.5`, `vx${dxi} > 0.5`], `${divisorSource(g, w, `oy${dy}`, `ox${dxi}`, a.countIncludePad, pre)}s = s + gOut[gb + oy${dy} * ${g.Wo} + ox${dxi}] / ${pre}div;\n`);
      }
    }
    body += 'return s;\n';
    single(be, gOut, dx, { size: n, source: kernelSource(['gOut'], body) });
  };
}

/** Forward taps as one constant table: rows i0, i1, l0, l1, then columns i0, i1, l0, l1. */
function forwardTable(rows: AxisTaps, cols: AxisTaps): Float32Array {
  const parts = [rows.i0, rows.i1, rows.l0, rows.l1, cols.i0, cols.i1, cols.l0, cols.l1];
  const out = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const resizeKey = (a: ResizeBilinearAttrs) => `${a.alignCorners}|${a.ratio?.[0] ?? ''}|${a.ratio?.[1] ?? ''}`;

function resizeBilinear(be: GpuBackend): Kernel<any> {
  return ([x]: readonly GpuTensor[], [y]: readonly GpuTensor[], attrs: Attrs): void => {
    const a = attrs as unknown as ResizeBilinearAttrs;
    const g = resizeGeometry(x.shape, y.shape, x.shape.slice(-2), a, 'resizeBilinear');
    const n = g.planes * g.oh * g.ow;
    if (n === 0) return;
    const { rows, cols } = resizeTaps(g, a);
    const { oh, ow, H, W } = g;
    const { code, c } = coords('i', [g.planes, oh, ow], 'c');
    const [p, oy, ox] = c;
    const t = (k: number, at: string) => `this.constants.taps[${k === 0 ? at : `${k} + ${at}`}]`;
    const body =
      `${code}${intVar('base', `${p} * ${H * W}`)}` +
      `${intVar('r0', `base + toInt(${t(0, oy)}) * ${W}`)}${intVar('r1', `base + toInt(${t(oh, oy)}) * ${W}`)}const ly0 = ${t(2 * oh, oy)};\nconst ly1 = ${t(3 * oh, oy)};\n` +
      `${intVar('t0', `toInt(${t(4 * oh, ox)})`)}${intVar('t1', `toInt(${t(4 * oh + ow, ox)})`)}const lx0 = ${t(4 * oh + 2 * ow, ox)};\nconst lx1 = ${t(4 * oh + 3 * ow, ox)};\n` +
      `return ly0 * (lx0 * x[r0 + t0] + lx1 * x[r0 + t1]) + ly1 * (lx0 * x[r1 + t0] + lx1 * x[r1 + t1]);\n`;
    single(be, x, y, { size: n, source: kernelSource(['x'], body), constants: { taps: forwardTable(rows, cols) }, constantsKey: resizeKey(a) });
  };
}

/**
 * For each source position along one axis, the destination positions whose taps read it and
 * their weights, padded to the same count per position (destination -1: no tap).
 */
function inverseTaps(taps: AxisTaps, inSize: number): { dst: Float32Array; wt: Float32Array; per: number } {
  const lists: [number, number][][] = Array.from({ length: inSize }, () => []);
  for (let d = 0; d < taps.i0.length; d++) {
    // the forward pass reads both taps even when they coincide; a zero weight adds nothing
    if (taps.l0[d] !== 0) lists[taps.i0[d]].push([d, taps.l0[d]]);
    if (taps.l1[d] !== 0) lists[taps.i1[d]].push([d, taps.l1[d]]);
  }
  const per = Math.max(1, ...lists.map((l) => l.length));
  const dst = new Float32Array(inSize * per).fill(-1);
  const wt = new Float32Array(inSize * per);
  lists.forEach((l, s) =>
    l.forEach(([d, w], k) => {
      dst[s * per + k] = d;
      wt[s * per + k] = w;
    }),
  );
  return { dst, wt, per };
}

function resizeBilinearGrad(be: GpuBackend): Kernel<any> {
  return ([gOut]: readonly GpuTensor[], [dx]: readonly GpuTensor[], attrs: Attrs): void => {
    const a = attrs as unknown as ResizeBilinearGradAttrs;
    const g = resizeGeometry(dx.shape, gOut.shape, a.inputSize, a, 'resizeBilinearGrad');
    const n = g.planes * g.H * g.W;
    if (n === 0) return;
    const { rows, cols } = resizeTaps(g, a);
    const ri = inverseTaps(rows, g.H);
    const ci = inverseTaps(cols, g.W);
    const { H, W, oh, ow } = g;
    const table = new Float32Array(2 * H * ri.per + 2 * W * ci.per);
    table.set(ri.dst, 0);
    table.set(ri.wt, H * ri.per);
    table.set(ci.dst, 2 * H * ri.per);
    table.set(ci.wt, 2 * H * ri.per + W * ci.per);
    const colBase = 2 * H * ri.per;
    const { code, c } = coords('i', [g.planes, H, W], 'c');
    const [p, iy, ix] = c;
    const body =
      `${code}${intVar('gb', `${p} * ${oh * ow}`)}${intVar('ra', `${iy} * ${ri.per}`)}${intVar('ca', `${ix} * ${ci.per} + ${colBase}`)}let s = 0;\n` +
      `for (let u = 0; u < ${ri.per}; u++) {\n${intVar('oy', 'toInt(this.constants.taps[ra + u])')}const wy = this.constants.taps[${H * ri.per} + ra + u];\n` +
      `for (let v = 0; v < ${ci.per}; v++) {\n${intVar('ox', 'toInt(this.constants.taps[ca + v])')}const wx = this.constants.taps[${W * ci.per} + ca + v];\n` +
      `if (oy >= 0 && ox >= 0) { s = s + wy * wx * gOut[gb + oy * ${ow} + ox]; }\n}\n}\nreturn s;\n`;
    single(be, gOut, dx, { size: n, source: kernelSource(['gOut'], body), constants: { taps: table }, constantsKey: resizeKey(a) });
  };
}

const INV_SQRT2 = Math.SQRT1_2;

function haar2d(be: GpuBackend): Kernel<any> {
  return ([x]: readonly GpuTensor[], [y]: readonly GpuTensor[]): void => {
    const { planes, H, W, h, w } = haar2dGeometry(x.shape, y.shape);
    const n = planes * 4 * h * w;
    if (n === 0) return;
    const { code, c } = coords('i', [planes, 4, h, w], 'c');
    const [p, band, r, col] = c;
    // the reference kernel's lifting steps, in float32
    const body =
      `${code}${intVar('top', `${p} * ${H * W} + 2 * ${r} * ${W} + 2 * ${col}`)}` +
      `const a = x[top];\nconst b = x[top + 1];\nconst cc = x[top + ${W}];\nconst d = x[top + ${W + 1}];\n` +
      `const dTop = a - b;\nconst sTop = b + dTop * 0.5;\nconst dBot = cc - d;\nconst sBot = d + dBot * 0.5;\n` +
      `const loTop = sTop * ${Math.SQRT2};\nconst hiTop = dTop * ${INV_SQRT2};\nconst loBot = sBot * ${Math.SQRT2};\nconst hiBot = dBot * ${INV_SQRT2};\n` +
      `const dLo = loTop - loBot;\nconst sLo = loBot + dLo * 0.5;\nconst dHi = hiTop - hiBot;\nconst sHi = hiBot + dHi * 0.5;\n` +
      `return ${band} < 0.5 ? sLo * ${Math.SQRT2} : (${band} < 1.5 ? dLo * ${INV_SQRT2} : (${band} < 2.5 ? sHi * ${Math.SQRT2} : dHi * ${INV_SQRT2}));\n`;
    single(be, x, y, { size: n, source: kernelSource(['x'], body) });
  };
}

function ihaar2d(be: GpuBackend): Kernel<any> {
  return ([yIn]: readonly GpuTensor[], [out]: readonly GpuTensor[]): void => {
    const { planes, H, W, h, w } = ihaar2dGeometry(yIn.shape, out.shape);
    const n = planes * H * W;
    if (n === 0) return;
    const band = h * w;
    const { code, c } = coords('i', [planes, H, W], 'c');
    const [p, oy, ox] = c;
    const body =
      `${code}${divmod(oy, 2, 'r', 'ry')}${divmod(ox, 2, 'q', 'rx')}${intVar('at', `${p} * ${4 * band} + r * ${w} + q`)}` +
      `const sLo = y[at] * ${INV_SQRT2};\nconst dLo = y[at + ${band}] * ${Math.SQRT2};\nconst sHi = y[at + ${2 * band}] * ${INV_SQRT2};\nconst dHi = y[at + ${3 * band}] * ${Math.SQRT2};\n` +
      `const loBot = sLo - dLo * 0.5;\nconst loTop = dLo + loBot;\nconst hiBot = sHi - dHi * 0.5;\nconst hiTop = dHi + hiBot;\n` +
      `const sRow = ry < 0.5 ? loTop * ${INV_SQRT2} : loBot * ${INV_SQRT2};\nconst dRow = ry < 0.5 ? hiTop * ${Math.SQRT2} : hiBot * ${Math.SQRT2};\n` +
      `const bRow = sRow - dRow * 0.5;\nreturn rx < 0.5 ? dRow + bRow : bRow;\n`;
    single(be, yIn, out, { size: n, source: kernelSource(['y'], body) });
  };
}

export function windowedKernels(be: GpuBackend): Record<string, Kernel<any>> {
  return {
    maxPool2d: maxPool2d(be),
    maxPool2dGrad: maxPool2dGrad(be),
    avgPool2d: avgPool2d(be),
    avgPool2dGrad: avgPool2dGrad(be),
    resizeBilinear: resizeBilinear(be),
    resizeBilinearGrad: resizeBilinearGrad(be),
    haar2d: haar2d(be),
    ihaar2d: ihaar2d(be),
  };
}
