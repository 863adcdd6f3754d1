import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { formatDuration, PLAIN_INTERVAL_S, progressBar, rateAndEta } from '../../src/cli/progress.js';

describe('formatDuration', () => {
  it('rounds before splitting: never 60 seconds or 60 minutes in a field', () => {
    expect(formatDuration(119.6)).toBe('2m00s'); // cli-progress showed "1m60s"
    expect(formatDuration(179.5)).toBe('3m00s');
    expect(formatDuration(59.6)).toBe('1m00s');
    expect(formatDuration(3599.6)).toBe('1h00m');
    expect(formatDuration(7199)).toBe('2h00m');
    expect(formatDuration(3661)).toBe('1h01m');
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(45.2)).toBe('45s');
    expect(formatDuration(125)).toBe('2m05s');
    expect(formatDuration(Infinity)).toBe('?');
    expect(formatDuration(Number.NaN)).toBe('?');
    for (let t = 0; t < 10000; t += 0.7) expect(formatDuration(t)).not.toMatch(/(^|\D)60[sm]/);
  });
  it('rate and ETA from the work done so far', () => {
    expect(rateAndEta(10, 40, 5)).toEqual({ rate: 2, eta: 15 });
    expect(rateAndEta(0, 40, 0).eta).toBe(Infinity);
  });
});

describe('progress when stderr is not a terminal', () => {
  function run(json: boolean) {
    let t = 0;
    const err: string[] = [];
    const out: string[] = [];
    const bar = progressBar(100, 'tile-steps', { tty: false, json, label: 'upscale', command: 'upscale', now: () => t * 1000, writeErr: (s) => err.push(s), writeOut: (s) => out.push(s) });
    const at = (s: number, done: number, milestone = false) => {
      t = s;
      bar.update(done, { tile: `${Math.ceil(done / 25)}/4` }, milestone);
    };
    at(1, 1); // first update: shown
    at(2, 2); // within the interval: not shown
    at(3, 25, true); // a tile done: shown
    at(4, 26);
    at(3 + PLAIN_INTERVAL_S, 40); // the interval passed: shown
    at(3 + PLAIN_INTERVAL_S + 1, 41);
    bar.stop();
    return { err, out };
  }
  it('plain lines on stderr: the first, each milestone, then at most one per interval; rate and ETA', () => {
    const { err, out } = run(false);
    expect(out).toEqual([]);
    expect(err).toEqual([
      'upscale: 1/100 tile-steps (1%), 1.00 tile-steps/s, elapsed 1s, ETA 1m39s tile 1/4\n',
      'upscale: 25/100 tile-steps (25%), 8.33 tile-steps/s, elapsed 3s, ETA 9s tile 1/4\n',
      'upscale: 40/100 tile-steps (40%), 3.08 tile-steps/s, elapsed 13s, ETA 20s tile 2/4\n',
    ]);
  });
  it('--json: the same pacing as progress events on stdout', () => {
    const { err, out } = run(true);
    expect(err).toEqual([]);
    const events = out.map((l) => JSON.parse(l));
    expect(events.map((e) => e.done)).toEqual([1, 25, 40]);
    expect(events[1]).toEqual({ event: 'progress', command: 'upscale', done: 25, total: 100, unit: 'tile-steps', elapsedSeconds: 3, rate: 8.333, etaSeconds: 9, tile: '1/4' });
  });
});

describe('progress on a terminal', () => {
  it('the bar shows our ETA: 2m00s where cli-progress showed "1m60s"', () => {
    let written = '';
    const stream = Object.assign(new Writable({ write(c: Buffer, _e: string, cb: () => void) { written += c.toString(); cb(); } }), { isTTY: true, columns: 200 });
    let t = 0;
    const bar = progressBar(1000, 'tile-steps', { tty: true, label: 'upscale', stream, now: () => t });
    t = 119_600;
    bar.update(500); // 500 done in 119.6 s: 500 to go at that rate take 119.6 s
    bar.stop();
    expect(written).toMatch(/upscale \[.*\] 500\/1000 tile-steps \| 4\.18 tile-steps\/s \| ETA 2m00s/);
    expect(written).not.toMatch(/1m60s/);
  });
});
