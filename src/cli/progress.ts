import cliProgress from 'cli-progress';

/** A progress bar with rate and ETA on a terminal; silent when stderr is not a TTY or for --json. */
export interface Progress {
  update(done: number, fields?: Record<string, string | number>): void;
  stop(): void;
}

export function progressBar(total: number, unit: string, opts: { quiet?: boolean; label?: string } = {}): Progress {
  if (opts.quiet || !process.stderr.isTTY) return { update() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: `${opts.label ? `${opts.label} ` : ''}[{bar}] {value}/{total} ${unit} | {rate} ${unit}/s | ETA {eta_formatted} {info}`,
      hideCursor: true,
      clearOnComplete: false,
      etaBuffer: 20,
    },
    cliProgress.Presets.shades_classic,
  );
  const start = Date.now();
  bar.start(total, 0, { rate: '0.00', info: '' });
  return {
    update(done, fields = {}) {
      const secs = (Date.now() - start) / 1000;
      const info = Object.entries(fields)
        .map(([k, v]) => `${k} ${v}`)
        .join(' ');
      bar.update(done, { rate: secs > 0 ? (done / secs).toFixed(2) : '0.00', info });
    },
    stop() {
      bar.stop();
    },
  };
}
