/**
 * Reads a checkpoint written by torch.save (the zip format of PyTorch >= 1.6) without running
 * anything: the archive's `<prefix>/data.pkl` goes through the restricted unpickler, and each
 * tensor is copied out of `<prefix>/data/<key>` with its offset, shape and strides. Float32
 * tensors are kept bit-exact; float16, bfloat16 and float64 are converted to float32.
 *
 * Accepted contents: a state dict (a dict of tensors, as `torch.save(model.state_dict(), p)`
 * writes), or a dict holding one under 'model' (or 'model_state_dict' / 'state_dict', or a key
 * the caller names) beside anything else plain (optimizer state, epoch, ...), which is skipped.
 */
import type { NamedArray } from '../nn/module.js';
import { PyDict, PyTuple, TensorRef, unpickle, type PyValue } from './pickle.js';
import { listZip, readZipEntry, type InflateRaw, type ZipEntry } from './zip.js';

export class TorchCheckpointError extends Error {}

export const MODEL_KEYS = ['model', 'model_state_dict', 'state_dict'] as const;

export interface TorchStateDict {
  /** The tensors, in the file's order, as float32, each with the storage type it came from. */
  tensors: Map<string, TorchTensor>;
  /** Top-level key the state dict came from; null when the file is the state dict itself. */
  key: string | null;
  /** Other top-level entries, skipped (e.g. optimizer, epoch). */
  skipped: string[];
  /** Plain numbers among the other top-level entries (e.g. epoch), for the report. */
  numbers: Record<string, number>;
  /** Storage element types converted to float32 (e.g. HalfStorage), if any. */
  converted: string[];
}

export interface TorchTensor extends NamedArray {
  data: Float32Array;
  /** e.g. 'FloatStorage', 'HalfStorage'. */
  storageKind: string;
}

export interface ReadTorchOptions {
  /** Top-level key holding the model's state dict, when the file is a dict of several things. */
  key?: string;
  inflate?: InflateRaw;
}

function fail(msg: string): never {
  throw new TorchCheckpointError(msg);
}

const PICKLE_PROTO = 0x80;
const ZIP_MAGIC = [0x50, 0x4b, 0x03, 0x04];
const MAX_ELEMENTS = 2 ** 30;
const FLOAT_KINDS: Record<string, number> = { FloatStorage: 4, DoubleStorage: 8, HalfStorage: 2, BFloat16Storage: 2 };

function startsWith(b: Uint8Array, sig: number[]): boolean {
  return sig.every((x, i) => b[i] === x);
}

/** Finds `<prefix>/data.pkl` and refuses archives that are not plain torch.save output. */
function findRecords(entries: ZipEntry[]): { prefix: string; byName: Map<string, ZipEntry> } {
  const byName = new Map(entries.map((e) => [e.name, e]));
  const pkls = entries.filter((e) => /^[^/]+\/data\.pkl$/.test(e.name));
  if (entries.some((e) => /^[^/]+\/constants\.pkl$/.test(e.name) || /^[^/]+\/code\//.test(e.name))) {
    fail('is a TorchScript archive (torch.jit.save); save the weights with torch.save(model.state_dict(), path) instead');
  }
  if (pkls.length === 0) fail('is a zip archive without a <name>/data.pkl record, so not a torch.save checkpoint');
  if (pkls.length > 1) fail(`holds ${pkls.length} data.pkl records (${pkls.map((e) => e.name).join(', ')}); expected one`);
  return { prefix: pkls[0].name.slice(0, -'data.pkl'.length), byName };
}

function isTensorDict(v: PyValue): v is PyDict {
  return v instanceof PyDict && v.map.size > 0 && [...v.map].every(([k, x]) => typeof k === 'string' && x instanceof TensorRef);
}

function kindOf(v: PyValue): string {
  if (v === null) return 'None';
  if (Array.isArray(v)) return 'a list';
  if (v instanceof PyTuple) return 'a tuple';
  if (v instanceof PyDict) return 'a dict';
  if (v instanceof TensorRef) return 'a single tensor';
  return `a ${typeof v}`;
}

function keyList(d: PyDict): string {
  const keys = [...d.map.keys()].map((k) => (typeof k === 'string' ? `'${k}'` : String(k)));
  return keys.length > 8 ? `${keys.slice(0, 8).join(', ')} and ${keys.length - 8} more` : keys.join(', ');
}

function pickStateDict(top: PyValue, key: string | undefined): { dict: PyDict; key: string | null } {
  if (key !== undefined) {
    if (!(top instanceof PyDict)) fail(`holds ${kindOf(top)}, so there is no key '${key}'`);
    if (!top.map.has(key)) fail(`has no key '${key}' (its keys: ${keyList(top)})`);
    const v = top.map.get(key)!;
    if (!isTensorDict(v)) fail(`'${key}' holds ${kindOf(v)} that is not a state dict (a dict of tensors)`);
    return { dict: v, key };
  }
  if (isTensorDict(top)) return { dict: top, key: null };
  if (!(top instanceof PyDict)) fail(`holds ${kindOf(top)}, not a state dict`);
  for (const k of MODEL_KEYS) {
    const v = top.map.get(k);
    if (v !== undefined && isTensorDict(v)) return { dict: v, key: k };
  }
  const mixed = [...top.map.values()].some((x) => x instanceof TensorRef);
  fail(
    mixed
      ? `holds a dict that mixes tensors with other values (keys: ${keyList(top)}), not a state dict`
      : `holds a dict without a model state dict under ${MODEL_KEYS.map((k) => `'${k}'`).join(', ')} (its keys: ${keyList(top)}); name the key with --key`,
  );
}

function elementOf(kind: string, bytes: Uint8Array): (i: number) => number {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const f16 = new Float32Array(1);
  const f16u = new Uint32Array(f16.buffer);
  switch (kind) {
    case 'FloatStorage':
      return (i) => dv.getFloat32(4 * i, true);
    case 'DoubleStorage':
      return (i) => dv.getFloat64(8 * i, true);
    case 'BFloat16Storage':
      return (i) => {
        f16u[0] = dv.getUint16(2 * i, true) << 16;
        return f16[0];
      };
    case 'HalfStorage':
      return (i) => halfToFloat(dv.getUint16(2 * i, true));
    default:
      fail(`internal: no decoder for ${kind}`);
  }
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >>> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

function materialize(name: string, t: TensorRef, storage: Uint8Array): Float32Array {
  const size = FLOAT_KINDS[t.storage.kind];
  if (storage.length !== t.storage.numel * size) {
    fail(`tensor '${name}': its storage record holds ${storage.length} bytes, but ${t.storage.numel} ${t.storage.kind} elements need ${t.storage.numel * size}`);
  }
  let numel = 1;
  let last = t.offset;
  for (let d = 0; d < t.shape.length; d++) {
    numel *= t.shape[d];
    if (t.shape[d] > 0) last += (t.shape[d] - 1) * t.stride[d];
  }
  // zero strides let a tiny storage declare a huge view; refuse sizes no model has
  if (numel > MAX_ELEMENTS) fail(`tensor '${name}' declares ${numel} elements, more than this reader accepts (${MAX_ELEMENTS})`);
  if (numel > 0 && last >= t.storage.numel) fail(`tensor '${name}' [${t.shape.join(', ')}] reaches element ${last} of a storage of ${t.storage.numel}`);
  const out = new Float32Array(numel);
  if (numel === 0) return out;
  const get = elementOf(t.storage.kind, storage);
  // walk the strided view in row-major order with an index counter (any rank, no recursion)
  const rank = t.shape.length;
  const idx = new Array<number>(rank).fill(0);
  let src = t.offset;
  for (let i = 0; i < numel; i++) {
    out[i] = get(src);
    for (let d = rank - 1; d >= 0; d--) {
      if (++idx[d] < t.shape[d]) {
        src += t.stride[d];
        break;
      }
      src -= (t.shape[d] - 1) * t.stride[d];
      idx[d] = 0;
    }
  }
  return out;
}

/** Reads the model state dict of a torch.save checkpoint; errors are one line, not prefixed. */
export function readTorchCheckpoint(bytes: Uint8Array, opts: ReadTorchOptions = {}): TorchStateDict {
  if (bytes.length === 0) fail('is empty');
  if (bytes[0] === PICKLE_PROTO) {
    fail('is in the legacy PyTorch format (torch < 1.6, or _use_new_zipfile_serialization=False), which is not supported; re-save it with a current torch.save');
  }
  if (!startsWith(bytes, ZIP_MAGIC)) fail('is not a PyTorch checkpoint (torch.save writes a zip archive)');
  const entries = listZip(bytes);
  const { prefix, byName } = findRecords(entries);
  const order = byName.get(`${prefix}byteorder`);
  if (order) {
    const v = new TextDecoder().decode(readZipEntry(bytes, order, opts.inflate)).trim();
    if (v !== 'little') fail(`was written with byte order '${v}'; only little-endian checkpoints are supported`);
  }
  const top = unpickle(readZipEntry(bytes, byName.get(`${prefix}data.pkl`)!, opts.inflate));
  const { dict, key } = pickStateDict(top, opts.key);
  const tensors: TorchStateDict['tensors'] = new Map();
  const converted = new Set<string>();
  const storages = new Map<string, Uint8Array>();
  for (const [k, v] of dict.map) {
    const name = k as string;
    const t = v as TensorRef;
    if (!Object.hasOwn(FLOAT_KINDS, t.storage.kind)) fail(`tensor '${name}' holds ${t.storage.kind} elements; only floating-point tensors can be model weights`);
    if (t.storage.kind !== 'FloatStorage') converted.add(t.storage.kind);
    let storage = storages.get(t.storage.key);
    if (!storage) {
      const rec = byName.get(`${prefix}data/${t.storage.key}`);
      if (!rec) fail(`tensor '${name}': storage record ${prefix}data/${t.storage.key} is missing from the archive`);
      storage = readZipEntry(bytes, rec, opts.inflate);
      storages.set(t.storage.key, storage);
    }
    tensors.set(name, { shape: t.shape.slice(), data: materialize(name, t, storage), storageKind: t.storage.kind });
  }
  const skipped: string[] = [];
  const numbers: Record<string, number> = {};
  if (key !== null && top instanceof PyDict) {
    for (const [k, v] of top.map) {
      if (k === key) continue;
      skipped.push(String(k));
      if (typeof v === 'number' && Number.isFinite(v)) numbers[String(k)] = v;
    }
  }
  return { tensors, key, skipped, numbers, converted: [...converted] };
}
