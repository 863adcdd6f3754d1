// Browsers (and any other host without Node built-ins): URLs are fetched; there are no paths.
// Chosen over platform-node.ts by package.json "imports" conditions (#platform: "browser", "default").

import { fetchBytes } from './fetch-bytes.js';

export const RUNTIME = 'web';

export async function readPath(path: string, what: string): Promise<Uint8Array> {
  throw new Error(`${what}: { path: '${path}' } needs Node or Deno; in a browser pass { url } or { bytes }`);
}

/** The bytes at a URL, fetched. */
export async function readUrl(url: URL, what: string): Promise<Uint8Array> {
  return fetchBytes(url, what);
}

/** A page cannot tell how much memory it may take; only the backends' own limits are checked. */
export function availableMemory(): number {
  return Infinity;
}
