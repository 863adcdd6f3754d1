/**
 * A minimal, bounded zip reader: enough for the archives torch.save writes (stored entries,
 * optionally zip64 records) and for deflated entries when the caller supplies an inflater.
 * Every offset and size read from the file is checked against the file's length before use,
 * and every entry's CRC-32 is verified, so a truncated or corrupt archive fails loudly.
 *
 * Plain ECMAScript: the inflater is injected (node:zlib in the CLI), so this runs anywhere.
 */

export interface ZipEntry {
  name: string;
  /** 0 stored, 8 deflate. */
  method: number;
  compressedSize: number;
  size: number;
  crc32: number;
  /** Offset of the entry's local header in the file. */
  localOffset: number;
}

/** Inflates raw deflate data; must throw rather than produce more than `maxSize` bytes. */
export type InflateRaw = (data: Uint8Array, maxSize: number) => Uint8Array;

export class ZipError extends Error {}

const SIG_EOCD = 0x06054b50;
const SIG_ZIP64_LOCATOR = 0x07064b50;
const SIG_ZIP64_EOCD = 0x06064b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_LOCAL = 0x04034b50;
const EOCD_SIZE = 22;
const MAX_COMMENT = 0xffff;
const CENTRAL_SIZE = 46;
const LOCAL_SIZE = 30;
/** Deflate cannot expand data by more than about 1032:1; a larger declared ratio is a lie. */
const MAX_DEFLATE_RATIO = 1032;
/** Larger entries than this are refused: a JS typed array cannot hold them anyway. */
export const MAX_ENTRY_BYTES = 2 ** 31 - 1;

function fail(msg: string): never {
  throw new ZipError(`zip: ${msg}`);
}

let crcTable: Uint32Array | null = null;

/** CRC-32 (IEEE 802.3, as zip uses). */
export function crc32(data: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = crcTable[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

class Reader {
  private readonly dv: DataView;
  constructor(readonly bytes: Uint8Array) {
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  need(at: number, n: number, what: string): void {
    if (!(at >= 0 && at + n <= this.bytes.length)) fail(`${what} at byte ${at} runs past the end of the ${this.bytes.length}-byte file`);
  }
  u16(at: number): number {
    return this.dv.getUint16(at, true);
  }
  u32(at: number): number {
    return this.dv.getUint32(at, true);
  }
  u64(at: number, what: string): number {
    const v = this.dv.getUint32(at + 4, true) * 2 ** 32 + this.dv.getUint32(at, true);
    if (!Number.isSafeInteger(v)) fail(`${what} ${v} is absurd`);
    return v;
  }
}

function findEocd(r: Reader): number {
  const b = r.bytes;
  if (b.length < EOCD_SIZE) fail(`file is ${b.length} bytes, too short for a zip archive`);
  const stop = Math.max(0, b.length - EOCD_SIZE - MAX_COMMENT);
  for (let at = b.length - EOCD_SIZE; at >= stop; at--) {
    // the comment must end exactly at the end of the file, which rules out a signature inside it
    if (r.u32(at) === SIG_EOCD && at + EOCD_SIZE + r.u16(at + 20) === b.length) return at;
  }
  fail('no end-of-central-directory record (not a zip archive, or truncated)');
}

interface Directory {
  count: number;
  size: number;
  offset: number;
}

function readDirectory(r: Reader): Directory {
  const eocd = findEocd(r);
  if (r.u16(eocd + 4) !== 0 || r.u16(eocd + 6) !== 0) fail('multi-disk archives are not supported');
  let count = r.u16(eocd + 10);
  let size = r.u32(eocd + 12);
  let offset = r.u32(eocd + 16);
  if (count === 0xffff || size === 0xffffffff || offset === 0xffffffff) {
    const loc = eocd - 20;
    r.need(loc, 20, 'zip64 end-of-central-directory locator');
    if (r.u32(loc) !== SIG_ZIP64_LOCATOR) fail('zip64 sizes without a zip64 end-of-central-directory locator');
    const at = r.u64(loc + 8, 'zip64 record offset');
    r.need(at, 56, 'zip64 end-of-central-directory record');
    if (r.u32(at) !== SIG_ZIP64_EOCD) fail('zip64 end-of-central-directory record has a bad signature');
    count = r.u64(at + 32, 'entry count');
    size = r.u64(at + 40, 'central directory size');
    offset = r.u64(at + 48, 'central directory offset');
  }
  r.need(offset, size, 'central directory');
  if (count > size / CENTRAL_SIZE) fail(`central directory of ${size} bytes cannot hold ${count} entries`);
  return { count, size, offset };
}

/** Zip64 extended information: the 64-bit values of the fields that hold 0xffffffff. */
function applyZip64(r: Reader, extraAt: number, extraLen: number, e: { size: number; compressedSize: number; localOffset: number }): void {
  const want = [e.size === 0xffffffff, e.compressedSize === 0xffffffff, e.localOffset === 0xffffffff];
  if (!want.some(Boolean)) return;
  for (let p = extraAt; p + 4 <= extraAt + extraLen; ) {
    const id = r.u16(p);
    const len = r.u16(p + 2);
    if (p + 4 + len > extraAt + extraLen) break;
    if (id === 0x0001) {
      let q = p + 4;
      const take = (what: string): number => {
        if (q + 8 > p + 4 + len) fail(`zip64 extra field too short for the ${what}`);
        const v = r.u64(q, what);
        q += 8;
        return v;
      };
      if (want[0]) e.size = take('size');
      if (want[1]) e.compressedSize = take('compressed size');
      if (want[2]) e.localOffset = take('local header offset');
      return;
    }
    p += 4 + len;
  }
  fail('entry declares zip64 sizes but has no zip64 extra field');
}

/** The entries of a zip archive, from its central directory. */
export function listZip(bytes: Uint8Array): ZipEntry[] {
  const r = new Reader(bytes);
  const dir = readDirectory(r);
  const entries: ZipEntry[] = [];
  const seen = new Set<string>();
  let p = dir.offset;
  const end = dir.offset + dir.size;
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  for (let i = 0; i < dir.count; i++) {
    if (p + CENTRAL_SIZE > end) fail(`central directory ends inside entry ${i}`);
    if (r.u32(p) !== SIG_CENTRAL) fail(`central directory entry ${i} has a bad signature`);
    const flags = r.u16(p + 8);
    const method = r.u16(p + 10);
    const nameLen = r.u16(p + 28);
    const extraLen = r.u16(p + 30);
    const commentLen = r.u16(p + 32);
    if (p + CENTRAL_SIZE + nameLen + extraLen + commentLen > end) fail(`central directory entry ${i} runs past the directory`);
    let name: string;
    try {
      name = utf8.decode(bytes.subarray(p + CENTRAL_SIZE, p + CENTRAL_SIZE + nameLen));
    } catch {
      fail(`entry ${i} has a name that is not UTF-8`);
    }
    if (flags & 1) fail(`entry '${name}' is encrypted`);
    const e: ZipEntry = { name, method, crc32: r.u32(p + 16), compressedSize: r.u32(p + 20), size: r.u32(p + 24), localOffset: r.u32(p + 42) };
    applyZip64(r, p + CENTRAL_SIZE + nameLen, extraLen, e);
    if (seen.has(name)) fail(`entry '${name}' appears twice`);
    seen.add(name);
    entries.push(e);
    p += CENTRAL_SIZE + nameLen + extraLen + commentLen;
  }
  return entries;
}

/** The uncompressed bytes of one entry (a view into `bytes` for stored entries), CRC checked. */
export function readZipEntry(bytes: Uint8Array, e: ZipEntry, inflate?: InflateRaw): Uint8Array {
  const r = new Reader(bytes);
  r.need(e.localOffset, LOCAL_SIZE, `local header of '${e.name}'`);
  if (r.u32(e.localOffset) !== SIG_LOCAL) fail(`local header of '${e.name}' has a bad signature`);
  // the local name and extra field lengths may differ from the central ones (torch pads data
  // to 64-byte alignment with a local extra field), so the data offset comes from here
  const start = e.localOffset + LOCAL_SIZE + r.u16(e.localOffset + 26) + r.u16(e.localOffset + 28);
  r.need(start, e.compressedSize, `data of '${e.name}' (${e.compressedSize} bytes)`);
  const raw = bytes.subarray(start, start + e.compressedSize);
  let out: Uint8Array;
  if (e.method === 0) {
    if (e.size !== e.compressedSize) fail(`stored entry '${e.name}' declares ${e.size} bytes but holds ${e.compressedSize}`);
    out = raw;
  } else if (e.method === 8) {
    if (!inflate) fail(`entry '${e.name}' is deflated and no inflater is available here`);
    if (e.size > MAX_ENTRY_BYTES || e.size > MAX_DEFLATE_RATIO * e.compressedSize + 64) {
      fail(`deflated entry '${e.name}' declares an absurd size (${e.size} bytes from ${e.compressedSize})`);
    }
    try {
      out = inflate(raw, e.size);
    } catch (err) {
      fail(`entry '${e.name}' does not inflate to its declared ${e.size} bytes (${(err as Error).message.split('\n')[0]})`);
    }
    if (out.length !== e.size) fail(`entry '${e.name}' inflates to ${out.length} bytes, not the declared ${e.size}`);
  } else {
    fail(`entry '${e.name}' uses compression method ${e.method} (only stored and deflate are supported)`);
  }
  if (crc32(out) !== e.crc32) fail(`entry '${e.name}' fails its CRC-32 check (corrupt archive)`);
  return out;
}
