// `resshift-ts convert` and `resshift-ts export-onnx` as a user runs them (the built CLI in dist/).
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { unetToOnnx } from '../../src/interop/onnx-unet.js';
import { checkpointFromBytes, modelFromCheckpoint } from '../../src/resshift/checkpoint.js';
import { built, cli, removeDir, tempDir } from '../cli/sr-support.js';
import { FIXTURES, fixtureTensors } from './fixtures.js';

const tmp = tempDir('resshift-interop-cli-');
afterAll(() => removeDir(tmp));
const fixture = (name: string) => resolve(FIXTURES, name);
const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');

describe.skipIf(!built)('resshift-ts convert / export-onnx', () => {
  it('--help describes each command and exits 0', () => {
    const c = cli(['convert', '--help']);
    expect(c.code).toBe(0);
    expect(c.out).toMatch(/--key <name>/);
    expect(c.out).toMatch(/Exit status: 0 done, 1 failure, 2 bad input/);
    const e = cli(['export-onnx', '--help']);
    expect(e.code).toBe(0);
    expect(e.out).toMatch(/opset 17/);
    expect(e.out).toMatch(/Exit status: 0 done, 1 failure, 2 bad input/);
  });

  it('converts a notebook training checkpoint into a model file and exports it to ONNX', () => {
    const out = join(tmp, 'model.safetensors');
    const c = cli(['convert', fixture('unet-w2-train.pt'), out]);
    expect(c.err).toBe('');
    expect(c.code).toBe(0);
    expect(c.out).toMatch(/^wrote .*model\.safetensors: DualDomainUNet width 2, 31 input channels, time dim 8; 144 tensors, \d+ parameters; state dict from 'model'; skipped optimizer, epoch 1\n$/);
    const ck = checkpointFromBytes(new Uint8Array(readFileSync(out)));
    const want = fixtureTensors('unet-w2.expected.safetensors');
    for (const [k, t] of want) expect(Array.from(ck.state.get(k)!.data), k).toEqual([...t.data]);

    const onnx = join(tmp, 'model.onnx');
    const e = cli(['export-onnx', out, onnx, '--json']);
    expect(e.code).toBe(0);
    const report = JSON.parse(e.out) as { opset: number; inputs: string[]; output_name: string; bytes: number };
    expect(report).toMatchObject({ opset: 17, inputs: ['xt', 'y0_aug', 't'], output_name: 'residual' });
    // the file is exactly what the exporter gives for that model and its diffusion settings
    const model = modelFromCheckpoint(ck);
    const state = new Map(model.stateDict().map(([n, t]) => [n, { shape: [...t.shape], data: Float32Array.from(t.dataSync()) }]));
    model.dispose();
    const bytes = unetToOnnx(state, ck.meta.model, { metadata: { 'resshift.diffusion': JSON.stringify(ck.meta.diffusion) } });
    expect(report.bytes).toBe(bytes.length);
    expect(Buffer.compare(readFileSync(onnx), Buffer.from(bytes))).toBe(0);
  });

  it('bad input: exit 2, one line naming the file, nothing written or overwritten', () => {
    const dir = join(tmp, 'bad');
    const keep = join(tmp, 'keep.safetensors');
    writeFileSync(keep, 'previous contents');
    const before = sha(keep);
    const cases: [string[], RegExp][] = [
      [['convert', fixture('legacy.pt'), keep], /legacy\.pt: is in the legacy PyTorch format/],
      [['convert', fixture('module.pt'), keep], /module\.pt: pickle: needs the Python object torch\.nn\.modules\.linear\.Linear/],
      [['convert', fixture('views.pt'), keep], /views\.pt: not a DualDomainUNet state dict \(no inc\.conv\.0\.weight/],
      [['convert', fixture('unet-w2-train.pt'), keep, '--key', 'optimizer'], /'optimizer' holds a dict that is not a state dict/],
      [['convert', join(tmp, 'missing.pt'), keep], /missing\.pt: no such file/],
      [['convert', fixture('unet-w2.pt'), join(dir, 'x', 'out.safetensors')], /folder .* does not exist/],
      [['export-onnx', fixture('unet-w2.pt'), keep], /unet-w2\.pt: is a PyTorch checkpoint, not a model file; convert it first/],
      [['export-onnx', join(tmp, 'missing.safetensors'), keep], /missing\.safetensors: no such checkpoint file/],
    ];
    for (const [args, msg] of cases) {
      const r = cli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err).toMatch(msg);
      expect(r.err.trim().split('\n')).toHaveLength(1);
    }
    expect(sha(keep)).toBe(before);
    expect(existsSync(dir)).toBe(false);
    // the input is never the output, even through another spelling of its path
    const pt = join(tmp, 'in.pt');
    copyFileSync(fixture('unet-w2.pt'), pt);
    const ptHash = sha(pt);
    const same = cli(['convert', pt, join(tmp, '.', 'in.pt')]);
    expect(same.code).toBe(2);
    expect(same.err).toMatch(/the output would overwrite the input/);
    expect(sha(pt)).toBe(ptHash);
    expect(readdirSync(tmp).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });
});
