import { readFileSync } from 'node:fs';
import { inflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32, listZip, readZipEntry } from '../../src/interop/zip.js';
import { makeZip } from './zip-writer.js';

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);
const inflate = (d: Uint8Array, max: number) => inflateRawSync(d, { maxOutputLength: Math.max(1, max) });
const read = (zip: Uint8Array, name: string) => readZipEntry(zip, listZip(zip).find((e) => e.name === name)!, inflate);

describe('zip reader', () => {
  it('CRC-32 matches the standard check value', () => {
    expect(crc32(enc('123456789'))).toBe(0xcbf43926);
  });

  it('reads stored and deflated entries', () => {
    const text = 'state dict '.repeat(200);
    const zip = makeZip([
      { name: 'a/data.pkl', data: enc('stored bytes') },
      { name: 'a/data/0', data: enc(text), deflate: true },
    ]);
    expect(listZip(zip).map((e) => [e.name, e.method])).toEqual([['a/data.pkl', 0], ['a/data/0', 8]]);
    expect(dec(read(zip, 'a/data.pkl'))).toBe('stored bytes');
    expect(dec(read(zip, 'a/data/0'))).toBe(text);
  });

  it('reads the zip64 records and 64-byte-aligned entries torch.save writes', () => {
    const pt = new Uint8Array(readFileSync('test/interop/fixtures/unet-w2.pt'));
    const entries = listZip(pt);
    expect(entries.map((e) => e.name)).toContain('unet-w2/data.pkl');
    for (const e of entries) expect(readZipEntry(pt, e).length).toBe(e.size);
  });

  it('refuses corrupt, truncated and hostile archives with a message naming the problem', () => {
    const data = enc('x'.repeat(100));
    expect(() => listZip(enc('not a zip at all, just some text'))).toThrow(/no end-of-central-directory record/);
    const good = makeZip([{ name: 'e', data }]);
    expect(() => listZip(good.subarray(0, good.length - 5))).toThrow(/no end-of-central-directory record/);
    // the directory points past the end of a file cut short in the middle
    const cut = new Uint8Array([...good.subarray(0, 40), ...good.subarray(good.length - 22 - 47)]);
    expect(() => listZip(cut)).toThrow(/central directory at byte \d+ runs past the end/);
    const flipped = good.slice();
    flipped[35] ^= 1;
    expect(() => read(flipped, 'e')).toThrow(/fails its CRC-32 check/);
    expect(() => listZip(makeZip([{ name: 'e', data, flags: 1 }]))).toThrow(/'e' is encrypted/);
    expect(() => read(makeZip([{ name: 'e', data, method: 12 }]), 'e')).toThrow(/compression method 12/);
    expect(() => listZip(makeZip([{ name: 'e', data }, { name: 'e', data }]))).toThrow(/'e' appears twice/);
    expect(() => read(makeZip([{ name: 'e', data, declaredSize: 50 }]), 'e')).toThrow(/declares 50 bytes but holds 100/);
    // a deflated entry may not claim more than deflate can expand to, nor more than it inflates to
    expect(() => read(makeZip([{ name: 'e', data, deflate: true, declaredSize: 2 ** 31 }]), 'e')).toThrow(/absurd size/);
    expect(() => read(makeZip([{ name: 'e', data, deflate: true, declaredSize: 60 }]), 'e')).toThrow(/does not inflate to its declared 60 bytes/);
    expect(() => read(makeZip([{ name: 'e', data, deflate: true, declaredSize: 150 }]), 'e')).toThrow(/inflates to 100 bytes, not the declared 150/);
    expect(() => readZipEntry(makeZip([{ name: 'e', data, deflate: true }]), listZip(makeZip([{ name: 'e', data, deflate: true }]))[0])).toThrow(/no inflater/);
  });
});
