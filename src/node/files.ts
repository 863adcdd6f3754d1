import { randomBytes } from 'node:crypto';
import { constants, type Stats } from 'node:fs';
import { open, readdir, rename, rm, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Bytes of the target's name kept in a temporary name: enough to tell whose it is. */
const TEMP_NAME_KEEP = 64;

/** The longest start of `name` that fits in `max` UTF-8 bytes, cut between code points. */
function leadingBytes(name: string, max: number): string {
  let out = '';
  let bytes = 0;
  for (const ch of name) {
    bytes += Buffer.byteLength(ch);
    if (bytes > max) break;
    out += ch;
  }
  return out;
}

/**
 * Where writeFileAtomic puts the data before the rename: a hidden file in the target's folder.
 * Its length is bounded (at most about 90 bytes), whatever the target's: a target with a legal
 * 250-byte name must not get a temporary name past the file system's 255-byte limit. Callers
 * that check an output path ahead of a long run create this very name.
 */
export function atomicTempPath(path: string): string {
  return join(dirname(path), `.${leadingBytes(basename(path), TEMP_NAME_KEEP)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/**
 * Writes a file so readers see either the old contents or the complete new ones, never a torn
 * file: the data goes to a temporary file in the same folder (same file system, so the rename is
 * atomic), is flushed to disk, and is then renamed over the target.
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const tmp = atomicTempPath(path);
  const fh = await open(tmp, 'wx');
  try {
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

/** Paths of the files in `dir` (not recursive) whose names end in `ext`, sorted by name. */
export async function listFiles(dir: string, ext: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith(ext))
    .map((e) => e.name)
    .sort()
    .map((n) => join(dir, n));
}

/** A file that cannot be read as asked: one line that starts with its path. */
export class FileReadError extends Error {}

export interface BoundedReadOptions {
  /** What the file should be, for messages: "image file", "checkpoint file". */
  what: string;
  /** Largest size accepted, in bytes. */
  maxBytes: number;
  /** How many leading bytes `checkHeader` sees before the body is read. */
  headerBytes?: number;
  /**
   * Looks at the first `headerBytes` bytes (fewer in a shorter file) and the file's size, and
   * returns why the file cannot be what the caller wants (or throws its own error); undefined
   * lets the body be read.
   */
  checkHeader?: (header: Uint8Array, size: number) => string | undefined;
}

function codeOf(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : undefined;
}

/** "1.5 GiB", "12.0 MiB", "900 bytes": sizes people can read. */
export function formatBytes(n: number): string {
  if (n >= 2 ** 30) return `${(n / 2 ** 30).toFixed(1)} GiB`;
  if (n >= 2 ** 20) return `${(n / 2 ** 20).toFixed(1)} MiB`;
  if (n >= 2 ** 10) return `${(n / 2 ** 10).toFixed(1)} KiB`;
  return `${n} bytes`;
}

function kindOf(st: Stats): string {
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isFIFO()) return 'a pipe';
  if (st.isSocket()) return 'a socket';
  return 'not a plain file';
}

function openError(path: string, what: string, e: unknown): FileReadError {
  switch (codeOf(e)) {
    case 'ENOENT':
      return new FileReadError(`${path}: no such ${what}`);
    case 'EISDIR':
      return new FileReadError(`${path}: is a folder, not a ${what}`);
    case 'ENOTDIR':
      return new FileReadError(`${path}: a part of the path is not a folder`);
    case 'EACCES':
    case 'EPERM':
      return new FileReadError(`${path}: permission denied (cannot read the ${what})`);
    default:
      return new FileReadError(`${path}: cannot read the ${what} (${(e instanceof Error ? e.message : String(e)).split('\n')[0]})`);
  }
}

// One read call moves at most this much (the OS caps single reads near 2 GiB anyway).
const READ_SLICE = 64 * 2 ** 20;

async function readExactly(fh: FileHandle, into: Uint8Array, position: number): Promise<number> {
  let done = 0;
  while (done < into.length) {
    const { bytesRead } = await fh.read(into, done, Math.min(READ_SLICE, into.length - done), position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return done;
}

/**
 * Reads a whole file, refusing first what should never be read whole: anything but a plain file
 * (a device such as /dev/zero or a pipe never ends), a file over `maxBytes`, and a file whose
 * first `headerBytes` bytes `checkHeader` rejects, so a large file of the wrong kind costs a few
 * bytes of reading, not its size in memory. The size is taken from the open file, and exactly
 * that many bytes are read, so a file that grows meanwhile cannot make the read run on.
 */
export async function readFileBounded(path: string, o: BoundedReadOptions): Promise<Uint8Array> {
  let fh: FileHandle;
  try {
    // Non-blocking, so opening a pipe with no writer returns at once (and is then refused) instead
    // of waiting forever; it changes nothing for plain files.
    fh = await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (e) {
    throw openError(path, o.what, e);
  }
  try {
    let st: Stats;
    try {
      st = await fh.stat();
    } catch (e) {
      throw openError(path, o.what, e);
    }
    if (st.isDirectory()) throw new FileReadError(`${path}: is a folder, not a ${o.what}`);
    if (!st.isFile()) throw new FileReadError(`${path}: ${kindOf(st)}, not a ${o.what}`);
    const size = st.size;
    if (size > o.maxBytes) {
      throw new FileReadError(`${path}: ${formatBytes(size)}, over the ${formatBytes(o.maxBytes)} limit for a ${o.what}`);
    }
    const headerLength = Math.min(size, o.headerBytes ?? 0);
    let bytes: Uint8Array;
    try {
      const header = new Uint8Array(headerLength);
      let got = await readExactly(fh, header, 0);
      if (got === headerLength && o.checkHeader) {
        const problem = o.checkHeader(header, size);
        if (problem !== undefined) throw new FileReadError(`${path}: ${problem}`);
      }
      // Only now, with the header accepted, is memory for the whole file taken.
      bytes = new Uint8Array(size);
      bytes.set(header);
      if (got === headerLength) got += await readExactly(fh, bytes.subarray(headerLength), headerLength);
      if (got < size) throw new FileReadError(`${path}: the ${o.what} shrank while being read (${got} of ${size} bytes)`);
    } catch (e) {
      if (e instanceof FileReadError || !codeOf(e)) throw e;
      throw openError(path, o.what, e);
    }
    return bytes;
  } finally {
    await fh.close();
  }
}

/** Bytes `safetensorsHeaderProblem` looks at: the u64 header length and the header's first byte. */
export const SAFETENSORS_PROBE_BYTES = 9;

/**
 * Why a file cannot be safetensors, judged from its first 9 bytes and its size (the header's
 * length must fit in the file and the header must start as a JSON object), or undefined. Lets a
 * large file of another kind be refused before its body is read; the full parse checks the rest.
 */
export function safetensorsHeaderProblem(probe: Uint8Array, size: number): string | undefined {
  // Shorter files are left to the parser, which names what is missing.
  if (probe.length < SAFETENSORS_PROBE_BYTES) return undefined;
  const view = new DataView(probe.buffer, probe.byteOffset, 8);
  const headerLength = view.getUint32(4, true) * 2 ** 32 + view.getUint32(0, true);
  if (8 + headerLength > size) return `header length ${headerLength} does not fit in the ${size}-byte file`;
  if (probe[8] !== 0x7b) return 'header does not start with a JSON object';
  return undefined;
}
