/**
 * safetensors reader/writer (https://github.com/huggingface/safetensors):
 * u64-LE header length N, N bytes of UTF-8 JSON, then little-endian data with
 * offsets relative to the end of the header.
 *
 * Uses only ECMAScript + TextEncoder/TextDecoder so it runs in browsers and
 * Deno as well as Node. Parsing is strict: a checkpoint that loads but is
 * silently misread is worse than one that fails loudly.
 */

export type SafetensorsDType = 'F32' | 'F64' | 'F16' | 'BF16';

export interface SafetensorsTensor {
  dtype: SafetensorsDType;
  shape: number[];
  data: Float32Array | Float64Array;
}

export interface SafetensorsFile {
  tensors: Map<string, SafetensorsTensor>;
  metadata: Record<string, string>;
}

export interface SafetensorsInput {
  shape: number[];
  data: Float32Array | Float64Array;
}

const MAX_HEADER_BYTES = 100 * 1024 * 1024;
const ITEM_SIZE: Record<SafetensorsDType, number> = { F32: 4, F64: 8, F16: 2, BF16: 2 };
// Recognised by the format but not decodable into float arrays here.
const OTHER_DTYPES = new Set(['BOOL', 'U8', 'I8', 'I16', 'U16', 'I32', 'U32', 'I64', 'U64', 'F8_E4M3', 'F8_E5M2', 'F8_E8M0', 'F4', 'F6_E2M3', 'F6_E3M2', 'C64']);
const ENTRY_KEYS = new Set(['dtype', 'shape', 'data_offsets']);
const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function fail(msg: string): never {
  throw new Error(`safetensors: ${msg}`);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isDim(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function numelOf(shape: number[], where: string): number {
  let n = 1;
  for (const d of shape) n *= d;
  if (!Number.isSafeInteger(n)) fail(`${where}: shape [${shape.join(', ')}] has too many elements`);
  return n;
}

interface Entry {
  name: string;
  dtype: SafetensorsDType;
  shape: number[];
  begin: number;
  end: number;
}

function parseEntry(name: string, v: unknown): Entry {
  const where = `tensor '${name}'`;
  if (!isPlainObject(v)) fail(`${where}: header entry is not an object`);
  for (const k of Object.keys(v)) if (!ENTRY_KEYS.has(k)) fail(`${where}: unexpected header field '${k}'`);
  const { dtype, shape, data_offsets: offs } = v;
  if (typeof dtype !== 'string') fail(`${where}: missing or non-string dtype`);
  if (!Object.hasOwn(ITEM_SIZE, dtype)) {
    const known = OTHER_DTYPES.has(dtype) ? 'unsupported' : 'unknown';
    fail(`${where}: ${known} dtype '${dtype}' (supported: F32, F64, F16, BF16)`);
  }
  if (!Array.isArray(shape)) fail(`${where}: missing or non-array shape`);
  if (!shape.every(isDim)) fail(`${where}: shape ${JSON.stringify(shape)} must hold non-negative integers`);
  if (!Array.isArray(offs) || offs.length !== 2 || !offs.every(isDim)) {
    fail(`${where}: data_offsets ${JSON.stringify(offs)} must be [begin, end] non-negative integers`);
  }
  const [begin, end] = offs as [number, number];
  if (end < begin) fail(`${where}: data_offsets [${begin}, ${end}] end before begin`);
  const dt = dtype as SafetensorsDType;
  const want = numelOf(shape, where) * ITEM_SIZE[dt];
  if (end - begin !== want) {
    fail(`${where}: ${end - begin} data bytes but ${dt} shape [${shape.join(', ')}] needs ${want}`);
  }
  return { name, dtype: dt, shape: shape.slice(), begin, end };
}

function parseMetadata(v: unknown): Record<string, string> {
  if (!isPlainObject(v)) fail('__metadata__ is not an object');
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v)) {
    if (typeof val !== 'string') fail(`__metadata__ value for '${k}' is ${val === null ? 'null' : typeof val}, not a string`);
    Object.defineProperty(out, k, { value: val, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

function decode(bytes: Uint8Array, e: Entry): Float32Array | Float64Array {
  const n = (e.end - e.begin) / ITEM_SIZE[e.dtype];
  const src = bytes.subarray(e.begin, e.end);
  if (e.dtype === 'F32' || e.dtype === 'F64') {
    const out = e.dtype === 'F32' ? new Float32Array(n) : new Float64Array(n);
    if (LITTLE_ENDIAN_HOST) {
      // Byte copy: handles unaligned offsets and keeps NaN payloads intact.
      new Uint8Array(out.buffer).set(src);
    } else {
      const dv = new DataView(src.buffer, src.byteOffset, src.byteLength);
      for (let i = 0; i < n; i++) out[i] = e.dtype === 'F32' ? dv.getFloat32(4 * i, true) : dv.getFloat64(8 * i, true);
    }
    return out;
  }
  // Half formats widen exactly to f32; build the f32 bit patterns directly.
  const out = new Float32Array(n);
  const u32 = new Uint32Array(out.buffer);
  for (let i = 0; i < n; i++) {
    const h = src[2 * i]! | (src[2 * i + 1]! << 8);
    u32[i] = e.dtype === 'BF16' ? (h << 16) >>> 0 : halfToFloatBits(h);
  }
  return out;
}

function halfToFloatBits(h: number): number {
  const sign = (h & 0x8000) << 16;
  const exp = (h >>> 10) & 0x1f;
  let mant = h & 0x3ff;
  if (exp === 0x1f) return (sign | 0x7f800000 | (mant << 13)) >>> 0;
  if (exp !== 0) return (sign | ((exp + 112) << 23) | (mant << 13)) >>> 0;
  if (mant === 0) return sign >>> 0;
  // Subnormal half: shift the leading 1 into the implicit-bit position.
  let e = 113;
  while ((mant & 0x400) === 0) {
    mant <<= 1;
    e--;
  }
  return (sign | (e << 23) | ((mant & 0x3ff) << 13)) >>> 0;
}

/**
 * Parses a whole .safetensors file. Tensor data is copied out of `bytes`
 * (never aliased); F16/BF16 widen to Float32Array. The map iterates in
 * data-offset order, i.e. file layout order.
 */
export function parseSafetensors(bytes: Uint8Array): SafetensorsFile {
  if (bytes.length < 8) fail(`file is ${bytes.length} bytes, shorter than the 8-byte header length`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, 8);
  const headerLen = dv.getUint32(4, true) * 4294967296 + dv.getUint32(0, true);
  if (headerLen > MAX_HEADER_BYTES) fail(`header length ${headerLen} exceeds the ${MAX_HEADER_BYTES}-byte limit`);
  if (8 + headerLen > bytes.length) {
    fail(`truncated file: header needs ${8 + headerLen} bytes but file has ${bytes.length}`);
  }
  let header: unknown;
  try {
    const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes.subarray(8, 8 + headerLen));
    header = JSON.parse(text);
  } catch (err) {
    fail(`header is not valid UTF-8 JSON (${(err as Error).message.split('\n')[0]})`);
  }
  if (!isPlainObject(header)) fail('header JSON is not an object');

  let metadata: Record<string, string> = {};
  const entries: Entry[] = [];
  for (const [name, v] of Object.entries(header)) {
    if (name === '__metadata__') metadata = parseMetadata(v);
    else entries.push(parseEntry(name, v));
  }

  // Data must tile [0, dataLen) exactly: no gaps, overlaps or trailing bytes.
  const dataStart = 8 + headerLen;
  const dataLen = bytes.length - dataStart;
  const maxEnd = entries.reduce((m, e) => Math.max(m, e.end), 0);
  if (maxEnd > dataLen) {
    const worst = entries.find((e) => e.end === maxEnd)!;
    fail(`truncated file: tensor '${worst.name}' ends at data byte ${maxEnd}, so the file should be ${dataStart + maxEnd} bytes but it is ${bytes.length}`);
  }
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let pos = 0;
  for (const e of entries) {
    if (e.begin < pos) fail(`tensor '${e.name}' data [${e.begin}, ${e.end}) overlaps the previous tensor (ends at ${pos})`);
    if (e.begin > pos) fail(`gap in data before tensor '${e.name}': bytes [${pos}, ${e.begin}) belong to no tensor`);
    pos = e.end;
  }
  if (pos !== dataLen) fail(`${dataLen - pos} trailing bytes after the last tensor's data (data section is ${dataLen} bytes, tensors cover ${pos})`);

  const data = bytes.subarray(dataStart);
  const tensors = new Map<string, SafetensorsTensor>();
  for (const e of entries) tensors.set(e.name, { dtype: e.dtype, shape: e.shape, data: decode(data, e) });
  return { tensors, metadata };
}

// Python's sort (and the reference writer) orders names by code point; JS's
// default compares UTF-16 units, which differs only beyond the BMP.
function byCodePoint(a: string, b: string): number {
  const ca = Array.from(a, (c) => c.codePointAt(0)!);
  const cb = Array.from(b, (c) => c.codePointAt(0)!);
  for (let i = 0; i < Math.min(ca.length, cb.length); i++) if (ca[i] !== cb[i]) return ca[i]! - cb[i]!;
  return ca.length - cb.length;
}

// Python's json.dumps default (ensure_ascii) escapes everything outside
// printable ASCII; mirroring it makes headers byte-identical to that writer.
function jsonString(s: string): string {
  return JSON.stringify(s).replace(/[^\x20-\x7e]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}

/**
 * Writes a .safetensors file: F32 for Float32Array, F64 for Float64Array,
 * tensors sorted by name and packed back to back, compact JSON header with
 * `__metadata__` first (omitted when empty), padded with spaces to a multiple
 * of 8 bytes. Metadata keys keep their object order (note JS lists
 * integer-like keys first).
 */
export function serializeSafetensors(
  tensors: Iterable<[string, SafetensorsInput]> | Record<string, SafetensorsInput>,
  metadata?: Record<string, string>,
): Uint8Array {
  const list: Array<[string, SafetensorsInput]> =
    typeof (tensors as Partial<Iterable<unknown>>)[Symbol.iterator] === 'function'
      ? Array.from(tensors as Iterable<[string, SafetensorsInput]>)
      : Object.entries(tensors);
  const seen = new Set<string>();
  for (const [name, t] of list) {
    const where = `tensor '${name}'`;
    if (typeof name !== 'string') fail(`tensor name ${String(name)} is not a string`);
    if (name === '__metadata__') fail(`'__metadata__' is reserved and cannot name a tensor`);
    if (seen.has(name)) fail(`${where} given twice`);
    seen.add(name);
    if (!(t.data instanceof Float32Array || t.data instanceof Float64Array)) fail(`${where}: data must be a Float32Array or Float64Array`);
    if (!Array.isArray(t.shape) || !t.shape.every(isDim)) fail(`${where}: shape ${JSON.stringify(t.shape)} must hold non-negative integers`);
    const n = numelOf(t.shape, where);
    if (n !== t.data.length) fail(`${where}: shape [${t.shape.join(', ')}] has ${n} elements but data has ${t.data.length}`);
  }
  list.sort((a, b) => byCodePoint(a[0], b[0]));

  const parts: string[] = [];
  const meta = Object.entries(metadata ?? {});
  if (meta.length > 0) {
    for (const [k, v] of meta) if (typeof v !== 'string') fail(`__metadata__ value for '${k}' is not a string`);
    parts.push(`"__metadata__":{${meta.map(([k, v]) => `${jsonString(k)}:${jsonString(v)}`).join(',')}}`);
  }
  let offset = 0;
  for (const [name, t] of list) {
    const dtype = t.data instanceof Float32Array ? 'F32' : 'F64';
    const end = offset + t.data.byteLength;
    parts.push(`${jsonString(name)}:{"dtype":"${dtype}","shape":[${t.shape.join(',')}],"data_offsets":[${offset},${end}]}`);
    offset = end;
  }
  let header = `{${parts.join(',')}}`;
  header += ' '.repeat((8 - (header.length % 8)) % 8); // ASCII-only, so chars == bytes

  const out = new Uint8Array(8 + header.length + offset);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, header.length % 4294967296, true);
  dv.setUint32(4, Math.floor(header.length / 4294967296), true);
  new TextEncoder().encodeInto(header, out.subarray(8));
  let pos = 8 + header.length;
  for (const [, t] of list) {
    const d = t.data;
    if (LITTLE_ENDIAN_HOST) {
      out.set(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), pos);
    } else {
      for (let i = 0; i < d.length; i++) {
        if (d instanceof Float32Array) dv.setFloat32(pos + 4 * i, d[i]!, true);
        else dv.setFloat64(pos + 8 * i, d[i]!, true);
      }
    }
    pos += d.byteLength;
  }
  return out;
}
