import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pruneCheckpoints } from '../../src/resshift/checkpoint-files.js';
import { tempDir } from './train-fixtures.js';

const tmp = tempDir('prune');
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function folder(name: string, files: string[]): string {
  const dir = join(tmp, name);
  mkdirSync(dir);
  for (const f of files) writeFileSync(join(dir, f), f);
  return dir;
}

const pair = (base: string) => [`${base}.safetensors`, `${base}.optim.safetensors`];
const FOREIGN = ['notes.txt', 'my-model.safetensors', 'resshift_epoch_x.safetensors', 'resshift_epoch_1.safetensors.bak', 'resshift_final.safetensors'];

describe('pruneCheckpoints (train --keep-last)', () => {
  it('keeps the newest pairs by position, deletes older pairs whole, never a file it did not name', async () => {
    const dir = folder('a', [...pair('resshift_epoch_1'), ...pair('resshift_epoch_1_step_3'), ...pair('resshift_epoch_2'), ...pair('resshift_epoch_10'), ...FOREIGN]);
    const removed = await pruneCheckpoints(dir, 2, join(dir, 'resshift_epoch_10.safetensors'));
    expect(removed.sort()).toEqual([join(dir, 'resshift_epoch_1.safetensors'), join(dir, 'resshift_epoch_1_step_3.safetensors')]);
    expect(readdirSync(dir).sort()).toEqual([...pair('resshift_epoch_10'), ...pair('resshift_epoch_2'), ...FOREIGN].sort());
  });

  it('never deletes the pair just saved, even when newer-named files are there', async () => {
    const dir = folder('b', [...pair('resshift_epoch_1'), ...pair('resshift_epoch_5'), ...pair('resshift_epoch_7')]);
    await pruneCheckpoints(dir, 1, join(dir, 'resshift_epoch_1.safetensors'));
    expect(readdirSync(dir).sort()).toEqual([...pair('resshift_epoch_1'), ...pair('resshift_epoch_7')].sort());
  });

  it('a model file without its optimizer file goes alone; a missing folder or keep < 1', async () => {
    const dir = folder('c', ['resshift_epoch_1.safetensors', ...pair('resshift_epoch_2')]);
    expect(await pruneCheckpoints(dir, 1, join(dir, 'resshift_epoch_2.safetensors'))).toEqual([join(dir, 'resshift_epoch_1.safetensors')]);
    expect(readdirSync(dir).sort()).toEqual(pair('resshift_epoch_2').sort());
    expect(await pruneCheckpoints(join(tmp, 'none'), 1, 'x')).toEqual([]);
    await expect(pruneCheckpoints(dir, 0, 'x')).rejects.toThrow(/keep must be a positive integer/);
  });
});
