import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encode } from 'fast-png';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, event, removeDir, tempDir, writeTinyCheckpoint } from '../cli/sr-support.js';

// Deno once kept running after the work was done: its Web Workers (the WASM backend's threads)
// cannot be unref'd, so a script that had started them never exited. The CLI under Deno must
// now exit by itself, with the same PNG as Node writes.
const deno = 'node_modules/.bin/deno';
const ready = existsSync(deno) && existsSync('dist/cli/main.js');
const denoEnv = { ...process.env, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1' };

describe.skipIf(!ready)('Deno CLI (needs npm run build and the deno dev dependency)', () => {
  const tmp = tempDir('resshift-deno-cli-');
  afterAll(() => removeDir(tmp));

  it('upscale with 2 wasm threads exits by itself and writes the same PNG as Node', () => {
    const ck = writeTinyCheckpoint(join(tmp, 'tiny.safetensors'));
    const input = join(tmp, 'in.png');
    const data = new Uint8Array(16 * 12 * 3).map((_, i) => (i * 37) % 256);
    writeFileSync(input, encode({ width: 16, height: 12, data, channels: 3, depth: 8 }));
    const args = (out: string) => ['upscale', input, '-o', out, '--checkpoint', ck, '--steps', '2', '--backend', 'wasm', '--threads', '2', '--json'];

    const fromDeno = join(tmp, 'deno.png');
    const d = spawnSync(deno, ['run', '-A', '--no-prompt', BIN, ...args(fromDeno)], { encoding: 'utf8', timeout: 60_000, env: denoEnv });
    // a hang ends in the timeout: no status, SIGTERM
    expect(d.signal, 'deno did not exit by itself').toBeNull();
    expect(d.status, d.stderr).toBe(0);
    expect(event(d.stdout, 'written')).toMatchObject({ outputSize: [64, 48], inputSize: [16, 12] });

    const fromNode = join(tmp, 'node.png');
    const n = spawnSync(process.execPath, [BIN, ...args(fromNode)], { encoding: 'utf8', timeout: 60_000 });
    expect(n.status, n.stderr).toBe(0);
    expect(readFileSync(fromDeno)).toEqual(readFileSync(fromNode));
  });

  it('a script that only starts the WASM workers (the fused multiply-add build) exits', () => {
    // an application folder with the package installed (a link to this repository): Deno reads the
    // package's "imports" conditions (#wasm-workers) for a package, not for a file loaded by path
    const app = join(tmp, 'app');
    mkdirSync(join(app, 'node_modules'), { recursive: true });
    symlinkSync(process.cwd(), join(app, 'node_modules/resshift-ts'));
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module', dependencies: { 'resshift-ts': '*' } }));
    const script = join(app, 'init.mjs');
    // Deno's V8 has relaxed SIMD on by default: the fused multiply-add build starts without flags
    writeFileSync(script, `import { initWasmBackend, wasmFma, wasmThreads } from 'resshift-ts';\nawait initWasmBackend({ threads: 2, fma: true });\nconsole.log(wasmThreads(), wasmFma());\n`);
    const r = spawnSync(join(process.cwd(), deno), ['run', '--allow-read', '--no-prompt', script], { encoding: 'utf8', timeout: 30_000, env: denoEnv, cwd: app });
    expect(r.signal, 'deno did not exit by itself').toBeNull();
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('2 true');
  });
});
