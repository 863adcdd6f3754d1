// Independent float64 reference implementations (plain loops) for the synthetic golden cases.
// Written from the PyTorch definitions in ../shared/golden/torch/gen/golden_lib.py, not from the
// engine.

export type F64 = Float64Array;

export function conv2dRef(x: ArrayLike<number>, [B, C, H, W]: number[], w: ArrayLike<number>, [O, , KH, KW]: number[], b: ArrayLike<number> | null, [sh, sw]: number[], [ph, pw]: number[], go: ArrayLike<number>) {
  const Ho = Math.floor((H + 2 * ph - KH) / sh) + 1;
  const Wo = Math.floor((W + 2 * pw - KW) / sw) + 1;
  const out = new Float64Array(B * O * Ho * Wo);
  const gx = new Float64Array(B * C * H * W);
  const gw = new Float64Array(O * C * KH * KW);
  const gb = new Float64Array(O);
  for (let n = 0; n < B; n++)
    for (let o = 0; o < O; o++)
      for (let oy = 0; oy < Ho; oy++)
        for (let ox = 0; ox < Wo; ox++) {
          const oi = ((n * O + o) * Ho + oy) * Wo + ox;
          let acc = b ? b[o] : 0;
          const g = go[oi];
          gb[o] += g;
          for (let c = 0; c < C; c++)
            for (let i = 0; i < KH; i++)
              for (let j = 0; j < KW; j++) {
                const y = oy * sh - ph + i;
                const xx = ox * sw - pw + j;
                if (y < 0 || y >= H || xx < 0 || xx >= W) continue;
                const xi = ((n * C + c) * H + y) * W + xx;
                const wi = ((o * C + c) * KH + i) * KW + j;
                acc += x[xi] * w[wi];
                gx[xi] += g * w[wi];
                gw[wi] += g * x[xi];
              }
          out[oi] = acc;
        }
  return { out, outShape: [B, O, Ho, Wo], gx, gw, gb };
}

/** Row-stochastic [out, in] interpolation matrix with PyTorch's index rules. */
export function bilinearMatrix(nIn: number, nOut: number, alignCorners: boolean, scaleFactor: number | null): F64 {
  const A = new Float64Array(nOut * nIn);
  for (let d = 0; d < nOut; d++) {
    let src: number;
    if (alignCorners) src = nOut > 1 ? (d * (nIn - 1)) / (nOut - 1) : 0;
    else {
      const r = scaleFactor ? 1 / scaleFactor : nIn / nOut;
      src = Math.max(r * (d + 0.5) - 0.5, 0);
    }
    const i0 = Math.min(Math.floor(src), nIn - 1);
    const i1 = Math.min(i0 + 1, nIn - 1);
    const l1 = src - i0;
    A[d * nIn + i0] += 1 - l1;
    A[d * nIn + i1] += l1;
  }
  return A;
}

/** y[p, o, q] = sum_h sum_w Ah[o, h] x[p, h, w] Aw[q, w] over planes p. */
export function applySeparable(x: ArrayLike<number>, planes: number, H: number, W: number, Ah: F64, Ho: number, Aw: F64, Wo: number): F64 {
  const y = new Float64Array(planes * Ho * Wo);
  for (let p = 0; p < planes; p++)
    for (let o = 0; o < Ho; o++)
      for (let q = 0; q < Wo; q++) {
        let s = 0;
        for (let h = 0; h < H; h++) {
          const a = Ah[o * H + h];
          if (!a) continue;
          for (let w = 0; w < W; w++) s += a * x[(p * H + h) * W + w] * Aw[q * W + w];
        }
        y[(p * Ho + o) * Wo + q] = s;
      }
  return y;
}

export function transpose(A: F64, rows: number, cols: number): F64 {
  const T = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) T[j * rows + i] = A[i * cols + j];
  return T;
}

export function dctBasis(n: number): F64 {
  const C = new Float64Array(n * n);
  for (let k = 0; k < n; k++) for (let i = 0; i < n; i++) C[k * n + i] = Math.sqrt((k ? 2 : 1) / n) * Math.cos((Math.PI * (2 * i + 1) * k) / (2 * n));
  return C;
}

/** Pooling windows per PyTorch (floor mode). kind 'max' returns the first max's gradient route. */
export function pool2dRef(kind: 'max' | 'avg', x: ArrayLike<number>, [B, C, H, W]: number[], [kh, kw]: number[], [sh, sw]: number[], [ph, pw]: number[], countIncludePad: boolean, go: ArrayLike<number>) {
  const Ho = Math.floor((H + 2 * ph - kh) / sh) + 1;
  const Wo = Math.floor((W + 2 * pw - kw) / sw) + 1;
  const out = new Float64Array(B * C * Ho * Wo);
  const gx = new Float64Array(B * C * H * W);
  for (let p = 0; p < B * C; p++)
    for (let oy = 0; oy < Ho; oy++)
      for (let ox = 0; ox < Wo; ox++) {
        const oi = (p * Ho + oy) * Wo + ox;
        const y0 = oy * sh - ph;
        const x0 = ox * sw - pw;
        const cells: number[] = [];
        for (let i = 0; i < kh; i++)
          for (let j = 0; j < kw; j++) {
            const y = y0 + i;
            const xx = x0 + j;
            if (y >= 0 && y < H && xx >= 0 && xx < W) cells.push((p * H + y) * W + xx);
          }
        if (kind === 'max') {
          let best = cells[0];
          for (const c of cells) if (x[c] > x[best]) best = c;
          out[oi] = x[best];
          gx[best] += go[oi];
        } else {
          const div = countIncludePad ? (Math.min(y0 + kh, H + ph) - y0) * (Math.min(x0 + kw, W + pw) - x0) : cells.length;
          let s = 0;
          for (const c of cells) s += x[c];
          out[oi] = s / div;
          for (const c of cells) gx[c] += go[oi] / div;
        }
      }
  return { out, outShape: [B, C, Ho, Wo], gx };
}

export function etaClosedForm(T: number, p: number, eta1: number, etaT: number): F64 {
  const eta = new Float64Array(T + 1);
  for (let t = 1; t <= T; t++) eta[t] = eta1 * (etaT / eta1) ** (((t - 1) / (T - 1)) ** p);
  return eta;
}

export function adamRef(p0: ArrayLike<number>, m0: ArrayLike<number>, v0: ArrayLike<number>, grads: ArrayLike<number>[], step0: number, lr: number, b1: number, b2: number, eps: number) {
  const p = Float64Array.from(p0);
  const m = Float64Array.from(m0);
  const v = Float64Array.from(v0);
  const steps: { p: F64; m: F64; v: F64 }[] = [];
  grads.forEach((g, k) => {
    const step = step0 + k + 1;
    const bc1 = 1 - b1 ** step;
    const bc2 = 1 - b2 ** step;
    for (let i = 0; i < p.length; i++) {
      m[i] = b1 * m[i] + (1 - b1) * g[i];
      v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
      p[i] -= ((lr / bc1) * m[i]) / (Math.sqrt(v[i]) / Math.sqrt(bc2) + eps);
    }
    steps.push({ p: p.slice(), m: m.slice(), v: v.slice() });
  });
  return steps;
}

/** Local amplitude of [B, C, H, W] in float64 (avg pool counting padding, clamp, mean, sqrt, min-max). */
export function localAmplitudeRef(x: ArrayLike<number>, [B, C, H, W]: number[], k: number, eps: number): F64 {
  const pad = Math.floor(k / 2);
  const Ho = H + 2 * pad - k + 1;
  const Wo = W + 2 * pad - k + 1;
  const amp = new Float64Array(B * Ho * Wo);
  for (let b = 0; b < B; b++)
    for (let oy = 0; oy < Ho; oy++)
      for (let ox = 0; ox < Wo; ox++) {
        let vs = 0;
        for (let c = 0; c < C; c++) {
          let s = 0;
          let s2 = 0;
          for (let i = 0; i < k; i++)
            for (let j = 0; j < k; j++) {
              const y = oy - pad + i;
              const xx = ox - pad + j;
              if (y < 0 || y >= H || xx < 0 || xx >= W) continue;
              const v = x[((b * C + c) * H + y) * W + xx];
              s += v;
              s2 += v * v;
            }
          const mu = s / (k * k);
          vs += Math.max(s2 / (k * k) - mu * mu, 0);
        }
        amp[(b * Ho + oy) * Wo + ox] = Math.sqrt(vs / C + eps);
      }
  const out = new Float64Array(amp.length);
  const P = Ho * Wo;
  for (let b = 0; b < B; b++) {
    const plane = amp.subarray(b * P, (b + 1) * P);
    const lo = Math.min(...plane);
    const hi = Math.max(...plane);
    for (let i = 0; i < P; i++) out[b * P + i] = (plane[i] - lo) / (hi - lo + eps);
  }
  return out;
}

/** Central-difference gradient of sum(f(x) * w) with respect to every element of x. */
export function numericGrad(f: (x: F64) => F64, x: ArrayLike<number>, w: ArrayLike<number>, h = 1e-6): F64 {
  const g = new Float64Array(x.length);
  const xp = Float64Array.from(x);
  const dot = (y: F64) => y.reduce((s, v, i) => s + v * w[i], 0);
  for (let i = 0; i < x.length; i++) {
    const keep = xp[i];
    xp[i] = keep + h;
    const up = dot(f(xp));
    xp[i] = keep - h;
    const down = dot(f(xp));
    xp[i] = keep;
    g[i] = (up - down) / (2 * h);
  }
  return g;
}
