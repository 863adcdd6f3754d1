import { handlerFor } from './registry.js';
import { SINGLE_OP } from './tolerance.js';
import type { HostTensor, Tolerance } from './types.js';

export interface TensorCheck {
  name: string;
  /** max |computed - expected|; Infinity when missing, mismatched or NaN. */
  maxAbs: number;
  /** maxAbs / max|expected| (maxAbs itself when the expected tensor is all zeros). */
  maxRel: number;
  /**
   * The error each finite element may have: atol + rtol * max|expected| over the finite expected
   * values. Non-finite expected values (Inf, NaN) must be matched exactly.
   */
  allowed: number;
  tolerance: Tolerance;
  pass: boolean;
  reason?: string;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function compare(name: string, got: HostTensor | undefined, want: HostTensor, tol: Tolerance): TensorCheck {
  // an Inf (or NaN) expected value would make every error allowed: only finite ones set the scale
  let scale = 0;
  for (const v of want.data) if (Number.isFinite(v)) scale = Math.max(scale, Math.abs(v));
  const allowed = tol.atol + tol.rtol * scale;
  const base = { name, allowed, tolerance: tol };
  if (!got) return { ...base, maxAbs: Infinity, maxRel: Infinity, pass: false, reason: 'not computed' };
  if (!sameShape(got.shape, want.shape)) {
    return { ...base, maxAbs: Infinity, maxRel: Infinity, pass: false, reason: `shape [${got.shape}] instead of [${want.shape}]` };
  }
  let maxAbs = 0;
  let bad = 0;
  for (let i = 0; i < want.data.length; i++) {
    const e = want.data[i];
    const a = got.data[i];
    // equal infinities (and NaN for NaN) agree; any other non-finite difference is Infinity or
    // NaN and fails, so a non-finite expected value is matched exactly
    const d = a === e || (a !== a && e !== e) ? 0 : Math.abs(a - e);
    if (!(d <= allowed)) bad++;
    if (!(d <= maxAbs)) maxAbs = d !== d ? Infinity : d;
  }
  const maxRel = scale > 0 ? maxAbs / scale : maxAbs;
  return { ...base, maxAbs, maxRel, pass: bad === 0, ...(bad ? { reason: `${bad} of ${want.data.length} elements off` } : {}) };
}

/**
 * Compares the runner's outputs with a case's expected tensors. `expected` may be the whole case
 * (given tensors are skipped); a required tensor the runner did not compute fails, an optional
 * one is skipped, and computed tensors the case does not hold are ignored.
 */
export function checkGoldenCase(expected: ReadonlyMap<string, HostTensor>, computed: ReadonlyMap<string, HostTensor>, op: string): TensorCheck[] {
  const h = handlerFor(op);
  const out: TensorCheck[] = [];
  for (const [name, want] of expected) {
    if (h?.isGiven(name, op)) continue;
    const got = computed.get(name);
    if (!got && h?.isOptional?.(name, op)) continue;
    out.push(compare(name, got, want, h?.tolerance?.(name, op) ?? SINGLE_OP));
  }
  return out;
}

/** A case passes when at least one tensor was compared and every comparison passed. */
export function casePassed(checks: readonly TensorCheck[]): boolean {
  return checks.length > 0 && checks.every((c) => c.pass);
}

/** The check closest to (or furthest past) its tolerance: the line a report shows. */
export function worstCheck(checks: readonly TensorCheck[]): TensorCheck | undefined {
  let worst: TensorCheck | undefined;
  let ratio = -1;
  for (const c of checks) {
    const r = c.allowed > 0 ? c.maxAbs / c.allowed : c.maxAbs > 0 ? Infinity : 0;
    if (r > ratio || (!c.pass && worst?.pass)) {
      worst = c;
      ratio = r;
    }
  }
  return worst;
}
