import type { Tensor } from '../tensor/index.js';
import type { CaseContext } from './context.js';

/** A float32 tensor as stored in a case file. */
export interface HostTensor {
  shape: number[];
  data: Float32Array;
}

/** One parsed case file. */
export interface GoldenCase {
  /** `__metadata__.case` (the file's stem in the shared set). */
  name: string;
  op: string;
  args: Record<string, unknown>;
  metadata: Record<string, string>;
  tensors: Map<string, HostTensor>;
}

export type GoldenStatus = 'ok' | 'unsupported' | 'error';

export interface GoldenRunResult {
  case: string;
  op: string;
  status: GoldenStatus;
  reason?: string;
  /** Every tensor the runner computed, under the case's names. Empty unless status is 'ok'. */
  outputs: Map<string, HostTensor>;
}

/** Element e of a tensor passes when |a - e| <= atol + rtol * max|expected| (max over the tensor). */
export interface Tolerance {
  atol: number;
  rtol: number;
  /** Where the numbers come from. */
  why: string;
}

/** What a handler hands back: engine tensors (read back by the runner) or host values. */
export type CaseOutputs = Map<string, Tensor | HostTensor>;

/**
 * Computes one family of ops. A handler sees only the given tensors of a case (CASES.md), never
 * the expected ones, and reads every size and setting from the case's arguments and shapes.
 */
export interface GoldenHandler {
  /** The `__metadata__.op` values it computes. */
  readonly ops: readonly string[];
  /** Whether a tensor of the case is an input; every other tensor is an expected result. */
  isGiven(name: string, op: string): boolean;
  /** Expected tensors that are debugging aids: not computing them is not a failure. */
  isOptional?(name: string, op: string): boolean;
  /** Tolerance for one expected tensor; the single-op default when absent. */
  tolerance?(name: string, op: string): Tolerance;
  /**
   * Runs synchronously inside a scope: tensors it creates and does not return are freed.
   * Throws UnsupportedCase for arguments it does not implement.
   */
  run(ctx: CaseContext): CaseOutputs;
}

/** Thrown by a handler for a valid case it does not implement (reported, never a pass). */
export class UnsupportedCase extends Error {
  override name = 'UnsupportedCase';
}

/** A file that is not a readable golden case (bad safetensors, no op, bad args). */
export class GoldenFormatError extends Error {
  override name = 'GoldenFormatError';
}
