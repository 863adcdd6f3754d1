// Node and Deno: paths and file: URLs are read from disk, http(s) URLs fetched. Chosen over
// platform-web.ts by package.json "imports" conditions (#platform: "node", "deno").
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { availableMemory as processAvailableMemory } from '../node/memory.js';
import { fetchBytes } from './fetch-bytes.js';

export const RUNTIME = 'node';

function codeOf(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : undefined;
}

/** The bytes of a file; `what` names it in the one-line error. */
export async function readPath(path: string, what: string): Promise<Uint8Array> {
  try {
    const buf = await readFile(path);
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  } catch (e) {
    const code = codeOf(e);
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : (e as Error).message.split('\n')[0];
    throw new Error(`${what}: ${path}: ${why}`);
  }
}

/** The bytes at a URL: file: URLs from disk, others fetched. */
export async function readUrl(url: URL, what: string): Promise<Uint8Array> {
  if (url.protocol === 'file:') return readPath(fileURLToPath(url), what);
  return fetchBytes(url, what);
}

/**
 * Bytes this process can still take (system memory, cgroup limit). Deno asks for --allow-sys to
 * tell; without it only the backends' own limits are checked, as in a browser.
 */
export function availableMemory(): number {
  try {
    return processAvailableMemory();
  } catch (e) {
    if ((e as Error).name === 'NotCapable' || (e as Error).name === 'PermissionDenied') return Infinity;
    throw e;
  }
}
