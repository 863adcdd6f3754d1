// The bytes at an http(s) URL, for both platform modules (#platform): one error wording everywhere.

export async function fetchBytes(url: URL, what: string): Promise<Uint8Array> {
  let res: Response;
  try {
    res = await fetch(url);
  } catch (e) {
    throw new Error(`${what}: cannot fetch ${url.href} (${(e as Error).message})`);
  }
  if (!res.ok) throw new Error(`${what}: HTTP ${res.status} fetching ${url.href}`);
  return new Uint8Array(await res.arrayBuffer());
}
