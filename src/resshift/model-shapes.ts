import type { NamedArray } from '../nn/module.js';
import { shapeStr } from '../tensor/shape.js';
import type { UNetConfig } from './model.js';

// The DualDomainUNet's state dict (names and shapes) computed from its settings without
// allocating anything. Settings read from a file (checkpoint metadata, golden-case arguments) are
// checked against the tensors the file actually holds before a model is built from them: the
// settings alone may ask for gigabytes (baseChannels 3000 is 4.4 GB of parameters) while the
// file holds 1.6 MB. test/resshift/model-shapes.test.ts keeps this in step with model.ts.

/**
 * Sanity bounds on the widths. The reference model has 31 input channels, 64 base channels and
 * a 128-wide time embedding; 4096 base channels is already ~10^10 parameters.
 */
export const UNET_BOUNDS = Object.freeze({ maxChannels: 4096, maxTimeDim: 65536 });

const KEYS: readonly (keyof UNetConfig)[] = ['inChannels', 'baseChannels', 'timeDim'];

/** Checks model settings read from a file (all three widths, sane integers) and returns them. */
export function checkUNetConfig(v: unknown): UNetConfig {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error(`model settings must be an object, got ${JSON.stringify(v)}`);
  const o = v as Record<string, unknown>;
  const unknown = Object.keys(o).filter((k) => !(KEYS as readonly string[]).includes(k));
  if (unknown.length) throw new Error(`model settings: unknown ${unknown.join(', ')}`);
  const int = (k: keyof UNetConfig, lo: number, hi: number) => {
    const x = o[k];
    if (typeof x !== 'number' || !Number.isInteger(x) || x < lo || x > hi) throw new Error(`model.${k} must be an integer in ${lo}..${hi}, got ${JSON.stringify(x)}`);
    return x;
  };
  const cfg = { inChannels: int('inChannels', 1, UNET_BOUNDS.maxChannels), baseChannels: int('baseChannels', 1, UNET_BOUNDS.maxChannels), timeDim: int('timeDim', 4, UNET_BOUNDS.maxTimeDim) };
  // the sinusoidal embedding is half sines, half cosines
  if (cfg.timeDim % 2) throw new Error(`model.timeDim must be even, got ${cfg.timeDim}`);
  return cfg;
}

/** Names and shapes of the state dict of `new DualDomainUNet(cfg)`, in state_dict order. */
export function unetStateShapes(cfg: UNetConfig): [string, number[]][] {
  const out: [string, number[]][] = [];
  const conv = (name: string, cin: number, cout: number, k: number) => out.push([`${name}.weight`, [cout, cin, k, k]], [`${name}.bias`, [cout]]);
  const linear = (name: string, fin: number, fout: number) => out.push([`${name}.weight`, [fout, fin]], [`${name}.bias`, [fout]]);
  const block = (name: string, ch: number) => {
    conv(`${name}.spatial_branch.conv.0`, ch, ch, 3);
    conv(`${name}.spatial_branch.conv.2`, ch, ch, 3);
    conv(`${name}.dct_branch.process.0`, ch, ch, 1);
    conv(`${name}.dct_branch.process.2`, ch, ch, 1);
    for (const [child, p] of [['dwt', 'h'], ['idwt', 'g']]) {
      for (const f of ['0_col', '1_col', '0_row', '1_row']) out.push([`${name}.dwt_branch.${child}.${p}${f}`, f.endsWith('col') ? [1, 1, 2, 1] : [1, 1, 1, 2]]);
    }
    for (const b of ['ll', 'lh', 'hl', 'hh']) conv(`${name}.dwt_branch.${b}_process`, ch, ch, 1);
    conv(`${name}.fusion`, ch * 3, ch, 1);
  };
  const { inChannels: cin, baseChannels: c, timeDim: td } = cfg;
  linear('time_mlp.1', td, td * 4);
  linear('time_mlp.3', td * 4, c);
  conv('inc.conv.0', cin, c, 3);
  conv('inc.conv.2', c, c, 3);
  block('down1.1', c);
  block('down2.1', c);
  block('bot', c);
  conv('up1.1', c, c, 1);
  block('dec1', c * 2);
  conv('up2.1', c * 2, c, 1);
  block('dec2', c * 2);
  conv('outc', c * 2, 3, 1);
  return out;
}

function list(names: string[]): string {
  return names.length > 6 ? `${names.slice(0, 6).join(', ')} and ${names.length - 6} more` : names.join(', ');
}

/**
 * Throws unless `state` holds exactly the tensors of a model with settings `cfg`: the same
 * one-line message as a strict load (missing, unexpected, wrong shape), but before any model
 * exists, so what a model would allocate is bounded by what the file holds.
 */
export function checkStateFits(cfg: UNetConfig, state: ReadonlyMap<string, NamedArray>): void {
  const want = new Map(unetStateShapes(cfg));
  const same = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);
  const missing = [...want.keys()].filter((k) => !state.has(k));
  const unexpected = [...state.keys()].filter((k) => !want.has(k));
  const wrong = [...want].filter(([k, s]) => state.has(k) && !same(state.get(k)!.shape, s)).map(([k, s]) => `${k} ${shapeStr(state.get(k)!.shape)} (model ${shapeStr(s)})`);
  const problems = [missing.length && `missing ${list(missing)}`, unexpected.length && `unexpected ${list(unexpected)}`, wrong.length && `wrong shape ${list(wrong)}`].filter(Boolean);
  if (problems.length) throw new Error(`state dict does not fit the model: ${problems.join('; ')}`);
}
