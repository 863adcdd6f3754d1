// Builders for hand-made PNG chunks, to craft files fast-png's encoder cannot write
// (tRNS colour keys, absurd sizes, chunks with valid CRCs but bad contents).

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export function pngChunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** `png` with `chunk` inserted right after IHDR (which always ends at byte 33). */
export function insertAfterIhdr(png: Uint8Array, chunk: Uint8Array): Uint8Array {
  return concatBytes(png.subarray(0, 33), chunk, png.subarray(33));
}

/** `png` with its IHDR size fields replaced, CRC fixed. */
export function withIhdrSize(png: Uint8Array, width: number, height: number): Uint8Array {
  const ihdr = png.slice(16, 29);
  const view = new DataView(ihdr.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  return concatBytes(png.subarray(0, 8), pngChunk('IHDR', ihdr), png.subarray(33));
}
