import { randomBytes } from 'node:crypto';
import { open, readdir, rename, rm } from 'node:fs/promises';
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
