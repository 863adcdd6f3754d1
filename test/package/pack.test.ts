import { execFileSync, spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { npmEnv } from '../support/package.js';

// The package as a new user gets it: `npm pack` of a clean checkout (prepack builds it), checked
// by publint and arethetypeswrong, its size held to the README's budget, then installed from the
// tarball into an empty folder outside this repository (so nothing resolves from our own
// node_modules) and used: `npx resshift-ts --version`, upscale, train, eval, and the library.
//
// The pack runs in a copy of the checkout's files, not here: prepack rebuilds dist/, which other
// test files read while this one runs, and a copy also proves the tarball is built from the
// sources alone (no stale file in this dist/ can slip in).

const root = resolve('.');
const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { name: string; version: string };
const git = spawnSync('git', ['rev-parse', '--is-inside-work-tree'], { encoding: 'utf8' });
const checkout = git.status === 0 && git.stdout.trim() === 'true';
// Generous: about 30 s on an idle 2-core machine, mostly the build; a busy one stretches that.
const LIMIT = 300_000;

interface Ran {
  stdout: string;
  stderr: string;
}

/** Runs a command; a failure throws with what it printed. */
function run(cmd: string, args: string[], opts: SpawnSyncOptions & { cwd: string }): Ran {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 180_000, maxBuffer: 64 << 20, env: npmEnv(), ...opts });
  const out = { stdout: String(r.stdout), stderr: String(r.stderr) };
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} (in ${opts.cwd}) exited ${r.status ?? r.signal}${r.error ? ` (${r.error.message})` : ''}\nstdout:\n${out.stdout.slice(-4000)}\nstderr:\n${out.stderr.slice(-4000)}`);
  return out;
}

interface PackResult {
  filename: string;
  size: number;
  unpackedSize: number;
  entryCount: number;
  files: { path: string; size: number }[];
}

/** The size budget the README states, in bytes. */
function readmeBudget(): { tarball: number; unpacked: number } {
  const m = /Size\s+budget:\s+the\s+tarball\s+at\s+most\s+([\d.]+)\s+MB,\s+unpacked\s+at\s+most\s+([\d.]+)\s+MB/.exec(readFileSync('README.md', 'utf8'));
  if (!m) throw new Error('README.md states no "Size budget: the tarball at most X MB, unpacked at most Y MB"');
  return { tarball: Number(m[1]) * 1e6, unpacked: Number(m[2]) * 1e6 };
}

describe.skipIf(!checkout)(`the packed package, installed into an empty folder${checkout ? '' : ' (skipped: not a git checkout, so no list of its files to pack)'}`, () => {
  const work = mkdtempSync(join(tmpdir(), 'resshift-pack-'));
  const copy = join(work, 'checkout');
  const app = join(work, 'app');
  let pack: Ran;
  let packed: PackResult;
  let tarball: string;

  beforeAll(() => {
    // the files a clean clone has (tracked, plus new ones not ignored), and the installed dev dependencies
    const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { encoding: 'utf8', maxBuffer: 64 << 20 })
      .split('\0')
      .filter((f) => f && f !== 'node_modules');
    for (const f of files) {
      mkdirSync(dirname(join(copy, f)), { recursive: true });
      try {
        copyFileSync(f, join(copy, f));
      } catch (e) {
        // deleted but not yet committed, or an untracked file another test just removed
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
    }
    symlinkSync(realpathSync('node_modules'), join(copy, 'node_modules'));
    // what an earlier build of a since-removed source leaves in dist/: prepack must not ship it
    mkdirSync(join(copy, 'dist'));
    writeFileSync(join(copy, 'dist/removed-module.js'), 'export {};\n');
    pack = run('npm', ['pack', '--json', '--pack-destination', work], { cwd: copy });
    packed = (JSON.parse(pack.stdout) as PackResult[])[0];
    tarball = join(work, packed.filename);
  }, LIMIT);

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('npm pack builds first (prepack) and prints only its JSON on stdout, the build log on stderr', () => {
    expect(pack.stderr).toMatch(/build:wasm: \d+ bytes/);
    expect(JSON.parse(pack.stdout)).toHaveLength(1);
    expect(packed.filename).toBe(`${pkg.name}-${pkg.version}.tgz`);
    expect(existsSync(tarball)).toBe(true);
  });

  it('ships the built entry points, the bundled model and the example, and nothing from the sources, tests or training runs', () => {
    const paths = packed.files.map((f) => f.path);
    for (const p of ['bin/resshift-ts.js', 'dist/index.js', 'dist/index.d.ts', 'dist/cli/main.js', 'dist/node/index.js', 'dist/api/resshift-worker.js', 'dist/backends/wasm/generated/kernels-wasm.js', 'models/resshift-default.safetensors', 'examples/sample.png', 'README.md', 'LICENSE', 'package.json']) {
      expect(paths).toContain(p);
    }
    expect(paths.filter((p) => /^(src|test|bench|assembly|scripts|demo|models\/runs)\//.test(p))).toEqual([]);
    expect(paths).not.toContain('dist/removed-module.js');
  });

  it('stays within the size budget the README states', () => {
    const budget = readmeBudget();
    console.log(`npm pack: ${packed.size} bytes packed, ${packed.unpackedSize} unpacked, ${packed.entryCount} files (budget ${budget.tarball} and ${budget.unpacked})`);
    // npm's numbers are the tarball's bytes on disk and the sum of its files' sizes
    expect(readFileSync(tarball).length).toBe(packed.size);
    expect(packed.files.reduce((s, f) => s + f.size, 0)).toBe(packed.unpackedSize);
    expect(packed.size).toBeLessThanOrEqual(budget.tarball);
    expect(packed.unpackedSize).toBeLessThanOrEqual(budget.unpacked);
  });

  it('publint finds nothing, suggestions included', async () => {
    const { publint } = await import('publint');
    const { formatMessage } = await import('publint/utils');
    const bytes = readFileSync(tarball);
    const r = await publint({ pack: { tarball: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) }, level: 'suggestion', strict: true });
    expect(r.messages.map((m) => `${m.type} ${m.code}: ${formatMessage(m, r.pkg) ?? ''}`)).toEqual([]);
  });

  it('arethetypeswrong finds nothing for an ESM-only package', () => {
    // The package is ESM only on purpose ("type": "module", no "require" condition): the
    // esm-only profile leaves out exactly the CommonJS resolutions (node10, node16 from CJS),
    // where `require('resshift-ts')` is not supported; every ESM and bundler resolution is checked.
    const r = spawnSync(join(root, 'node_modules/.bin/attw'), [tarball, '--profile', 'esm-only', '--format', 'json'], { encoding: 'utf8', timeout: 120_000, env: npmEnv() });
    const report = JSON.parse(r.stdout) as { problems?: Record<string, { entrypoint: string; resolutionKind?: string }[]>; analysis: { entrypoints: Record<string, unknown> } };
    // the JSON lists every problem found; the profile decides which of them count
    const counted = Object.values(report.problems ?? {})
      .flat()
      .filter((p) => p.resolutionKind !== 'node10' && p.resolutionKind !== 'node16-cjs');
    expect(counted).toEqual([]);
    expect(Object.keys(report.analysis.entrypoints)).toEqual(expect.arrayContaining(['.', './engine', './node', './worker']));
    expect(r.status, r.stderr).toBe(0);
  });

  describe('installed from the tarball', () => {
    const npx = (...args: string[]) => run('npx', ['--no', '--', 'resshift-ts', ...args], { cwd: app });

    beforeAll(() => {
      mkdirSync(app);
      writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
      // dependencies come from the npm cache that `npm ci` filled, else from the registry
      run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', tarball], { cwd: app });
    }, LIMIT);

    it('npx resshift-ts --version', () => {
      expect(npx('--version').stdout).toBe(`${pkg.version}\n`);
    });

    it('the library imports from the package, its Node entry too', () => {
      // crops of the shipped photograph, made with the package's own codecs: the input of the commands below
      const script = `
        import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
        import { createImage, decodeImage, encodePng, loadModel } from 'resshift-ts';
        import { trainModel } from 'resshift-ts/node';
        const { image } = decodeImage(readFileSync('node_modules/resshift-ts/examples/sample.png'), 'sample.png');
        const crop = (x0, y0, w, h) => {
          const out = createImage(w, h);
          for (let y = 0; y < h; y++) out.data.set(image.data.subarray(((y0 + y) * image.width + x0) * 3, ((y0 + y) * image.width + x0 + w) * 3), y * w * 3);
          return encodePng(out);
        };
        writeFileSync('photo.png', crop(32, 32, 24, 24));
        mkdirSync('data');
        writeFileSync('data/a.png', crop(0, 0, 40, 36));
        writeFileSync('data/b.png', crop(50, 40, 36, 40));
        const model = await loadModel();
        console.log(JSON.stringify({ trainModel: typeof trainModel, runsIn: model.runsIn }));
        model.dispose();
      `;
      writeFileSync(join(app, 'make-inputs.mjs'), script);
      const r = run(process.execPath, ['make-inputs.mjs'], { cwd: app });
      expect(JSON.parse(r.stdout)).toEqual({ trainModel: 'function', runsIn: 'thread' });
      expect(existsSync(join(app, 'data/b.png'))).toBe(true);
    });

    /** The JSON events --json prints, one per line. */
    const events = (stdout: string) => stdout.trim().split('\n').map((l) => JSON.parse(l) as { event: string } & Record<string, unknown>);

    it('upscales a photograph with the bundled model', () => {
      const r = events(npx('upscale', 'photo.png', '--steps', '2', '--threads', '1', '--json').stdout).find((e) => e.event === 'written');
      expect(r).toMatchObject({ output: 'photo_x4.png', model: 'bundled', outputSize: [96, 96] });
      expect(readFileSync(join(app, 'photo_x4.png')).subarray(1, 4).toString()).toBe('PNG');
    });

    it('trains 2 steps of a tiny model, then evaluates the checkpoint', () => {
      const lines = events(npx('train', '--data', 'data', '--width', '4', '--crop', '16', '--batch', '2', '--steps', '2', '--out', 'checkpoints', '--threads', '1', '--json').stdout);
      const done = lines.at(-1)! as { event: string; status?: string; step?: number; checkpoint?: string };
      expect(done).toMatchObject({ event: 'done', status: 'done', step: 2 });
      expect(existsSync(join(app, done.checkpoint!))).toBe(true);
      const ev = events(npx('eval', '--data', 'data', '--checkpoint', done.checkpoint!, '--steps', '2', '--threads', '1', '--json').stdout).find((e) => e.event === 'done') as unknown as { images: { name: string; sr: { psnr: number } }[] };
      expect(ev.images.map((i) => i.name)).toEqual(['a.png', 'b.png']);
      for (const i of ev.images) expect(Number.isFinite(i.sr.psnr)).toBe(true);
    });
  });
});
