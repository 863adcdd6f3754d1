import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDemo } from '../../demo/build.mjs';
import { serve } from '../../demo/serve.mjs';
import { loadModel, upscale } from '../../src/api/index.js';
import { decodeImage } from '../../src/image/decode.js';
import { encodePng } from '../../src/image/encode.js';
import { fromRgb8, toRgb8 } from '../../src/image/quantize.js';
import { resizeBicubicU8 } from '../../src/image/resize.js';
import { launchChromium, missingForBrowser, pageLog, skipReason } from '../support/browser.js';

// The demo page, built by `node demo/build.mjs` and served by `node demo/serve.mjs`, in Debian's
// Chromium: it upscales a small image picked through its file input, and the PNG it offers for
// download holds exactly what Node computes for the same seed, steps and backend. A screenshot
// goes to tmp/artifacts/demo.png.

const missing = missingForBrowser([['node_modules/vite', 'npm install (vite comes with vitest)']]);
const LIMIT = 180_000; // seconds on an idle machine; a busy one stretches that many times
const ARTIFACT = resolve('tmp/artifacts/demo.png');

/** A small picture with edges worth upscaling: a disc over diagonal stripes and a gradient. */
function picture(width: number, height: number): { width: number; height: number; data: Uint8Array } {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const inDisc = (x - width * 0.6) ** 2 + (y - height * 0.5) ** 2 < (height * 0.3) ** 2;
      const stripe = (x + y) % 6 < 3;
      const rgb = inDisc ? [230, 180, 40] : stripe ? [40, 70 + 6 * y, 160] : [200, 210, 225 - 4 * x];
      data.set(rgb, (y * width + x) * 3);
    }
  }
  return { width, height, data };
}

describe.skipIf(missing.length > 0)(`demo page in Chromium${skipReason(missing)}`, () => {
  const out = resolve(`tmp/demo-${process.pid}`);
  let server: Server;
  let browser: Browser;

  beforeAll(async () => {
    await buildDemo({ outDir: out, quiet: true });
    [server, browser] = await Promise.all([serve(out, { port: 0 }), launchChromium()]);
  }, LIMIT);

  afterAll(async () => {
    await browser?.close().catch(() => {});
    server?.closeAllConnections();
    await new Promise((r) => (server ? server.close(r) : r(null)));
    rmSync(out, { recursive: true, force: true });
  });

  it('upscales a picked image in a worker; the download equals the Node result; screenshot', async () => {
    const lr = picture(24, 18);
    const settings = { steps: 3, seed: 5, backend: 'wasm' };
    const page = await browser.newPage({ viewport: { width: 1000, height: 900 } });
    const log = pageLog(page);
    try {
      const { port } = server.address() as AddressInfo;
      await page.goto(`http://127.0.0.1:${port}/`, { timeout: 30_000 });
      await page.waitForFunction("document.body.dataset.state === 'idle'", undefined, { timeout: 60_000 });
      expect(await page.textContent('#env')).toMatch(/runs in a Web Worker on \d+ of \d+ cores \(cross-origin isolated\)/);
      await page.setInputFiles('#file', { name: 'small.png', mimeType: 'image/png', buffer: Buffer.from(encodePng(fromRgb8(lr.data, lr.width, lr.height))) });
      await page.waitForFunction("document.body.dataset.state === 'ready'", undefined, { timeout: 10_000 });
      await page.fill('#steps', String(settings.steps));
      await page.fill('#seed', String(settings.seed));
      await page.selectOption('#backend', settings.backend);
      await page.click('#run');
      await page.waitForFunction("document.body.dataset.state === 'done' || document.body.dataset.state === 'error'", undefined, { timeout: LIMIT - 60_000 });
      expect(await page.getAttribute('body', 'data-state'), await page.textContent('#status') ?? '').toBe('done');
      // the slider at a third: bicubic on the left, the result on the right
      await page.fill('#split', '33');
      await page.dispatchEvent('#split', 'input');
      mkdirSync(resolve('tmp/artifacts'), { recursive: true });
      await page.screenshot({ path: ARTIFACT, fullPage: true });
      const read = (js: string) => page.evaluate(js) as Promise<number[]>;
      const download = Uint8Array.from(await read("fetch(document.querySelector('#download').href).then((r) => r.arrayBuffer()).then((b) => Array.from(new Uint8Array(b)))"));
      const rgbOf = (id: string) => `(() => { const c = document.querySelector('${id}'); const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; return Array.from(d.filter((_, i) => i % 4 !== 3)); })()`;
      const bicubic = Uint8Array.from(await read(rgbOf('#bicubic')));

      const model = await loadModel();
      const expected = await upscale(model, lr, settings);
      model.dispose();
      const got = decodeImage(download, 'download').image;
      expect([got.width, got.height]).toEqual([96, 72]);
      expect(toRgb8(got)).toEqual(expected.data);
      expect(bicubic).toEqual(resizeBicubicU8(lr.data, 24, 18, 96, 72));
      expect(await page.getAttribute('#download', 'download')).toBe('small_x4.png');
    } catch (e) {
      throw new Error(`${(e as Error).message}\npage log:\n${log.join('\n')}`);
    } finally {
      await page.close();
    }
  }, LIMIT);
});
