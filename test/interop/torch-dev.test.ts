// Development-time check against PyTorch and the onnx package (Debian's python3-torch and
// python3-onnx): skipped where /usr/bin/python3 lacks them, as in CI.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { unetToOnnx } from '../../src/interop/onnx-unet.js';
import { SINGLE_OP } from '../../src/golden/tolerance.js';
import { serializeSafetensors } from '../../src/nn/safetensors.js';
import { modelToBytes } from '../../src/resshift/checkpoint.js';
import { DualDomainUNet } from '../../src/resshift/model.js';
import { DEFAULT_RESSHIFT_CONFIG } from '../../src/resshift/schedule.js';
import { noGrad, randNormal, tensor } from '../../src/tensor/index.js';
import { Rng } from '../../src/tensor/rng.js';

const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const tmp = mkdtempSync(join(tmpdir(), 'resshift-torch-dev-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('PyTorch interop (development time)', () => {
  it('our model files load into the reference module with a strict load_state_dict, give its forward, and the ONNX file passes onnx.checker', async (ctx) => {
    const model = new DualDomainUNet({ baseChannels: 4, timeDim: 16 }, { rng: new Rng(3) });
    const file = join(tmp, 'w4.safetensors');
    writeFileSync(file, await modelToBytes(model, { model: model.config, diffusion: { ...DEFAULT_RESSHIFT_CONFIG } }));
    const rng = new Rng(9);
    const [B, H, W] = [2, 16, 24];
    const xt = randNormal([B, 3, H, W], rng);
    const y0 = randNormal([B, 28, H, W], rng);
    const t = Float32Array.of(2, 13);
    const out = noGrad(() => model.forward(xt, y0, tensor(t, [B])));
    const arr = (x: { shape: readonly number[]; dataSync(): ArrayLike<number> }) => ({ shape: [...x.shape], data: Float32Array.from(x.dataSync()) });
    writeFileSync(join(tmp, 'fwd.safetensors'), serializeSafetensors({ xt: arr(xt), y0_aug: arr(y0), t: { shape: [B], data: t }, output: arr(out) }));
    const state = new Map(model.stateDict().map(([n, x]) => [n, arr(x)]));
    writeFileSync(join(tmp, 'w4.onnx'), unetToOnnx(state, model.config));
    model.dispose();
    const models = [file, ...(existsSync('models/resshift-default.safetensors') ? ['models/resshift-default.safetensors'] : [])];
    const r = spawnSync(PYTHON, ['test/interop/torch_interop_check.py', '--forward', join(tmp, 'fwd.safetensors'), '--onnx', join(tmp, 'w4.onnx'), ...models], { encoding: 'utf8', timeout: 120_000 });
    if (r.status === 77 || (r.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') ctx.skip();
    expect(r.status, r.stderr).toBe(0);
    const rep = JSON.parse(r.stdout.trim().split('\n').pop()!) as { loaded: unknown[]; forward_max_abs_diff: number; forward_max_abs: number; onnx_opset: number };
    expect(rep.loaded).toHaveLength(models.length);
    expect(rep.forward_max_abs_diff).toBeLessThanOrEqual(SINGLE_OP.atol + SINGLE_OP.rtol * rep.forward_max_abs);
    expect(rep.onnx_opset).toBe(17);
  });
});
