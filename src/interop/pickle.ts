/**
 * A restricted unpickler for PyTorch state dicts. It never runs code: it interprets only the
 * opcodes that pickling plain data (None, bools, ints, floats, strings, lists, tuples, dicts)
 * and tensors needs, and it knows a fixed set of globals (OrderedDict, the tensor rebuild
 * functions, the storage types), each mapped to a data constructor written here. Any other
 * opcode or global is refused with a message that names it.
 *
 * Protocols 2 to 5 (torch.save uses 2; pickle_protocol= can raise it).
 */

export class PickleError extends Error {}

/** A global the reader knows: a constructor marker, never a callable. */
export class PyGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
  ) {}
  get qualified(): string {
    return `${this.module}.${this.name}`;
  }
}

export class PyTuple {
  constructor(readonly items: PyValue[]) {}
}

export type PyKey = string | number | bigint | boolean | null;

/** dict or collections.OrderedDict; insertion order kept. */
export class PyDict {
  readonly map = new Map<PyKey, PyValue>();
  /** Instance attributes set by BUILD (a state dict's `_metadata`); kept, never interpreted. */
  attrs: PyValue | undefined;
  constructor(readonly ordered: boolean) {}
}

/** A storage named by a persistent id: ('storage', torch.<Kind>Storage, key, location, numel). */
export class StorageRef {
  constructor(
    readonly kind: string,
    readonly key: string,
    readonly location: string,
    readonly numel: number,
  ) {}
}

/** torch._utils._rebuild_tensor_v2(storage, offset, size, stride, ...): a strided view. */
export class TensorRef {
  constructor(
    readonly storage: StorageRef,
    readonly offset: number,
    readonly shape: number[],
    readonly stride: number[],
  ) {}
}

export type PyValue = null | boolean | number | bigint | string | PyValue[] | PyTuple | PyDict | PyGlobal | StorageRef | TensorRef;

/** Storage types a persistent id may name (the element types torch.save can write). */
export const STORAGE_KINDS = new Set([
  'FloatStorage', 'DoubleStorage', 'HalfStorage', 'BFloat16Storage',
  'LongStorage', 'IntStorage', 'ShortStorage', 'CharStorage', 'ByteStorage', 'BoolStorage',
  'ComplexFloatStorage', 'ComplexDoubleStorage',
]);

const ORDERED_DICT = 'collections.OrderedDict';
const REBUILD_TENSOR = 'torch._utils._rebuild_tensor_v2';
const REBUILD_PARAMETER = 'torch._utils._rebuild_parameter';
const REBUILD_PARAMETER_STATE = 'torch._utils._rebuild_parameter_with_state';
const KNOWN_GLOBALS = new Set([ORDERED_DICT, REBUILD_TENSOR, REBUILD_PARAMETER, REBUILD_PARAMETER_STATE, ...[...STORAGE_KINDS].map((k) => `torch.${k}`)]);

// Names of the opcodes that are refused, so the message says what the file asked for.
const OPCODE_NAMES: Record<number, string> = {
  0x30: 'POP', 0x31: 'POP_MARK', 0x32: 'DUP', 0x46: 'FLOAT', 0x49: 'INT', 0x4c: 'LONG', 0x50: 'PERSID', 0x53: 'STRING',
  0x54: 'BINSTRING', 0x55: 'SHORT_BINSTRING', 0x56: 'UNICODE', 0x42: 'BINBYTES', 0x43: 'SHORT_BINBYTES', 0x64: 'DICT',
  0x67: 'GET', 0x69: 'INST', 0x6c: 'LIST', 0x6f: 'OBJ', 0x70: 'PUT', 0x81: 'NEWOBJ', 0x82: 'EXT1', 0x83: 'EXT2', 0x84: 'EXT4',
  0x8b: 'LONG4', 0x8e: 'BINBYTES8', 0x8f: 'EMPTY_SET', 0x90: 'ADDITEMS', 0x91: 'FROZENSET', 0x92: 'NEWOBJ_EX',
  0x96: 'BYTEARRAY8', 0x97: 'NEXT_BUFFER', 0x98: 'READONLY_BUFFER',
};

const MARK = Symbol('mark');
type StackItem = PyValue | typeof MARK;

function describe(v: StackItem): string {
  if (v === MARK) return 'a mark';
  if (v === null) return 'None';
  if (Array.isArray(v)) return 'a list';
  if (v instanceof PyTuple) return 'a tuple';
  if (v instanceof PyDict) return 'a dict';
  if (v instanceof PyGlobal) return v.qualified;
  if (v instanceof StorageRef) return 'a storage';
  if (v instanceof TensorRef) return 'a tensor';
  return `a ${typeof v}`;
}

function isInt(v: PyValue): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v);
}

function intList(v: PyValue, what: string): number[] {
  if (!(v instanceof PyTuple) || !v.items.every((x) => isInt(x) && x >= 0)) throw new PickleError(`pickle: ${what} is not a tuple of non-negative integers`);
  return v.items as number[];
}

class Unpickler {
  private pos = 0;
  private stack: StackItem[] = [];
  private readonly marks: number[] = [];
  private readonly memo = new Map<number, PyValue>();
  private readonly dv: DataView;

  constructor(private readonly b: Uint8Array) {
    this.dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  }

  private fail(msg: string): never {
    throw new PickleError(`pickle: ${msg}`);
  }

  private take(n: number): number {
    if (n < 0 || this.pos + n > this.b.length) this.fail(`truncated: needs ${n} bytes at byte ${this.pos} of ${this.b.length}`);
    const at = this.pos;
    this.pos += n;
    return at;
  }
  private u8(): number {
    return this.b[this.take(1)];
  }
  private u16(): number {
    return this.dv.getUint16(this.take(2), true);
  }
  private u32(): number {
    return this.dv.getUint32(this.take(4), true);
  }
  private u64(): number {
    const at = this.take(8);
    const v = this.dv.getUint32(at + 4, true) * 2 ** 32 + this.dv.getUint32(at, true);
    if (!Number.isSafeInteger(v)) this.fail(`length ${v} at byte ${at} is absurd`);
    return v;
  }
  private utf8(n: number): string {
    const at = this.take(n);
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(this.b.subarray(at, at + n));
    } catch {
      this.fail(`string at byte ${at} is not valid UTF-8`);
    }
  }
  private line(): string {
    const start = this.pos;
    const end = this.b.indexOf(0x0a, start);
    if (end < 0 || end - start > 1024) this.fail(`unterminated global name at byte ${start}`);
    this.pos = end + 1;
    return new TextDecoder('latin1').decode(this.b.subarray(start, end));
  }
  private signed(at: number, n: number): number | bigint {
    let v = 0n;
    for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(this.b[at + i]);
    if (n > 0 && this.b[at + n - 1] & 0x80) v -= 1n << BigInt(8 * n);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  }

  private push(v: PyValue): void {
    this.stack.push(v);
  }
  private pop(): PyValue {
    if (this.stack.length === 0 || (this.marks.length && this.stack.length <= this.marks[this.marks.length - 1])) this.fail(`stack underflow at byte ${this.pos - 1}`);
    const v = this.stack.pop()!;
    return v as PyValue;
  }
  private top(): PyValue {
    const v = this.stack[this.stack.length - 1];
    if (this.stack.length === 0 || (this.marks.length && this.stack.length <= this.marks[this.marks.length - 1])) this.fail(`stack underflow at byte ${this.pos - 1}`);
    return v as PyValue;
  }
  private popMark(): PyValue[] {
    const m = this.marks.pop();
    if (m === undefined) this.fail(`no mark at byte ${this.pos - 1}`);
    const items = this.stack.splice(m) as PyValue[];
    return items;
  }
  private memoPut(i: number): void {
    this.memo.set(i, this.top());
  }
  private memoGet(i: number): void {
    if (!this.memo.has(i)) this.fail(`memo key ${i} used before it was set (byte ${this.pos})`);
    this.push(this.memo.get(i)!);
  }

  private global(module: string, name: string): PyGlobal {
    const q = `${module}.${name}`;
    if (!KNOWN_GLOBALS.has(q)) {
      this.fail(`needs the Python object ${q}, which a state dict never does; this reader does not run code from checkpoints (save model.state_dict() with torch.save)`);
    }
    return new PyGlobal(module, name);
  }

  private setItem(d: PyValue, k: PyValue, v: PyValue): void {
    if (!(d instanceof PyDict)) this.fail(`SETITEM on ${describe(d)}, not a dict`);
    if (!(k === null || ['string', 'number', 'bigint', 'boolean'].includes(typeof k))) this.fail(`dict key of type ${describe(k)} is not supported`);
    d.map.set(k as PyKey, v);
  }

  private reduce(fn: PyValue, args: PyValue): PyValue {
    if (!(fn instanceof PyGlobal)) this.fail(`REDUCE calls ${describe(fn)}, not a known global`);
    if (!(args instanceof PyTuple)) this.fail(`REDUCE of ${fn.qualified} with ${describe(args)} instead of an argument tuple`);
    const a = args.items;
    switch (fn.qualified) {
      case ORDERED_DICT:
        if (a.length !== 0) this.fail('OrderedDict built from arguments is not supported');
        return new PyDict(true);
      case REBUILD_TENSOR: {
        if (a.length < 4 || !(a[0] instanceof StorageRef)) this.fail(`${REBUILD_TENSOR} needs (storage, offset, size, stride, ...)`);
        if (!isInt(a[1]) || a[1] < 0) this.fail(`${REBUILD_TENSOR}: storage offset ${String(a[1])} is not a non-negative integer`);
        const shape = intList(a[2], 'tensor size');
        const stride = intList(a[3], 'tensor stride');
        if (shape.length !== stride.length) this.fail(`tensor size has ${shape.length} dims but stride ${stride.length}`);
        return new TensorRef(a[0], a[1], shape, stride);
      }
      case REBUILD_PARAMETER:
      case REBUILD_PARAMETER_STATE:
        if (!(a[0] instanceof TensorRef)) this.fail(`${fn.qualified} of ${describe(a[0])}, not a tensor`);
        return a[0];
      default:
        this.fail(`${fn.qualified} cannot be called here`);
    }
  }

  private persistent(pid: PyValue): StorageRef {
    const p = pid instanceof PyTuple ? pid.items : [];
    const [tag, type, key, location, numel] = p;
    if (p.length !== 5 || tag !== 'storage' || !(type instanceof PyGlobal) || typeof key !== 'string' || typeof location !== 'string' || !isInt(numel) || numel < 0) {
      this.fail(`persistent id ${describe(pid)} is not ('storage', type, key, location, numel)`);
    }
    if (type.module !== 'torch' || !STORAGE_KINDS.has(type.name)) this.fail(`persistent id names ${type.qualified}, not a storage type`);
    return new StorageRef(type.name, key, location, numel);
  }

  run(): PyValue {
    for (;;) {
      const at = this.pos;
      const op = this.u8();
      switch (op) {
        case 0x80: { // PROTO
          const v = this.u8();
          if (v < 2 || v > 5) this.fail(`pickle protocol ${v} is not supported (2 to 5 are)`);
          break;
        }
        case 0x95: // FRAME: a length hint only
          this.u64();
          break;
        case 0x2e: { // STOP
          if (this.stack.length !== 1 || this.marks.length) this.fail(`STOP with ${this.stack.length} values on the stack`);
          return this.stack[0] as PyValue;
        }
        case 0x28: // MARK
          this.marks.push(this.stack.length);
          break;
        case 0x29: this.push(new PyTuple([])); break; // EMPTY_TUPLE
        case 0x5d: this.push([]); break; // EMPTY_LIST
        case 0x7d: this.push(new PyDict(false)); break; // EMPTY_DICT
        case 0x4e: this.push(null); break; // NONE
        case 0x88: this.push(true); break; // NEWTRUE
        case 0x89: this.push(false); break; // NEWFALSE
        case 0x4a: this.push(this.dv.getInt32(this.take(4), true)); break; // BININT
        case 0x4b: this.push(this.u8()); break; // BININT1
        case 0x4d: this.push(this.u16()); break; // BININT2
        case 0x8a: { // LONG1
          const n = this.u8();
          this.push(this.signed(this.take(n), n));
          break;
        }
        case 0x47: this.push(this.dv.getFloat64(this.take(8), false)); break; // BINFLOAT (big-endian)
        case 0x58: this.push(this.utf8(this.u32())); break; // BINUNICODE
        case 0x8c: this.push(this.utf8(this.u8())); break; // SHORT_BINUNICODE
        case 0x8d: this.push(this.utf8(this.u64())); break; // BINUNICODE8
        case 0x71: this.memoPut(this.u8()); break; // BINPUT
        case 0x72: this.memoPut(this.u32()); break; // LONG_BINPUT
        case 0x94: this.memoPut(this.memo.size); break; // MEMOIZE
        case 0x68: this.memoGet(this.u8()); break; // BINGET
        case 0x6a: this.memoGet(this.u32()); break; // LONG_BINGET
        case 0x74: this.push(new PyTuple(this.popMark())); break; // TUPLE
        case 0x85: this.push(new PyTuple([this.pop()])); break; // TUPLE1
        case 0x86: { // TUPLE2
          const y = this.pop();
          this.push(new PyTuple([this.pop(), y]));
          break;
        }
        case 0x87: { // TUPLE3
          const z = this.pop();
          const y = this.pop();
          this.push(new PyTuple([this.pop(), y, z]));
          break;
        }
        case 0x61: { // APPEND
          const v = this.pop();
          const l = this.top();
          if (!Array.isArray(l)) this.fail(`APPEND to ${describe(l)}, not a list`);
          l.push(v);
          break;
        }
        case 0x65: { // APPENDS
          const items = this.popMark();
          const l = this.top();
          if (!Array.isArray(l)) this.fail(`APPENDS to ${describe(l)}, not a list`);
          for (const v of items) l.push(v);
          break;
        }
        case 0x73: { // SETITEM
          const v = this.pop();
          const k = this.pop();
          this.setItem(this.top(), k, v);
          break;
        }
        case 0x75: { // SETITEMS
          const items = this.popMark();
          if (items.length % 2) this.fail(`SETITEMS with an odd number of values at byte ${at}`);
          const d = this.top();
          for (let i = 0; i < items.length; i += 2) this.setItem(d, items[i], items[i + 1]);
          break;
        }
        case 0x63: { // GLOBAL
          const module = this.line();
          this.push(this.global(module, this.line()));
          break;
        }
        case 0x93: { // STACK_GLOBAL
          const name = this.pop();
          const module = this.pop();
          if (typeof module !== 'string' || typeof name !== 'string') this.fail(`STACK_GLOBAL of ${describe(module)} and ${describe(name)}`);
          this.push(this.global(module, name));
          break;
        }
        case 0x51: this.push(this.persistent(this.pop())); break; // BINPERSID
        case 0x52: { // REDUCE
          const args = this.pop();
          this.push(this.reduce(this.pop(), args));
          break;
        }
        case 0x62: { // BUILD
          const state = this.pop();
          const obj = this.top();
          if (!(obj instanceof PyDict)) this.fail(`BUILD on ${describe(obj)} (only an OrderedDict's attributes are accepted)`);
          obj.attrs = state;
          break;
        }
        default: {
          const name = OPCODE_NAMES[op];
          const ch = op >= 0x20 && op < 0x7f ? ` '${String.fromCharCode(op)}'` : '';
          this.fail(`opcode 0x${op.toString(16).padStart(2, '0')}${ch}${name ? ` (${name})` : ''} at byte ${at} is not one a state dict needs; refused`);
        }
      }
    }
  }
}

/** Interprets a pickle stream as plain data and tensor references, or throws a PickleError. */
export function unpickle(bytes: Uint8Array): PyValue {
  return new Unpickler(bytes).run();
}
