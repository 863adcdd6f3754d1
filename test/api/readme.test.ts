import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve } from '../../demo/serve.mjs';
import { loadModel, upscale } from '../../src/api/index.js';
import { decodeImage } from '../../src/image/decode.js';
import { encodePng } from '../../src/image/encode.js';
import { fromRgb8, toRgb8 } from '../../src/image/quantize.js';
import { launchChromium, missingForBrowser, pageLog, skipReason } from '../support/browser.js';
import { pixels } from './support.js';

// The README's "Use it" examples, copied as they stand into an application folder that has the
// package installed (a link to this repository), run in Node, Deno and (bundled by Vite) in
// Chromium: each must write the bytes the API gives in Node for the same settings.

const DENO = resolve('node_modules/.bin/deno');
const LIMIT = 180_000; // seconds on an idle machine; a busy one stretches that many times

/** The code blocks of the README's "Use it" section, by the file name on their first line. */
function examples(): Map<string, string> {
  const readme = readFileSync('README.md', 'utf8');
  const section = readme.slice(readme.indexOf('\n## Use it\n'), readme.indexOf('\n## ', readme.indexOf('\n## Use it\n') + 1));
  const out = new Map<string, string>();
  for (const m of section.matchAll(/```\w+\n(.*?)```/gs)) {
    const name = /^(?:\/\/|<!--) (\S+)/.exec(m[1])?.[1];
    if (name) out.set(name, m[1]);
  }
  return out;
}

const ex = examples();
const dir = resolve(`tmp/readme-${process.pid}`);
const lr = pixels(12, 10, 3, 17);
let expected: Uint8Array;

beforeAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'node_modules'), { recursive: true });
  symlinkSync(resolve('.'), join(dir, 'node_modules/resshift-ts'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module', dependencies: { 'resshift-ts': '*' } }));
  writeFileSync(join(dir, 'photo.png'), encodePng(fromRgb8(lr.data, lr.width, lr.height)));
  for (const [name, code] of ex) writeFileSync(join(dir, name), code);
  const model = await loadModel();
  // what every example asks for: 15 steps, seed 0, the default backend (wasm here)
  expected = (await upscale(model, lr, { steps: 15, seed: 0, backend: 'wasm' })).data;
  model.dispose();
}, LIMIT);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const pixelsOf = (png: Uint8Array) => toRgb8(decodeImage(png, 'photo_x4.png').image);

describe.skipIf(!existsSync('dist/index.js'))('README "Use it" examples (need npm run build)', () => {
  it('has the Node, Deno and browser examples', () => {
    expect([...ex.keys()]).toEqual(['upscale.mjs', 'upscale.ts', 'index.html', 'main.js']);
  });

  it('Node: node upscale.mjs photo.png', () => {
    rmSync(join(dir, 'photo_x4.png'), { force: true });
    execFileSync(process.execPath, ['upscale.mjs', 'photo.png'], { cwd: dir, timeout: LIMIT, stdio: 'pipe' });
    expect(pixelsOf(readFileSync(join(dir, 'photo_x4.png')))).toEqual(expected);
  }, LIMIT);

  it.skipIf(!existsSync(DENO))('Deno: deno run --allow-read --allow-write upscale.ts photo.png', () => {
    rmSync(join(dir, 'photo_x4.png'), { force: true });
    execFileSync(DENO, ['run', '--allow-read', '--allow-write', 'upscale.ts', 'photo.png'], { cwd: dir, timeout: LIMIT, stdio: 'pipe', env: { ...process.env, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1' } });
    expect(pixelsOf(readFileSync(join(dir, 'photo_x4.png')))).toEqual(expected);
  }, LIMIT);

  const missing = missingForBrowser([['node_modules/vite', 'npm install (vite comes with vitest)']]);
  it.skipIf(missing.length > 0)(`browser: index.html + main.js built by Vite, in Chromium${skipReason(missing)}`, async () => {
    const { build } = await import('vite');
    await build({ root: dir, configFile: false, logLevel: 'error', build: { outDir: 'dist', emptyOutDir: true } });
    const server: Server = await serve(join(dir, 'dist'), { port: 0 });
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const log = pageLog(page);
      try {
        await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, { timeout: 30_000 });
        await page.setInputFiles('#file', join(dir, 'photo.png'));
        await page.waitForFunction("document.querySelector('#out').src.startsWith('blob:')", undefined, { timeout: LIMIT - 60_000 });
        const png = (await page.evaluate("fetch(document.querySelector('#out').src).then((r) => r.arrayBuffer()).then((b) => Array.from(new Uint8Array(b)))")) as number[];
        expect(pixelsOf(Uint8Array.from(png))).toEqual(expected);
        expect(await page.evaluate("document.querySelector('#bar').value")).toBe(1);
      } catch (e) {
        throw new Error(`${(e as Error).message}\npage log:\n${log.join('\n')}`);
      }
    } finally {
      await browser.close();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  }, LIMIT);
});
