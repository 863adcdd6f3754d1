import { fromHaarBands, haarBands, dct2d, idct2d } from '../freq/index.js';
import { Conv2d, Linear, Sequential, type InitOptions } from '../nn/layers.js';
import { Module, type NamedArray } from '../nn/module.js';
import { sinusoidalTimeEmbedding } from '../nn/embedding.js';
import { add, concat, gelu, interpolateBilinear, maxPool2d, reshape, tensor, type Tensor } from '../tensor/index.js';
import { shapeStr } from '../tensor/shape.js';

// The reference notebook's DualDomainUNet. Class and child names mirror its module tree so the
// parameter names (and therefore checkpoints) are the same as PyTorch's state_dict.

export interface UNetConfig {
  inChannels: number;
  baseChannels: number;
  timeDim: number;
}
export const defaultUNetConfig: UNetConfig = { inChannels: 31, baseChannels: 64, timeDim: 128 };

class ConvBlock extends Module {
  private readonly c1: Conv2d;
  private readonly c2: Conv2d;
  constructor(cin: number, cout: number, o: InitOptions) {
    super();
    const c1 = new Conv2d(cin, cout, 3, 1, o);
    const c2 = new Conv2d(cout, cout, 3, 1, o);
    this.child('conv', new Sequential([c1, null, c2, null]));
    [this.c1, this.c2] = [c1, c2];
  }
  forward(x: Tensor): Tensor {
    return this.c2.forwardRelu(this.c1.forwardRelu(x));
  }
}

class DCTBranch extends Module {
  private readonly p0: Conv2d;
  private readonly p2: Conv2d;
  constructor(ch: number, o: InitOptions) {
    super();
    this.p0 = new Conv2d(ch, ch, 1, 0, o);
    this.p2 = new Conv2d(ch, ch, 1, 0, o);
    this.child('process', new Sequential([this.p0, null, this.p2]));
  }
  forward(x: Tensor): Tensor {
    return idct2d(this.p2.forward(this.p0.forwardRelu(dct2d(x))));
  }
}

const R = Math.fround(Math.SQRT1_2);
/**
 * 1/sqrt(2) as each float format a checkpoint may store it in holds it: float32 (F32, and F64
 * read into float32) and half precision (a model.half() export: F16 and BF16 both round it to
 * 0.70703125, 7.5e-5 away from the float32 value). Around each, the slack float32 files always
 * had (1e-6, ~17 float32 ulps) for values computed rather than rounded once; it is far below the
 * spacing of half-precision values there (2^-11 for F16, 2^-8 for BF16), so no other half value
 * passes.
 */
const HAAR_VALUES = [R, 0.70703125]; // F16: 1448 / 2048, BF16: 181 / 256
const HAAR_SLACK = 1e-6;

/** Whether |v| is 1/sqrt(2) as some supported storage format holds it. */
function isHaarMagnitude(v: number): boolean {
  return HAAR_VALUES.some((h) => Math.abs(Math.abs(v) - h) <= HAAR_SLACK);
}

/**
 * pytorch_wavelets keeps its Haar filters as buffers, so they are part of the state dict. The
 * transform here is the fixed Haar lifting, so loading checks they still hold the Haar filters.
 */
class HaarFilters extends Module {
  constructor(
    prefix: 'h' | 'g',
    o: InitOptions,
  ) {
    super();
    const opts = { dtype: o.dtype, backend: o.backend };
    this.buffer(`${prefix}0_col`, tensor([R, R], [1, 1, 2, 1], opts));
    this.buffer(`${prefix}1_col`, tensor([R, -R], [1, 1, 2, 1], opts));
    this.buffer(`${prefix}0_row`, tensor([R, R], [1, 1, 1, 2], opts));
    this.buffer(`${prefix}1_row`, tensor([R, -R], [1, 1, 1, 2], opts));
  }
  protected override checkLoaded(values: ReadonlyMap<string, NamedArray>, prefix: string): void {
    for (const [name] of this.stateDict()) {
      const v = Array.from(values.get(prefix + name)!.data);
      const signs = name.startsWith('h1') || name.startsWith('g1') ? [1, -1] : [1, 1];
      if (v.some((x, i) => Math.sign(x) !== signs[i] || !isHaarMagnitude(x))) {
        throw new Error(`state dict: Haar filter ${name} holds [${[...v].join(', ')}]; only the Haar wavelet is supported`);
      }
    }
  }
}

class DWTBranch extends Module {
  private readonly procs: Conv2d[];
  constructor(ch: number, o: InitOptions) {
    super();
    this.child('dwt', new HaarFilters('h', o));
    this.child('idwt', new HaarFilters('g', o));
    this.procs = ['ll_process', 'lh_process', 'hl_process', 'hh_process'].map((n) => this.child(n, new Conv2d(ch, ch, 1, 0, o)));
  }
  forward(x: Tensor): Tensor {
    return fromHaarBands(haarBands(x).map((b, i) => this.procs[i].forward(b)));
  }
}

class DualDomainBlock extends Module {
  private readonly spatial: ConvBlock;
  private readonly dct: DCTBranch;
  private readonly dwt: DWTBranch;
  private readonly fusion: Conv2d;
  constructor(ch: number, o: InitOptions) {
    super();
    this.spatial = this.child('spatial_branch', new ConvBlock(ch, ch, o));
    this.dct = this.child('dct_branch', new DCTBranch(ch, o));
    this.dwt = this.child('dwt_branch', new DWTBranch(ch, o));
    this.fusion = this.child('fusion', new Conv2d(ch * 3, ch, 1, 0, o));
  }
  forward(x: Tensor): Tensor {
    return add(x, this.fusion.forward(concat([this.spatial.forward(x), this.dct.forward(x), this.dwt.forward(x)], 1)));
  }
}

/** Activations the golden case records, for debugging a mismatch layer by layer. */
export type Activations = Record<string, Tensor>;

export class DualDomainUNet extends Module {
  readonly config: UNetConfig;
  private readonly t1: Linear;
  private readonly t3: Linear;
  private readonly inc: ConvBlock;
  private readonly down1: DualDomainBlock;
  private readonly down2: DualDomainBlock;
  private readonly bot: DualDomainBlock;
  private readonly up1: Conv2d;
  private readonly dec1: DualDomainBlock;
  private readonly up2: Conv2d;
  private readonly dec2: DualDomainBlock;
  private readonly outc: Conv2d;

  constructor(config: Partial<UNetConfig>, o: InitOptions) {
    super();
    const cfg = (this.config = { ...defaultUNetConfig, ...config });
    const c = cfg.baseChannels;
    if (!Number.isInteger(c) || c < 1 || !Number.isInteger(cfg.inChannels) || cfg.inChannels < 1) throw new Error(`DualDomainUNet: invalid widths ${JSON.stringify(cfg)}`);
    // Creation order matches PyTorch's, so a seed gives the same draw order for every tensor.
    this.t1 = new Linear(cfg.timeDim, cfg.timeDim * 4, o);
    this.t3 = new Linear(cfg.timeDim * 4, c, o);
    this.child('time_mlp', new Sequential([null, this.t1, null, this.t3]));
    this.inc = this.child('inc', new ConvBlock(cfg.inChannels, c, o));
    this.down1 = new DualDomainBlock(c, o);
    this.child('down1', new Sequential([null, this.down1]));
    this.down2 = new DualDomainBlock(c, o);
    this.child('down2', new Sequential([null, this.down2]));
    this.bot = this.child('bot', new DualDomainBlock(c, o));
    this.up1 = new Conv2d(c, c, 1, 0, o);
    this.child('up1', new Sequential([null, this.up1]));
    this.dec1 = this.child('dec1', new DualDomainBlock(c * 2, o));
    this.up2 = new Conv2d(c * 2, c, 1, 0, o);
    this.child('up2', new Sequential([null, this.up2]));
    this.dec2 = this.child('dec2', new DualDomainBlock(c * 2, o));
    this.outc = this.child('outc', new Conv2d(c * 2, 3, 1, 0, o));
  }

  /** Predicted residual for x_t [B,3,H,W], y0_aug [B,inChannels-3,H,W] and timesteps t [B]. */
  forward(xt: Tensor, y0Aug: Tensor, t: Tensor, acts?: Activations): Tensor {
    const [B, , H, W] = xt.shape;
    if (xt.rank !== 4 || y0Aug.rank !== 4 || y0Aug.shape[0] !== B || y0Aug.shape[2] !== H || y0Aug.shape[3] !== W) {
      throw new Error(`DualDomainUNet: x_t ${shapeStr(xt.shape)} and y0_aug ${shapeStr(y0Aug.shape)} must be [B,C,H,W] of one size`);
    }
    if (xt.shape[1] + y0Aug.shape[1] !== this.config.inChannels) {
      throw new Error(`DualDomainUNet: ${xt.shape[1]} + ${y0Aug.shape[1]} input channels, model expects ${this.config.inChannels}`);
    }
    if (H % 8 || W % 8) throw new Error(`DualDomainUNet: H and W must be multiples of 8 (two poolings, then the Haar transform), got ${H}x${W}`);
    if (t.rank !== 1 || t.shape[0] !== B) throw new Error(`DualDomainUNet: t ${shapeStr(t.shape)} must be [${B}]`);
    const c = this.config.baseChannels;
    const tEmb = this.t3.forward(gelu(this.t1.forward(sinusoidalTimeEmbedding(t, this.config.timeDim))));
    const x1 = add(this.inc.forward(concat([xt, y0Aug], 1)), reshape(tEmb, [B, c, 1, 1]));
    const x2 = this.down1.forward(maxPool2d(x1, 2));
    const x3 = this.down2.forward(maxPool2d(x2, 2));
    const xb = this.bot.forward(x3);
    const u1 = this.up1.forward(interpolateBilinear(xb, { scaleFactor: 2, alignCorners: true }));
    const d1 = this.dec1.forward(concat([u1, x2], 1));
    const u2 = this.up2.forward(interpolateBilinear(d1, { scaleFactor: 2, alignCorners: true }));
    const d2 = this.dec2.forward(concat([u2, x1], 1));
    if (acts) Object.assign(acts, { t_emb: tEmb, x1, x2, x3, x_bot: xb, up1: u1, dec1: d1, up2: u2, dec2: d2 });
    return this.outc.forward(d2);
  }
}
