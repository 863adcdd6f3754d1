/**
 * ONNX model files written by hand: the few messages of onnx.proto a graph of standard ops needs
 * (ModelProto, GraphProto, NodeProto, AttributeProto, TensorProto, ValueInfoProto), with field
 * numbers from https://github.com/onnx/onnx/blob/main/onnx/onnx.proto, and a small builder that
 * names values and collects nodes and initializers.
 */
import { PbMessage } from './protobuf.js';

/** TensorProto.DataType */
export const FLOAT = 1;
export const INT64 = 7;

/** ONNX IR version 8 goes with opset 17 (onnx 1.12). */
export const IR_VERSION = 8;
export const OPSET = 17;

export type Attr =
  | { kind: 'int'; v: number }
  | { kind: 'ints'; v: number[] }
  | { kind: 'float'; v: number }
  | { kind: 'string'; v: string };

export const int = (v: number): Attr => ({ kind: 'int', v });
export const ints = (v: number[]): Attr => ({ kind: 'ints', v });
export const float = (v: number): Attr => ({ kind: 'float', v });
export const str = (v: string): Attr => ({ kind: 'string', v });

// AttributeProto.AttributeType
const ATTR_TYPE = { float: 1, int: 2, string: 3, ints: 7 } as const;

interface Node {
  op: string;
  inputs: string[];
  outputs: string[];
  name: string;
  attrs: Record<string, Attr>;
}

interface Initializer {
  name: string;
  dims: number[];
  type: typeof FLOAT | typeof INT64;
  data: Float32Array | BigInt64Array;
}

/** A dimension: a fixed size or a symbolic name (dynamic). */
export type Dim = number | string;

interface ValueInfo {
  name: string;
  dims: Dim[];
  type: number;
}

function tensorProto(t: Initializer): PbMessage {
  const m = new PbMessage();
  for (const d of t.dims) m.int(1, d);
  m.int(2, t.type);
  m.string(8, t.name);
  // raw_data is little-endian; copy into a fresh buffer so a view's neighbours are not written
  const raw = new Uint8Array(t.data.byteLength);
  const dv = new DataView(raw.buffer);
  if (t.data instanceof Float32Array) t.data.forEach((x, i) => dv.setFloat32(4 * i, x, true));
  else t.data.forEach((x, i) => dv.setBigInt64(8 * i, x, true));
  m.bytesField(9, raw);
  return m;
}

function valueInfo(v: ValueInfo): PbMessage {
  const shape = new PbMessage();
  for (const d of v.dims) shape.message(1, typeof d === 'number' ? new PbMessage().int(1, d) : new PbMessage().string(2, d));
  const tensorType = new PbMessage().int(1, v.type).message(2, shape);
  return new PbMessage().string(1, v.name).message(2, new PbMessage().message(1, tensorType));
}

function attribute(name: string, a: Attr): PbMessage {
  const m = new PbMessage().string(1, name);
  if (a.kind === 'int') m.int(3, a.v);
  else if (a.kind === 'float') m.float(2, a.v);
  else if (a.kind === 'string') m.string(4, a.v);
  else for (const x of a.v) m.int(8, x);
  return m.int(20, ATTR_TYPE[a.kind]);
}

function nodeProto(n: Node): PbMessage {
  const m = new PbMessage();
  for (const i of n.inputs) m.string(1, i);
  for (const o of n.outputs) m.string(2, o);
  m.string(3, n.name).string(4, n.op);
  for (const [k, a] of Object.entries(n.attrs)) m.message(5, attribute(k, a));
  return m;
}

export class OnnxGraph {
  private readonly nodes: Node[] = [];
  private readonly inits: Initializer[] = [];
  private readonly inputs: ValueInfo[] = [];
  private readonly outputs: ValueInfo[] = [];
  private readonly names = new Set<string>();
  private readonly constCache = new Map<string, string>();

  constructor(readonly name: string) {}

  /** A value name not used yet, derived from `hint`. */
  fresh(hint: string): string {
    let n = hint;
    for (let i = 1; this.names.has(n); i++) n = `${hint}_${i}`;
    this.names.add(n);
    return n;
  }

  input(name: string, dims: Dim[], type = FLOAT): string {
    this.inputs.push({ name: this.claim(name), dims, type });
    return name;
  }

  output(value: string, dims: Dim[], type = FLOAT): void {
    this.outputs.push({ name: value, dims, type });
  }

  private claim(name: string): string {
    if (this.names.has(name)) throw new Error(`onnx: value name '${name}' used twice`);
    this.names.add(name);
    return name;
  }

  /** A float32 initializer under exactly `name` (e.g. a state-dict key). */
  weight(name: string, dims: number[], data: Float32Array): string {
    const n = dims.reduce((a, b) => a * b, 1);
    if (n !== data.length) throw new Error(`onnx: initializer ${name} has ${data.length} values for dims [${dims.join(', ')}]`);
    this.inits.push({ name: this.claim(name), dims, type: FLOAT, data });
    return name;
  }

  /** A shared float32 constant (scalar when dims is []). */
  constF(values: number[], dims: number[] = [values.length]): string {
    return this.constant(FLOAT, values, dims);
  }

  /** A shared int64 constant (scalar when dims is []). */
  constI(values: number[], dims: number[] = [values.length]): string {
    return this.constant(INT64, values, dims);
  }

  private constant(type: typeof FLOAT | typeof INT64, values: number[], dims: number[]): string {
    const key = `${type}|${dims.join(',')}|${values.map((v) => (Object.is(v, -0) ? '-0' : String(v))).join(',')}`;
    let name = this.constCache.get(key);
    if (!name) {
      name = this.fresh(`const_${type === FLOAT ? 'f' : 'i'}${values.length === 1 ? `_${String(values[0]).replace(/[^0-9a-zA-Z]/g, '_')}` : ''}`);
      const data = type === FLOAT ? Float32Array.from(values) : BigInt64Array.from(values.map((v) => BigInt(v)));
      this.inits.push({ name, dims, type, data });
      this.constCache.set(key, name);
    }
    return name;
  }

  /**
   * Adds a node with one output and returns that output's name: `hint` made unique, or exactly
   * `outName` (a graph output's name).
   */
  op(op: string, inputs: string[], attrs: Record<string, Attr> = {}, hint = op.toLowerCase(), outName?: string): string {
    const out = outName !== undefined ? this.claim(outName) : this.fresh(hint);
    this.nodes.push({ op, inputs, outputs: [out], name: this.fresh(`${hint}_node`), attrs });
    return out;
  }

  toModel(o: { producer: string; producerVersion?: string; doc: string; metadata: Record<string, string> }): Uint8Array {
    const g = new PbMessage();
    for (const n of this.nodes) g.message(1, nodeProto(n));
    g.string(2, this.name);
    for (const t of this.inits) g.message(5, tensorProto(t));
    for (const v of this.inputs) g.message(11, valueInfo(v));
    for (const v of this.outputs) g.message(12, valueInfo(v));
    const m = new PbMessage().int(1, IR_VERSION).string(2, o.producer);
    if (o.producerVersion) m.string(3, o.producerVersion);
    m.string(6, o.doc).message(7, g);
    m.message(8, new PbMessage().string(1, '').int(2, OPSET));
    for (const [k, v] of Object.entries(o.metadata)) m.message(14, new PbMessage().string(1, k).string(2, v));
    return m.finish();
  }
}
