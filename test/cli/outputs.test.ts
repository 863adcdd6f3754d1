import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { InputError } from '../../src/cli/common.js';
import { checkOutputFile, prepareOutputDir, sameFile } from '../../src/cli/outputs.js';
import { atomicTempPath, writeFileAtomic } from '../../src/node/files.js';
import { removeDir, tempDir } from './sr-support.js';

const tmp = tempDir('resshift-outputs-');
afterAll(() => removeDir(tmp));
const onLinux = process.platform === 'linux' && existsSync('/proc/self');

async function inputError(p: Promise<unknown>, pattern: RegExp): Promise<void> {
  const e = await p.then(() => null, (x: unknown) => x);
  expect(e).toBeInstanceOf(InputError);
  expect((e as Error).message).toMatch(pattern);
}

describe('checkOutputFile: the output may not be the input, however it is reached', () => {
  const d = join(tmp, 'links');
  mkdirSync(d);
  writeFileSync(join(d, 'in.png'), 'input');
  symlinkSync('.', join(d, 'same')); // d/same -> d
  symlinkSync('in.png', join(d, 'link.png')); // an input that is a link to the output

  test('through a linked folder, through a linked input, or the same path', async () => {
    await inputError(checkOutputFile(join(d, 'same', 'in.png'), [join(d, 'in.png')]), /same\/in\.png: the output would overwrite the input \(.*links\/in\.png is the same file\)/);
    await inputError(checkOutputFile(join(d, 'in.png'), [join(d, 'link.png')]), /in\.png: the output would overwrite the input/);
    await inputError(checkOutputFile(join(d, 'in.png'), [join(d, 'in.png')]), /the output would overwrite the input$/);
    expect(readFileSync(join(d, 'in.png'), 'utf8')).toBe('input');
    expect(await sameFile(join(d, 'same', 'same', 'in.png'), join(d, 'in.png'))).toBe(true);
    expect(await sameFile(join(d, 'missing.png'), join(d, 'missing.png'))).toBe(false);
  });

  test('another file in the same folder is fine, and the check leaves nothing behind', async () => {
    await checkOutputFile(join(d, 'same', 'out.png'), [join(d, 'in.png')]);
    expect(readdirSync(d).sort()).toEqual(['in.png', 'link.png', 'same']);
  });
});

describe('names the file system refuses fail before the work, not after it', () => {
  test('the temporary name stays short whatever the target name (a legal 250-byte name included)', async () => {
    const name = `${'é'.repeat(123)}.png`; // 250 bytes of UTF-8
    expect(Buffer.byteLength(name)).toBe(250);
    const tmpName = basename(atomicTempPath(join(tmp, name)));
    expect(Buffer.byteLength(tmpName)).toBeLessThanOrEqual(100);
    expect(tmpName.startsWith(`.${'é'.repeat(32)}.`)).toBe(true);
    await checkOutputFile(join(tmp, name));
    await writeFileAtomic(join(tmp, name), 'data');
    expect(readFileSync(join(tmp, name), 'utf8')).toBe('data');
  });

  test('a name past the limit is refused by the check', async () => {
    await inputError(checkOutputFile(join(tmp, `${'x'.repeat(300)}.png`)), /x{300}\.png: the name x+\.png is too long for the file system/);
  });

  test.skipIf(!onLinux)('/proc refuses new files and folders: a clear message, no endless retry', async () => {
    await inputError(checkOutputFile('/proc/a.png'), /^\/proc\/a\.png: cannot create files in \/proc \(the file system does not allow it\)$/);
    await inputError(prepareOutputDir('/proc/x'), /^\/proc\/x: cannot create the folder \(the file system does not allow new folders there\)$/);
    await inputError(prepareOutputDir('/proc/x/y'), /^\/proc\/x\/y: cannot create the folder \/proc\/x /);
  });
});

describe('prepareOutputDir', () => {
  test('creates the missing folders; a file in the way is named', async () => {
    await prepareOutputDir(join(tmp, 'made', 'deeper'));
    expect(readdirSync(join(tmp, 'made', 'deeper'))).toEqual([]);
    writeFileSync(join(tmp, 'a-file'), '');
    await inputError(prepareOutputDir(join(tmp, 'a-file')), /a-file: is not a folder$/);
    await inputError(prepareOutputDir(join(tmp, 'a-file', 'sub')), /sub: .*a-file is not a folder$/);
    await inputError(prepareOutputDir(''), /empty/);
  });

  test('notInside refuses the folder itself and any folder below it, links resolved, and removes what it made', async () => {
    const data = join(tmp, 'data');
    mkdirSync(data);
    symlinkSync(data, join(tmp, 'data-link'));
    const notInside = { folder: data, why: 'reasons' };
    await inputError(prepareOutputDir(data, { notInside }), /data: the output folder is .*data \(reasons\); choose another/);
    await inputError(prepareOutputDir(join(tmp, 'data-link', 'new', 'panels'), { notInside }), /the output folder is inside .*data \(reasons\)/);
    await inputError(prepareOutputDir(join(tmp, 'elsewhere', '..', 'data-link'), { notInside }), /the output folder is .*data/);
    expect(readdirSync(data)).toEqual([]);
    expect(existsSync(join(tmp, 'elsewhere'))).toBe(false);
    await prepareOutputDir(join(tmp, 'beside-data'), { notInside });
  });
});
