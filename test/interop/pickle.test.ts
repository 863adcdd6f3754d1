import { describe, expect, it } from 'vitest';
import { PickleError, PyDict, PyTuple, unpickle, type PyValue } from '../../src/interop/pickle.js';

const hex = (h: string) => Uint8Array.from(h.match(/../g)!.map((b) => parseInt(b, 16)));
const bytes = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

// pickle.dumps(V, protocol=P).hex() from Python 3.11 for
// V = {'a': 1, 'b': [1.5, True, False, None, -5, 300, 70000, -2**40, 2**70, 'ü'], 'c': (1, 2, 3), 'd': (), 'e': (7,), 'f': ('x', 'y'), 3: {}}
const V_P2 =
  '80027d71002858010000006171014b0158010000006271025d710328473ff800000000000088894e4afbffffff4d2c014a701101008a060000000000ff8a090000000000000000405802000000c3bc71046558010000006371054b014b024b0387710658010000006471072958010000006571084b07857109580100000066710a580100000078710b580100000079710c86710d4b037d710e752e';
const V_P4 =
  '8004956f000000000000007d94288c0161944b018c0162945d9428473ff800000000000088894e4afbffffff4d2c014a701101008a060000000000ff8a090000000000000000408c02c3bc94658c0163944b014b024b0387948c016494298c0165944b0785948c0166948c0178948c01799486944b037d94752e';

/** Python-like plain view of an unpickled value, for comparisons. */
function plain(v: PyValue): unknown {
  if (v instanceof PyTuple) return { tuple: v.items.map(plain) };
  if (v instanceof PyDict) return [...v.map].map(([k, x]) => [k, plain(x)]);
  if (Array.isArray(v)) return v.map(plain);
  return v;
}

const expected = [
  ['a', 1],
  ['b', [1.5, true, false, null, -5, 300, 70000, -(2 ** 40), 2n ** 70n, 'ü']],
  ['c', { tuple: [1, 2, 3] }],
  ['d', { tuple: [] }],
  ['e', { tuple: [7] }],
  ['f', { tuple: ['x', 'y'] }],
  [3, []],
];

describe('restricted unpickler', () => {
  it('reads plain data pickled with protocols 2 and 4 (memo, frames, short strings, big ints)', () => {
    expect(plain(unpickle(hex(V_P2)))).toEqual(expected);
    expect(plain(unpickle(hex(V_P4)))).toEqual(expected);
    expect(plain(unpickle(hex(V_P4.replace(/^8004/, '8005'))))).toEqual(expected);
  });

  it('builds an OrderedDict, the one callable a state dict needs besides the tensor rebuild', () => {
    // pickle.dumps(collections.OrderedDict([('k', 1.25)]), protocol=2)
    const d = unpickle(hex('800263636f6c6c656374696f6e730a4f726465726564446963740a71002952710158010000006b7102473ff4000000000000732e'));
    expect(d).toBeInstanceOf(PyDict);
    expect((d as PyDict).ordered).toBe(true);
    expect(plain(d)).toEqual([['k', 1.25]]);
  });

  it('refuses any other global before anything could run, naming it', () => {
    // the classic payload: os.system('echo hi')
    expect(() => unpickle(bytes("cos\nsystem\n(S'echo hi'\ntR."))).toThrow(/needs the Python object os\.system, which a state dict never does/);
    // protocol 4 reaches globals through STACK_GLOBAL
    expect(() => unpickle(bytes('\x80\x04\x8c\x08builtins\x94\x8c\x04eval\x94\x93\x94.'))).toThrow(/builtins\.eval/);
    // pickle.dumps({'s': {1}}, protocol=2): sets go through __builtin__.set
    expect(() => unpickle(hex('80027d71005801000000737101635f5f6275696c74696e5f5f0a7365740a71025d71034b0161857104527105732e'))).toThrow(/__builtin__\.set/);
    // torch's storage types are known, but only as the type in a persistent id
    expect(() => unpickle(bytes('\x80\x02ctorch\nFloatStorage\n)R.'))).toThrow(/torch\.FloatStorage cannot be called here/);
  });

  it('refuses opcodes a state dict does not need, and malformed streams', () => {
    // pickle.dumps({'s': b'ab'}, protocol=4): bytes objects
    expect(() => unpickle(hex('8004950d000000000000007d948c0173944302616294732e'))).toThrow(/opcode 0x43 'C' \(SHORT_BINBYTES\) at byte 17 is not one a state dict needs/);
    expect(() => unpickle(bytes('\x80\x02(i__main__\nX\n.'))).toThrow(/\(INST\)/);
    expect(() => unpickle(bytes('\x80\x01}.'))).toThrow(/protocol 1 is not supported/);
    expect(() => unpickle(bytes('\x80\x02}q\x00X\x05\x00\x00\x00ab'))).toThrow(/truncated/);
    expect(() => unpickle(bytes('\x80\x02h\x07.'))).toThrow(/memo key 7 used before it was set/);
    expect(() => unpickle(bytes('\x80\x02s.'))).toThrow(/stack underflow/);
    expect(() => unpickle(bytes('\x80\x02K\x01K\x02.'))).toThrow(/STOP with 2 values/);
    expect(() => unpickle(bytes('\x80\x02]K\x01K\x02s.'))).toThrow(/SETITEM on a list/);
    // a persistent id must name a storage
    expect(() => unpickle(bytes('\x80\x02X\x01\x00\x00\x00xQ.'))).toThrow(/persistent id a string is not \('storage'/);
    expect(() => unpickle(bytes('\x80\x02'))).toThrow(PickleError);
  });
});
