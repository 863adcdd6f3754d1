import type { TrainEvent, TrainResult } from '../resshift/trainer.js';
import { err, jsonPrintable, out } from './printable.js';
import { progressBar, type Progress } from './progress.js';

// Output of `train`: with --json one JSON object per line on stdout (every step included, and
// paced progress events), otherwise progress on stderr (a bar on a terminal, plain lines in a
// log) and a line per epoch, evaluation and checkpoint on stdout.

/** `s` as one shell word: bare when it is plain, else single-quoted. */
export function shellWord(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The command that upscales with checkpoint `path` (printed at the end of a run). */
export function upscaleCommand(path: string): string {
  return `resshift-ts upscale IMAGE --checkpoint ${shellWord(path)}`;
}

const num = (_k: string, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v);

export class TrainLog {
  private bar: Progress | null = null;
  private startStep = 0;
  private target = 0;
  private stepSeconds = 0;
  private steps = 0;

  constructor(private readonly json: boolean) {}

  /** Lines for both modes: `text` for people, `fields` (under `event`) for --json. */
  line(event: string, text: string, fields: Record<string, unknown> = {}): void {
    if (this.json) {
      process.stdout.write(`${jsonPrintable(JSON.stringify({ event, ...fields }, num))}\n`);
      return;
    }
    // clears the bar's line; the bar redraws itself at the next step
    if (this.bar && process.stderr.isTTY) process.stderr.write('\r\x1b[K');
    if (event === 'warning') err(`warning: ${text}`);
    else out(text);
  }

  warn(msg: string): void {
    this.line('warning', msg, { message: msg });
  }

  startBar(startStep: number, target: number): void {
    this.startStep = startStep;
    this.target = target;
    // with --json, paced `progress` events (rate, ETA) beside the per-step events
    this.bar = progressBar(Math.max(0, target - startStep), 'steps', { json: this.json, label: 'train', command: 'train' });
  }

  event(e: TrainEvent): void {
    switch (e.type) {
      case 'step':
        this.steps++;
        this.stepSeconds += e.seconds;
        if (this.json) this.line('step', '', { ...e, type: undefined });
        // an epoch's last step is a milestone: a progress line even between the periodic ones
        this.bar?.update(e.step - this.startStep, { step: `${e.step}/${this.target}`, loss: e.loss.toFixed(4), lr: e.lr.toExponential(2) }, e.stepInEpoch === e.stepsPerEpoch);
        return;
      case 'epoch':
        this.line('epoch', `epoch ${e.epoch}  loss ${e.loss.toFixed(6)}  lr ${e.lr.toExponential(3)}  ${e.seconds.toFixed(1)} s`, { ...e, type: undefined });
        return;
      case 'eval': {
        const m = e.result.mean;
        const sign = m.gain.psnr >= 0 ? '+' : '';
        this.line('eval', `eval after epoch ${e.epoch}: PSNR ${m.sr.psnr.toFixed(2)} dB (bicubic ${m.bicubic.psnr.toFixed(2)}, ${sign}${m.gain.psnr.toFixed(2)}), SSIM ${m.sr.ssim.toFixed(4)} (bicubic ${m.bicubic.ssim.toFixed(4)}) on ${e.result.images.length} centre crops, ${e.seconds.toFixed(1)} s`, {
          epoch: e.epoch,
          step: e.step,
          seconds: e.seconds,
          mean: m,
          images: e.result.images,
        });
        return;
      }
      case 'checkpoint':
        this.line('checkpoint', `saved ${e.path}${e.removed.length ? ` (deleted ${e.removed.length} older checkpoint pair${e.removed.length > 1 ? 's' : ''}, --keep-last)` : ''}`, { path: e.path, epoch: e.epoch, step: e.step, removed: e.removed });
        return;
    }
  }

  /** Mean seconds per step of this process (null before the first step). */
  get secondsPerStep(): number | null {
    return this.steps ? this.stepSeconds / this.steps : null;
  }

  finish(r: TrainResult): void {
    this.bar?.stop();
    this.bar = null;
    const sps = this.secondsPerStep;
    const rate = sps === null ? '' : `, ${sps.toFixed(3)} s/step`;
    const fields = { status: r.status, epoch: r.epoch, step: r.step, checkpoint: r.checkpoint, secondsPerStep: sps, ...(r.message ? { message: r.message } : {}) };
    if (r.status === 'done') {
      // the last line says how to use what was trained: upscale runs the bundled model unless told
      const use = r.checkpoint ? upscaleCommand(r.checkpoint) : null;
      this.line('done', `done: ${r.step} steps, ${r.epoch} epochs complete${rate}; checkpoint ${r.checkpoint ?? '(none)'}${use ? `; upscale with it: ${use}` : ''}`, { ...fields, upscaleCommand: use });
    }
    else if (r.status === 'interrupted') this.line('interrupted', `interrupted at step ${r.step}; saved ${r.checkpoint}; run the same command to resume`, fields);
    else {
      if (this.json) this.line('diverged', '', fields);
      err(`resshift-ts train: ${r.message}`);
    }
  }
}
