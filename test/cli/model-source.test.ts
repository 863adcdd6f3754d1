import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BUNDLED_MODEL, chooseModel } from '../../src/cli/model-source.js';
import { removeDir, tempDir, writeTinyCheckpoint } from './sr-support.js';

const tmp = tempDir('resshift-model-source-');
afterAll(() => removeDir(tmp));

describe('which model upscale and eval run', () => {
  it('--checkpoint first, then the bundled model, then the newest checkpoint, else a how-to', async () => {
    const bundled = writeTinyCheckpoint(join(tmp, 'bundled.safetensors'));
    const dir = join(tmp, 'checkpoints');
    expect(await chooseModel('mine.safetensors', bundled, dir)).toEqual({ path: 'mine.safetensors', source: 'checkpoint' });
    expect(await chooseModel(undefined, bundled, dir)).toEqual({ path: bundled, source: 'bundled', notes: [] });
    const missing = join(tmp, 'no-such-model.safetensors');
    await expect(chooseModel(undefined, missing, dir)).rejects.toThrow(/no model: .*resshift-ts train.*--checkpoint/);
    mkdirSync(dir);
    writeTinyCheckpoint(join(dir, 'resshift_epoch_2.safetensors'));
    writeTinyCheckpoint(join(dir, 'resshift_epoch_10.safetensors'));
    expect(await chooseModel(undefined, missing, dir)).toEqual({ path: join(dir, 'resshift_epoch_10.safetensors'), source: 'latest' });
  });
  it('the bundled model is found beside the package, not in the working folder', () => {
    expect(BUNDLED_MODEL.replace(/\\/g, '/')).toMatch(/\/models\/resshift-default\.safetensors$/);
  });
});
