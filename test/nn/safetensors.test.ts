import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseSafetensors, serializeSafetensors } from '../../src/nn/safetensors.js';

const GOLDEN = '../shared/golden/torch/relu.safetensors';

/** Assembles a file from a raw header (string or object) and data bytes. */
function build(header: string | object, data: Uint8Array | number = 0): Uint8Array {
  const text = typeof header === 'string' ? header : JSON.stringify(header);
  const h = new TextEncoder().encode(text);
  const body = typeof data === 'number' ? new Uint8Array(data) : data;
  const out = new Uint8Array(8 + h.length + body.length);
  new DataView(out.buffer).setUint32(0, h.length, true);
  out.set(h, 8);
  out.set(body, 8 + h.length);
  return out;
}

function f32(name: string, shape: number[], begin: number) {
  const n = shape.reduce((a, b) => a * b, 1);
  return { [name]: { dtype: 'F32', shape, data_offsets: [begin, begin + 4 * n] } };
}

function expectError(bytes: Uint8Array, re: RegExp) {
  expect(() => parseSafetensors(bytes)).toThrow(re);
  try {
    parseSafetensors(bytes);
  } catch (e) {
    const msg = (e as Error).message;
    expect(msg.startsWith('safetensors: ')).toBe(true);
    expect(msg).not.toContain('\n');
  }
}

describe('safetensors round trip', () => {
  it('preserves names, shapes, values and metadata', () => {
    const a = new Float32Array([1.5, -2, 3.25, Number.NaN, Infinity, -0]);
    const b = new Float64Array([Math.PI, -1e-300, 5e-324]);
    const bytes = serializeSafetensors(
      { 'w.a': { shape: [2, 3], data: a }, b: { shape: [3], data: b }, s: { shape: [], data: new Float32Array([7]) }, e: { shape: [0], data: new Float32Array(0) }, z: { shape: [2, 0, 3], data: new Float64Array(0) } },
      { note: 'hi "there"\n', op: 'x' },
    );
    expect((8 + new DataView(bytes.buffer).getUint32(0, true)) % 8).toBe(0);
    const { tensors, metadata } = parseSafetensors(bytes);
    expect(metadata).toEqual({ note: 'hi "there"\n', op: 'x' });
    expect([...tensors.keys()].sort()).toEqual(['b', 'e', 's', 'w.a', 'z']);
    expect(tensors.get('w.a')).toEqual({ dtype: 'F32', shape: [2, 3], data: a });
    expect(Object.is(tensors.get('w.a')!.data[5], -0)).toBe(true);
    expect(tensors.get('b')).toEqual({ dtype: 'F64', shape: [3], data: b });
    expect(tensors.get('s')).toEqual({ dtype: 'F32', shape: [], data: new Float32Array([7]) });
    expect(tensors.get('e')!.shape).toEqual([0]);
    expect(tensors.get('z')).toEqual({ dtype: 'F64', shape: [2, 0, 3], data: new Float64Array(0) });
    // Re-serializing the parsed result is a fixed point.
    expect(serializeSafetensors(tensors, metadata)).toEqual(bytes);
  });

  it('accepts iterables, sorts by code point and writes an ASCII header', () => {
    const one = (v: number) => ({ shape: [1], data: new Float32Array([v]) });
    const bytes = serializeSafetensors([['\u{1d465}', one(1)], ['\uff5a', one(2)], ['b', one(3)], ['é', one(4)]], { 'ключ': 'значение' });
    const n = new DataView(bytes.buffer).getUint32(0, true);
    const header = new TextDecoder().decode(bytes.subarray(8, 8 + n));
    expect(/^[\x20-\x7e]*$/.test(header)).toBe(true);
    expect(header).toContain('"\\u043a\\u043b\\u044e\\u0447":"\\u0437\\u043d');
    const order = JSON.parse(header) as Record<string, { data_offsets: number[] }>;
    const names = Object.keys(order).filter((k) => k !== '__metadata__');
    expect(names.sort((x, y) => order[x]!.data_offsets[0]! - order[y]!.data_offsets[0]!)).toEqual(['b', 'é', '\uff5a', '\u{1d465}']);
    const back = parseSafetensors(bytes);
    expect(back.tensors.get('\u{1d465}')!.data[0]).toBe(1);
    expect(back.metadata).toEqual({ 'ключ': 'значение' });
  });

  it('rejects bad inputs to the writer', () => {
    expect(() => serializeSafetensors({ a: { shape: [2], data: new Float32Array(3) } })).toThrow(/safetensors: tensor 'a'.*2 elements but data has 3/);
    expect(() => serializeSafetensors({ a: { shape: [-1], data: new Float32Array(0) } })).toThrow(/tensor 'a'.*non-negative/);
    expect(() => serializeSafetensors({ __metadata__: { shape: [0], data: new Float32Array(0) } })).toThrow(/reserved/);
    expect(() => serializeSafetensors([['a', { shape: [0], data: new Float32Array(0) }], ['a', { shape: [0], data: new Float32Array(0) }]])).toThrow(/twice/);
    expect(() => serializeSafetensors({ a: { shape: [1], data: [1] as unknown as Float32Array } })).toThrow(/Float32Array or Float64Array/);
    expect(() => serializeSafetensors({}, { k: 1 as unknown as string })).toThrow(/__metadata__ value for 'k'/);
  });
});

describe('safetensors reader', () => {
  it('reads the torch golden file and re-serializes it byte-identically', () => {
    const file = new Uint8Array(readFileSync(GOLDEN));
    const { tensors, metadata } = parseSafetensors(file);
    expect([...tensors.keys()]).toEqual(['grad.input', 'grad_output', 'input', 'output']);
    for (const t of tensors.values()) {
      expect(t.dtype).toBe('F32');
      expect(t.shape).toEqual([4, 12]);
      expect(t.data).toBeInstanceOf(Float32Array);
    }
    expect(metadata.op).toBe('relu');
    const x = tensors.get('input')!.data;
    const y = tensors.get('output')!.data;
    expect(Array.from(y)).toEqual(Array.from(x, (v) => Math.max(v, 0)));
    expect(serializeSafetensors(tensors, metadata)).toEqual(file);
  });

  it('copies data out, including from unaligned offsets', () => {
    // A 1-element F16 first puts the F32 tensor at data offset 2, and the
    // input view itself starts at an odd byte offset.
    const header = { a: { dtype: 'F16', shape: [1], data_offsets: [0, 2] }, b: { dtype: 'F32', shape: [2], data_offsets: [2, 10] } };
    const data = new Uint8Array(10);
    data.set([0x00, 0x3c]); // f16 1.0
    new DataView(data.buffer).setFloat32(2, 1.25, true);
    new DataView(data.buffer).setFloat32(6, -3, true);
    const raw = build(header, data);
    const host = new Uint8Array(raw.length + 3);
    host.set(raw, 3);
    const view = host.subarray(3);
    const { tensors } = parseSafetensors(view);
    expect(Array.from(tensors.get('a')!.data)).toEqual([1]);
    const b = tensors.get('b')!.data;
    expect(Array.from(b)).toEqual([1.25, -3]);
    host.fill(0);
    expect(Array.from(b)).toEqual([1.25, -3]);
    expect(b.buffer).not.toBe(host.buffer);
  });

  it('widens F16 and BF16 exactly', () => {
    const half = [0x3c00, 0xc000, 0x7bff, 0x0001, 0x03ff, 0x7c00, 0xfc00, 0x8000, 0x3555, 0x7e00];
    const bf = [0x3f80, 0xc040, 0x7f80, 0x0001, 0x8000];
    const data = new Uint8Array(2 * (half.length + bf.length));
    const dv = new DataView(data.buffer);
    [...half, ...bf].forEach((v, i) => dv.setUint16(2 * i, v, true));
    const header = {
      h: { dtype: 'F16', shape: [half.length], data_offsets: [0, 2 * half.length] },
      g: { dtype: 'BF16', shape: [bf.length], data_offsets: [2 * half.length, data.length] },
    };
    const { tensors } = parseSafetensors(build(header, data));
    const h = Array.from(tensors.get('h')!.data);
    expect(h.slice(0, 9)).toEqual([1, -2, 65504, 2 ** -24, 1023 * 2 ** -24, Infinity, -Infinity, -0, 0.333251953125]);
    expect(h[9]).toBeNaN();
    expect(tensors.get('h')!.dtype).toBe('F16');
    expect(Array.from(tensors.get('g')!.data)).toEqual([1, -3, Infinity, 2 ** -133, -0]);
    expect(tensors.get('g')!.data).toBeInstanceOf(Float32Array);
  });

  it('reports truncation with expected and actual sizes', () => {
    const file = new Uint8Array(readFileSync(GOLDEN));
    const headerEnd = 8 + new DataView(file.buffer, file.byteOffset).getUint32(0, true);
    expectError(file.subarray(0, 0), /shorter than the 8-byte/);
    expectError(file.subarray(0, 5), /file is 5 bytes, shorter/);
    expectError(file.subarray(0, 8), new RegExp(`truncated file: header needs ${headerEnd} bytes but file has 8`));
    expectError(file.subarray(0, headerEnd - 1), /truncated file: header needs/);
    expectError(file.subarray(0, headerEnd), new RegExp(`truncated file: tensor 'output' .* should be ${file.length} bytes but it is ${headerEnd}`));
    expectError(file.subarray(0, file.length - 1), new RegExp(`truncated.*should be ${file.length} bytes but it is ${file.length - 1}`));
  });

  it('rejects corrupt prefixes and headers', () => {
    const file = new Uint8Array(readFileSync(GOLDEN));
    const absurd = file.slice();
    new DataView(absurd.buffer).setUint32(4, 1, true);
    expectError(absurd, /header length 4294967872 exceeds/);
    const notJson = file.slice();
    notJson[8] = 0x78; // 'x' instead of '{'
    expectError(notJson, /header is not valid UTF-8 JSON/);
    const badUtf8 = file.slice();
    badUtf8[20] = 0xff;
    expectError(badUtf8, /not valid UTF-8 JSON/);
    const headerEnd = 8 + new DataView(file.buffer, file.byteOffset).getUint32(0, true);
    const unclosed = file.slice();
    unclosed[headerEnd - 1] = 0x20; // the header's final '}'
    expectError(unclosed, /not valid UTF-8 JSON/);
    const renamedDtype = file.slice();
    renamedDtype[file.indexOf(0x46 /* 'F' of "F32" */, 8)] = 0x49; // -> "I32"
    expectError(renamedDtype, /tensor 'grad.input': unsupported dtype 'I32'/);
    expectError(build('[1,2]'), /header JSON is not an object/);
    expectError(build('null    '), /header JSON is not an object/);
  });

  it('rejects invalid tensor entries, naming the tensor', () => {
    const bad = (entry: unknown, re: RegExp, data = 4) => expectError(build({ t: entry }, data), re);
    bad(7, /tensor 't': header entry is not an object/);
    bad({ shape: [1], data_offsets: [0, 4] }, /tensor 't': missing or non-string dtype/);
    bad({ dtype: 'I64', shape: [1], data_offsets: [0, 8] }, /tensor 't': unsupported dtype 'I64'/, 8);
    bad({ dtype: 'toString', shape: [1], data_offsets: [0, 4] }, /tensor 't': unknown dtype 'toString'/);
    bad({ dtype: 'F32', data_offsets: [0, 4] }, /tensor 't': missing or non-array shape/);
    bad({ dtype: 'F32', shape: [-1], data_offsets: [0, 4] }, /tensor 't': shape \[-1\] must hold non-negative/);
    bad({ dtype: 'F32', shape: [1.5], data_offsets: [0, 4] }, /tensor 't': shape \[1.5\]/);
    bad({ dtype: 'F32', shape: ['1'], data_offsets: [0, 4] }, /tensor 't': shape/);
    bad({ dtype: 'F32', shape: [1] }, /tensor 't': data_offsets undefined must be/);
    bad({ dtype: 'F32', shape: [1], data_offsets: [0] }, /tensor 't': data_offsets \[0\]/);
    bad({ dtype: 'F32', shape: [1], data_offsets: [4, 0] }, /tensor 't': .*end before begin/);
    bad({ dtype: 'F32', shape: [2], data_offsets: [0, 4] }, /tensor 't': 4 data bytes but F32 shape \[2\] needs 8/);
    bad({ dtype: 'F32', shape: [1], data_offsets: [0, 4], extra: 1 }, /tensor 't': unexpected header field 'extra'/);
  });

  it('rejects overlaps, gaps and trailing bytes', () => {
    expectError(build({ ...f32('a', [2], 0), ...f32('b', [2], 4) }, 12), /tensor '(a|b)' data \[4, 12\) overlaps/);
    expectError(build({ ...f32('a', [1], 0), ...f32('b', [1], 8) }, 12), /gap in data before tensor 'b': bytes \[4, 8\)/);
    expectError(build(f32('a', [1], 4), 8), /gap in data before tensor 'a'/);
    expectError(build(f32('a', [1], 0), 9), /5 trailing bytes/);
    expect(parseSafetensors(build({ ...f32('a', [1], 0), ...f32('e', [0], 4), ...f32('b', [1], 4) }, 8)).tensors.size).toBe(3);
  });

  it('validates __metadata__', () => {
    expectError(build({ __metadata__: { a: 'x', n: 3 } }), /__metadata__ value for 'n' is number, not a string/);
    expectError(build({ __metadata__: { a: null } }), /__metadata__ value for 'a' is null/);
    expectError(build({ __metadata__: ['x'] }), /__metadata__ is not an object/);
    // A JSON "__proto__" key is data, not a prototype, and must stay an own property.
    const ok = parseSafetensors(build('{"__metadata__":{"__proto__":"p","k":"v"}}'));
    expect(Object.keys(ok.metadata)).toEqual(['__proto__', 'k']);
    expect(ok.metadata['__proto__']).toBe('p');
  });
});
