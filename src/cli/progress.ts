import cliProgress from 'cli-progress';
import { jsonPrintable, printable } from './printable.js';

// Progress of the long commands (upscale, train, eval), in three forms:
//  - stderr is a terminal: a redrawn bar with rate and ETA;
//  - stderr is a file or pipe (nohup, a CI log): a plain line at most every PLAIN_INTERVAL_S
//    seconds and at each milestone (a tile or image finished), so a log shows the run is alive;
//  - --json: `progress` events, one JSON object a line on stdout, paced like the plain lines.

/** Seconds between periodic plain lines or JSON progress events. */
export const PLAIN_INTERVAL_S = 10;

/**
 * A duration as 45s, 2m05s or 1h02m, rounded to whole seconds (minutes past an hour) before it is
 * split, so 119.6 s is 2m00s and never "1m60s".
 */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  const m = Math.round(s / 60);
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

export interface Progress {
  /** `done` of the total; `milestone` marks the end of a tile, an image or an epoch. */
  update(done: number, fields?: Record<string, string | number>, milestone?: boolean): void;
  stop(): void;
}

export interface ProgressOptions {
  /** No progress at all. */
  quiet?: boolean;
  /** Progress as JSON events on stdout instead of text on stderr. */
  json?: boolean;
  label?: string;
  /** What the events carry as `command` (default: the label). */
  command?: string;
  /** For tests: whether stderr is a terminal, the bar's stream, the clock (ms) and the sinks. */
  tty?: boolean;
  stream?: NodeJS.WritableStream;
  now?: () => number;
  writeErr?: (s: string) => void;
  writeOut?: (s: string) => void;
}

/** Rate (units/s) and ETA (s) from the work done since the start. */
export function rateAndEta(done: number, total: number, elapsedS: number): { rate: number; eta: number } {
  const rate = elapsedS > 0 ? done / elapsedS : 0;
  return { rate, eta: rate > 0 ? Math.max(0, total - done) / rate : Infinity };
}

export function progressBar(total: number, unit: string, opts: ProgressOptions = {}): Progress {
  if (opts.quiet) return { update() {}, stop() {} };
  const now = opts.now ?? (() => Date.now());
  const start = now();
  const elapsed = () => (now() - start) / 1000;
  const tty = opts.tty ?? (process.stderr.isTTY === true);
  if (!opts.json && tty) return terminalBar(total, unit, opts.label, elapsed, opts.stream ?? process.stderr);
  const writeErr = opts.writeErr ?? ((s: string) => process.stderr.write(s));
  const writeOut = opts.writeOut ?? ((s: string) => process.stdout.write(s));
  let last = -Infinity;
  return {
    update(done, fields = {}, milestone = false) {
      const t = elapsed();
      if (!milestone && t - last < PLAIN_INTERVAL_S) return;
      last = t;
      const { rate, eta } = rateAndEta(done, total, t);
      if (opts.json) {
        const event = { event: 'progress', command: opts.command ?? opts.label ?? '', done, total, unit, elapsedSeconds: round3(t), rate: round3(rate), etaSeconds: Number.isFinite(eta) ? round3(eta) : null, ...fields };
        writeOut(`${jsonPrintable(JSON.stringify(event))}\n`);
        return;
      }
      const info = Object.entries(fields).map(([k, v]) => ` ${k} ${v}`).join('');
      const pct = total > 0 ? ` (${Math.floor((100 * done) / total)}%)` : '';
      writeErr(`${printable(`${opts.label ? `${opts.label}: ` : ''}${done}/${total} ${unit}${pct}, ${rate.toFixed(2)} ${unit}/s, elapsed ${formatDuration(t)}, ETA ${Number.isFinite(eta) ? formatDuration(eta) : '?'}${info}`)}\n`);
    },
    stop() {},
  };
}

const round3 = (v: number) => Math.round(v * 1000) / 1000;

function terminalBar(total: number, unit: string, label: string | undefined, elapsed: () => number, stream: NodeJS.WritableStream): Progress {
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: `${label ? `${label} ` : ''}[{bar}] {value}/{total} ${unit} | {rate} ${unit}/s | ETA {etaText} {info}`,
      hideCursor: true,
      clearOnComplete: false,
    },
    cliProgress.Presets.shades_classic,
  );
  // not `eta`: cli-progress fills that token itself, with its own rounding ("1m60s")
  bar.start(total, 0, { rate: '0.00', etaText: '?', info: '' });
  return {
    update(done, fields = {}) {
      const t = elapsed();
      const { rate, eta } = rateAndEta(done, total, t);
      const info = printable(Object.entries(fields).map(([k, v]) => `${k} ${v}`).join(' '));
      bar.update(done, { rate: rate.toFixed(2), etaText: Number.isFinite(eta) ? formatDuration(eta) : '?', info });
    },
    stop() {
      bar.stop();
    },
  };
}
