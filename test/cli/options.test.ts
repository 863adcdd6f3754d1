import { availableParallelism } from 'node:os';
import { expect, test } from 'vitest';
import { InputError, intOption, positiveInt, threadsOption } from '../../src/cli/common.js';
import { parseFlags } from '../../src/cli/sampling.js';

const flags = { tile: '256', overlap: '32', seed: '0', backend: 'ref' };

test('integer options: a range named in the message; 1e308 is not a count', () => {
  expect(intOption('width', '64', 1, 512)).toBe(64);
  expect(() => intOption('width', '1e308', 1, 512)).toThrow(new InputError('--width must be an integer from 1 to 512, got 1e308'));
  expect(() => intOption('width', '2.5', 1, 512)).toThrow(/--width must be an integer from 1 to 512, got 2\.5/);
  expect(() => positiveInt('iterations', '1e308')).toThrow(/--iterations must be a positive integer below 2\^53, got 1e308/);
  expect(positiveInt('iterations', '5')).toBe(5);
});

test('--threads: 1 to twice the cores, with a message saying why', () => {
  const cores = availableParallelism();
  expect(threadsOption(undefined)).toBeUndefined();
  expect(threadsOption(undefined, 3)).toBe(3);
  expect(threadsOption(String(2 * cores))).toBe(2 * cores);
  for (const v of ['1e308', String(2 * cores + 1), '0', '1.5']) {
    expect(() => threadsOption(v)).toThrow(new RegExp(`--threads must be an integer from 1 to ${2 * cores} \\(twice this machine's ${cores} cores: .*\\), got ${v.replace('.', '\\.')}`));
  }
  expect(() => parseFlags({ ...flags, threads: '1e308' })).toThrow(/--threads must be an integer from 1 to/);
});

test('--tile: a multiple of 8 up to 1024; --overlap below the tile', () => {
  expect(parseFlags({ ...flags, tile: '1024', overlap: '64' })).toMatchObject({ tile: 1024, overlap: 64 });
  expect(() => parseFlags({ ...flags, tile: '1e308' })).toThrow(/--tile must be an integer from 8 to 1024, got 1e308/);
  expect(() => parseFlags({ ...flags, tile: '2048' })).toThrow(/--tile must be an integer from 8 to 1024/);
  expect(() => parseFlags({ ...flags, overlap: '1e308' })).toThrow(/--tile 256 --overlap 1e308: tile overlap must be/);
});
