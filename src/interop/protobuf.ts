/**
 * A protobuf writer: the wire format's varints, fixed32 and length-delimited fields, which is
 * all the ONNX messages need. A message is kept as a list of byte chunks so nested messages and
 * large tensor payloads are copied once, when the finished message is flattened.
 */

const WIRE_VARINT = 0;
const WIRE_LEN = 2;
const WIRE_FIXED32 = 5;

export class PbMessage {
  private readonly chunks: Uint8Array[] = [];
  private bytes = 0;
  private scratch: number[] = [];

  get length(): number {
    this.flushScratch();
    return this.bytes;
  }

  private flushScratch(): void {
    if (this.scratch.length) {
      this.chunks.push(Uint8Array.from(this.scratch));
      this.bytes += this.scratch.length;
      this.scratch = [];
    }
  }

  private raw(b: Uint8Array): void {
    this.flushScratch();
    this.chunks.push(b);
    this.bytes += b.length;
  }

  /** A varint of a non-negative or negative (two's complement, 10 bytes) 64-bit integer. */
  private varint(v: number | bigint): void {
    let x = BigInt.asUintN(64, BigInt(v));
    if (typeof v === 'number' && !Number.isSafeInteger(v)) throw new Error(`protobuf: ${v} is not an integer`);
    while (x >= 0x80n) {
      this.scratch.push(Number(x & 0x7fn) | 0x80);
      x >>= 7n;
    }
    this.scratch.push(Number(x));
  }

  private tag(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }

  /** int32, int64, enum, bool (as 0/1). */
  int(field: number, v: number | bigint | boolean): this {
    this.tag(field, WIRE_VARINT);
    this.varint(typeof v === 'boolean' ? Number(v) : v);
    return this;
  }

  float(field: number, v: number): this {
    this.tag(field, WIRE_FIXED32);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    for (const x of b) this.scratch.push(x);
    return this;
  }

  bytesField(field: number, b: Uint8Array): this {
    this.tag(field, WIRE_LEN);
    this.varint(b.length);
    this.raw(b);
    return this;
  }

  string(field: number, s: string): this {
    return this.bytesField(field, new TextEncoder().encode(s));
  }

  message(field: number, m: PbMessage): this {
    this.tag(field, WIRE_LEN);
    this.varint(m.length);
    m.flushScratch();
    for (const c of m.chunks) this.raw(c);
    return this;
  }

  /** The encoded message. */
  finish(): Uint8Array {
    this.flushScratch();
    const out = new Uint8Array(this.bytes);
    let p = 0;
    for (const c of this.chunks) {
      out.set(c, p);
      p += c.length;
    }
    return out;
  }
}
