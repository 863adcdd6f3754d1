import { parseSafetensors } from '../nn/safetensors.js';
import { GoldenFormatError, type GoldenCase, type HostTensor } from './types.js';

/** Reads a case file; throws GoldenFormatError when it is not a readable golden case. */
export function parseGoldenCase(bytes: Uint8Array): GoldenCase {
  let file;
  try {
    file = parseSafetensors(bytes);
  } catch (e) {
    throw new GoldenFormatError((e as Error).message);
  }
  const md = file.metadata;
  if (typeof md.op !== 'string' || !md.op) throw new GoldenFormatError('not a golden case: __metadata__ has no op');
  let args: unknown = {};
  if (md.args !== undefined) {
    try {
      args = JSON.parse(md.args);
    } catch (e) {
      throw new GoldenFormatError(`__metadata__.args is not JSON (${(e as Error).message})`);
    }
  }
  if (typeof args !== 'object' || args === null || Array.isArray(args)) throw new GoldenFormatError('__metadata__.args is not a JSON object');
  const tensors = new Map<string, HostTensor>();
  for (const [name, t] of file.tensors) {
    if (t.dtype !== 'F32') throw new GoldenFormatError(`tensor '${name}' is ${t.dtype}; golden cases are F32`);
    tensors.set(name, { shape: t.shape, data: t.data as Float32Array });
  }
  return { name: md.case ?? '', op: md.op, args: args as Record<string, unknown>, metadata: md, tensors };
}
