/**
 * The DualDomainUNet as an ONNX graph (opset 17) of standard ops only, so native runtimes serve
 * it: Conv, Relu, MaxPool, Resize, Concat, Add, Gemm, MatMul, and GELU built from Erf (opset 17
 * has no Gelu). Batch, height and width are dynamic: the DCT bases are computed in the graph
 * from the sizes (Range, Mod, Cos), and the Haar transform is a stride-2 depthwise Conv per band
 * with its inverse a stride-2 depthwise ConvTranspose per band.
 *
 * Inputs xt [B,3,H,W], y0_aug [B,inChannels-3,H,W], t [B] (float timesteps); output residual
 * [B,3,H,W]. H and W must be multiples of 8, as for the model itself.
 */
import { timeEmbeddingFreqs } from '../nn/embedding.js';
import type { NamedArray } from '../nn/module.js';
import type { UNetConfig } from '../resshift/model.js';
import { FLOAT, OnnxGraph, int, ints, str } from './onnx.js';

export const ONNX_INPUTS = ['xt', 'y0_aug', 't'] as const;
export const ONNX_OUTPUT = 'residual';

export interface OnnxExportOptions {
  /** Extra metadata_props (e.g. the diffusion settings the sampler needs). */
  metadata?: Record<string, string>;
  producerVersion?: string;
}

interface Basis {
  ch: string;
  chT: string;
  cw: string;
  cwT: string;
}

// Haar analysis filters per band as 2x2 kernels over (a b / c d), pytorch_wavelets' order and
// signs: LL (a+b+c+d)/2, LH (a+b-c-d)/2, HL (a-b+c-d)/2, HH (a-b-c+d)/2. The inverse uses the
// same kernels, as ConvTranspose scatters band values back onto the 2x2 block.
const HAAR = [
  [0.5, 0.5, 0.5, 0.5],
  [0.5, 0.5, -0.5, -0.5],
  [0.5, -0.5, 0.5, -0.5],
  [0.5, -0.5, -0.5, 0.5],
];
const BANDS = ['ll_process', 'lh_process', 'hl_process', 'hh_process'];

class UNetExporter {
  readonly g = new OnnxGraph('DualDomainUNet');
  private readonly used = new Set<string>();
  private readonly haar = new Map<string, string>();

  constructor(
    private readonly state: ReadonlyMap<string, NamedArray>,
    private readonly cfg: UNetConfig,
  ) {}

  private param(name: string): string {
    if (this.used.has(name)) return name;
    const t = this.state.get(name);
    if (!t) throw new Error(`onnx export: the state dict has no '${name}'`);
    this.used.add(name);
    return this.g.weight(name, [...t.shape], Float32Array.from(t.data));
  }

  conv(x: string, prefix: string): string {
    const w = this.state.get(`${prefix}.weight`);
    if (!w || w.shape.length !== 4) throw new Error(`onnx export: '${prefix}.weight' is not a conv weight`);
    const k = w.shape[2];
    const p = (k - 1) / 2;
    return this.g.op('Conv', [x, this.param(`${prefix}.weight`), this.param(`${prefix}.bias`)], { kernel_shape: ints([k, k]), pads: ints([p, p, p, p]), strides: ints([1, 1]) }, prefix);
  }

  linear(x: string, prefix: string): string {
    return this.g.op('Gemm', [x, this.param(`${prefix}.weight`), this.param(`${prefix}.bias`)], { transB: int(1) }, prefix);
  }

  relu(x: string): string {
    return this.g.op('Relu', [x]);
  }

  /** Exact GELU, 0.5 x (1 + erf(x / sqrt 2)), as the reference's nn.GELU(). */
  gelu(x: string): string {
    const g = this.g;
    const e = g.op('Erf', [g.op('Div', [x, g.constF([Math.SQRT2], [])])]);
    return g.op('Mul', [g.op('Mul', [x, g.op('Add', [e, g.constF([1], [])])]), g.constF([0.5], [])], {}, 'gelu');
  }

  /**
   * The orthonormal DCT-II basis C[k,i] = s_k cos(pi (2i+1) k / 2n) for a size n taken from the
   * graph. (2i+1)k is reduced modulo 4n in int64 first, so the float32 angle stays below 2 pi and
   * keeps its precision at large n.
   */
  private dctBasis(n: string): { c: string; cT: string } {
    const g = this.g;
    const i0 = g.constI([0], []);
    const i1 = g.constI([1], []);
    const r = g.op('Range', [i0, n, i1], {}, 'dct_index');
    const odd = g.op('Add', [g.op('Mul', [r, g.constI([2], [])]), i1]);
    const prod = g.op('Mul', [g.op('Unsqueeze', [r, g.constI([1])]), odd]);
    const m = g.op('Mod', [prod, g.op('Mul', [n, g.constI([4], [])])]);
    const halfTurns = g.op('Div', [g.op('Cast', [m], { to: int(FLOAT) }), g.op('Cast', [g.op('Mul', [n, g.constI([2], [])])], { to: int(FLOAT) })]);
    const cosv = g.op('Cos', [g.op('Mul', [halfTurns, g.constF([Math.PI], [])])]);
    const num = g.op('Where', [g.op('Equal', [r, i0]), g.constF([1], []), g.constF([2], [])]);
    const s = g.op('Sqrt', [g.op('Div', [num, g.op('Cast', [n], { to: int(FLOAT) })])]);
    const c = g.op('Mul', [g.op('Unsqueeze', [s, g.constI([1])]), cosv], {}, 'dct_basis');
    return { c, cT: g.op('Transpose', [c], { perm: ints([1, 0]) }, 'dct_basis_t') };
  }

  /** DCT bases for the height and width of level tensor x [B,C,h,w]. */
  bases(x: string): Basis {
    const g = this.g;
    const shape = g.op('Shape', [x]);
    const h = this.dctBasis(g.op('Gather', [shape, g.constI([2], [])], { axis: int(0) }, 'height'));
    const w = this.dctBasis(g.op('Gather', [shape, g.constI([3], [])], { axis: int(0) }, 'width'));
    return { ch: h.c, chT: h.cT, cw: w.c, cwT: w.cT };
  }

  private haarKernel(ch: number, band: number): string {
    const key = `${ch}/${band}`;
    let name = this.haar.get(key);
    if (!name) {
      const data = new Float32Array(ch * 4);
      for (let c = 0; c < ch; c++) data.set(HAAR[band], c * 4);
      name = this.g.weight(`haar_${BANDS[band].slice(0, 2)}_${ch}`, [ch, 1, 2, 2], data);
      this.haar.set(key, name);
    }
    return name;
  }

  convBlock(x: string, prefix: string): string {
    return this.relu(this.conv(this.relu(this.conv(x, `${prefix}.conv.0`)), `${prefix}.conv.2`));
  }

  dctBranch(x: string, prefix: string, b: Basis): string {
    const g = this.g;
    const X = g.op('MatMul', [g.op('MatMul', [b.ch, x]), b.cwT], {}, 'dct');
    const y = this.conv(this.relu(this.conv(X, `${prefix}.process.0`)), `${prefix}.process.2`);
    return g.op('MatMul', [g.op('MatMul', [b.chT, y]), b.cw], {}, 'idct');
  }

  dwtBranch(x: string, prefix: string, ch: number): string {
    const g = this.g;
    const attrs = { kernel_shape: ints([2, 2]), strides: ints([2, 2]), group: int(ch) };
    const parts = BANDS.map((name, band) => {
      const sub = g.op('Conv', [x, this.haarKernel(ch, band)], attrs, `${prefix}.haar_${band}`);
      const processed = this.conv(sub, `${prefix}.${name}`);
      return g.op('ConvTranspose', [processed, this.haarKernel(ch, band)], attrs, `${prefix}.ihaar_${band}`);
    });
    return g.op('Sum', parts, {}, `${prefix}.idwt`);
  }

  block(x: string, prefix: string, ch: number, b: Basis): string {
    const g = this.g;
    const cat = g.op('Concat', [this.convBlock(x, `${prefix}.spatial_branch`), this.dctBranch(x, `${prefix}.dct_branch`, b), this.dwtBranch(x, `${prefix}.dwt_branch`, ch)], { axis: int(1) });
    return g.op('Add', [x, this.conv(cat, `${prefix}.fusion`)], {}, prefix);
  }

  up(x: string, prefix: string): string {
    const g = this.g;
    const r = g.op('Resize', [x, '', g.constF([1, 1, 2, 2])], { mode: str('linear'), coordinate_transformation_mode: str('align_corners') });
    return this.conv(r, prefix);
  }

  build(): void {
    const g = this.g;
    const { inChannels, baseChannels: c, timeDim } = this.cfg;
    const xt = g.input(ONNX_INPUTS[0], ['batch', 3, 'height', 'width']);
    const y0 = g.input(ONNX_INPUTS[1], ['batch', inChannels - 3, 'height', 'width']);
    const t = g.input(ONNX_INPUTS[2], ['batch']);

    const freqs = timeEmbeddingFreqs(timeDim);
    const ang = g.op('Mul', [g.op('Unsqueeze', [t, g.constI([1])]), g.constF([...freqs], [1, freqs.length])]);
    const emb = g.op('Concat', [g.op('Sin', [ang]), g.op('Cos', [ang])], { axis: int(1) }, 'time_embedding');
    const tEmb = this.linear(this.gelu(this.linear(emb, 'time_mlp.1')), 'time_mlp.3');

    const x1 = g.op('Add', [this.convBlock(g.op('Concat', [xt, y0], { axis: int(1) }), 'inc'), g.op('Unsqueeze', [tEmb, g.constI([2, 3])])], {}, 'x1');
    const pool = (x: string) => g.op('MaxPool', [x], { kernel_shape: ints([2, 2]), strides: ints([2, 2]) });
    const p1 = pool(x1);
    const b1 = this.bases(p1);
    const x2 = this.block(p1, 'down1.1', c, b1);
    const p2 = pool(x2);
    const b2 = this.bases(p2);
    const x3 = this.block(p2, 'down2.1', c, b2);
    const xb = this.block(x3, 'bot', c, b2);
    const d1 = this.block(g.op('Concat', [this.up(xb, 'up1.1'), x2], { axis: int(1) }), 'dec1', 2 * c, b1);
    const d2 = this.block(g.op('Concat', [this.up(d1, 'up2.1'), x1], { axis: int(1) }), 'dec2', 2 * c, this.bases(x1));
    g.op('Conv', [d2, this.param('outc.weight'), this.param('outc.bias')], { kernel_shape: ints([1, 1]) }, 'outc', ONNX_OUTPUT);
    g.output(ONNX_OUTPUT, ['batch', 3, 'height', 'width']);

    // every parameter must be in the graph; the Haar filter buffers are fixed (checked on load)
    const unused = [...this.state.keys()].filter((k) => !this.used.has(k) && !/\.dwt_branch\.(dwt|idwt)\.[hg][01]_(col|row)$/.test(k));
    if (unused.length) throw new Error(`onnx export: state dict entries not in the graph: ${unused.slice(0, 4).join(', ')}`);
  }
}

/** Encodes the model given by its state dict and widths as an ONNX file. */
export function unetToOnnx(state: ReadonlyMap<string, NamedArray>, cfg: UNetConfig, opts: OnnxExportOptions = {}): Uint8Array {
  const ex = new UNetExporter(state, cfg);
  ex.build();
  return ex.g.toModel({
    producer: 'resshift-ts',
    producerVersion: opts.producerVersion ?? '',
    doc:
      'ResShift DualDomainUNet: residual = f(xt, y0_aug, t). xt [B,3,H,W] and y0 in [-1,1]; ' +
      `y0_aug [B,${cfg.inChannels - 3},H,W]${cfg.inChannels === 31 ? ' = y0 (3), Fourier position encoding (24), local amplitude (1)' : ''}; ` +
      't [B] float timesteps 1..T; H, W multiples of 8. pred_x0 = y0 + residual.',
    metadata: { 'resshift.model': JSON.stringify(cfg), ...opts.metadata },
  });
}

