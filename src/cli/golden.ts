import type { Command } from 'commander';
import { stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import {
  casePassed, checkGoldenCase, parseGoldenCase, runGoldenCase, worstCheck,
  type GoldenCase, type GoldenRunResult, type TensorCheck,
} from '../golden/index.js';
import { serializeSafetensors } from '../nn/safetensors.js';
import { listFiles, readFileBounded, SAFETENSORS_PROBE_BYTES, safetensorsHeaderProblem, writeFileAtomic } from '../node/files.js';
import { FMA_HELP, GPU_MODE_HELP, InputError, selectBackend } from './common.js';
import { emitEvent, prepareOutputDir, sameFile } from './outputs.js';
import { err, jsonPrintable, out, printable } from './printable.js';

interface GoldenOptions {
  fma?: boolean;
  backend: string;
  gpuMode?: string;
  out?: string;
  check?: boolean;
  json?: boolean;
}

type Verdict = 'PASS' | 'FAIL' | 'UNSUPPORTED' | 'ERROR';

interface CaseReport {
  file: string;
  case: string;
  op: string;
  verdict: Verdict;
  reason?: string;
  checks: TensorCheck[];
}


const fmt = (v: number) => (Number.isFinite(v) ? v.toExponential(1) : String(v));

async function caseFiles(path: string): Promise<string[]> {
  let st;
  try {
    st = await stat(path);
  } catch {
    throw new InputError(`no such file or folder: ${path}`);
  }
  if (!st.isDirectory()) return [path];
  const files = await listFiles(path, '.safetensors');
  if (!files.length) throw new InputError(`no .safetensors files in ${path}`);
  return files;
}

// Golden cases hold one op's inputs and outputs (the whole-model case is 1.7 MB); this only stops a
// wrong path (a device, a huge file) from being read without end.
const MAX_CASE_BYTES = 2 ** 30;

async function loadCase(file: string): Promise<GoldenCase> {
  let bytes: Uint8Array;
  try {
    bytes = await readFileBounded(file, {
      what: 'golden case file',
      maxBytes: MAX_CASE_BYTES,
      headerBytes: SAFETENSORS_PROBE_BYTES,
      checkHeader: (probe, size) => {
        const problem = safetensorsHeaderProblem(probe, size);
        return problem && `not a safetensors file (${problem})`;
      },
    });
  } catch (e) {
    throw new InputError((e as Error).message);
  }
  try {
    return parseGoldenCase(bytes);
  } catch (e) {
    throw new InputError(`${file}: ${(e as Error).message}`);
  }
}

function report(file: string, gc: GoldenCase, r: GoldenRunResult): CaseReport {
  const base = { file: basename(file), case: gc.name || basename(file, '.safetensors'), op: gc.op };
  if (r.status === 'unsupported') return { ...base, verdict: 'UNSUPPORTED', reason: r.reason, checks: [] };
  if (r.status === 'error') return { ...base, verdict: 'ERROR', reason: r.reason, checks: [] };
  const checks = checkGoldenCase(gc.tensors, r.outputs, gc.op);
  if (!checks.length) return { ...base, verdict: 'FAIL', reason: 'no expected tensor was compared', checks };
  return { ...base, verdict: casePassed(checks) ? 'PASS' : 'FAIL', checks };
}

function detail(rep: CaseReport): string {
  if (rep.verdict === 'UNSUPPORTED' || rep.verdict === 'ERROR') return rep.reason ?? '';
  if (rep.verdict === 'FAIL' && rep.checks.length) {
    return rep.checks
      .filter((c) => !c.pass)
      .map((c) => `${c.name} ${c.reason === 'not computed' || c.reason?.startsWith('shape') ? c.reason : `${fmt(c.maxAbs)} > ${fmt(c.allowed)} (${c.reason})`}`)
      .join('; ');
  }
  const w = worstCheck(rep.checks);
  return w ? `worst ${w.name} ${fmt(w.maxAbs)} (allowed ${fmt(w.allowed)})` : (rep.reason ?? '');
}

async function writeOutputs(outDir: string, file: string, gc: GoldenCase, r: GoldenRunResult, backend: string): Promise<void> {
  const target = join(outDir, basename(file));
  const meta: Record<string, string> = { op: gc.op, case: gc.name, args: gc.metadata.args ?? '{}', backend, source: basename(file), generator: 'resshift-ts golden' };
  const bytes = serializeSafetensors([...r.outputs].map(([n, t]) => [n, { shape: t.shape, data: t.data }] as const), meta);
  try {
    await writeFileAtomic(target, bytes);
  } catch (e) {
    throw new InputError(`cannot write ${target}: ${(e as Error).message}`);
  }
}

async function runGolden(path: string, opts: GoldenOptions): Promise<number> {
  const files = await caseFiles(path);
  await selectBackend(opts.backend, { gpuMode: opts.gpuMode, fma: opts.fma });
  // read everything first, so a corrupt file stops the run before any output is written
  const cases: [string, GoldenCase][] = [];
  for (const f of files) cases.push([f, await loadCase(f)]);
  if (opts.out) {
    // the same file, however reached (a link to the case folder, a case file linking into --out)
    for (const f of files) if (await sameFile(join(opts.out, basename(f)), f)) throw new InputError(`--out would overwrite the case file itself: ${f}`);
    await prepareOutputDir(opts.out);
  }
  const reports: CaseReport[] = [];
  // names and ops come from the files: padded as printed, escapes included
  const widths = { case: Math.max(...cases.map(([f, gc]) => printable(gc.name || basename(f)).length)), op: Math.max(...cases.map(([, gc]) => printable(gc.op).length)) };
  for (const [file, gc] of cases) {
    const r = await runGoldenCase(gc, { backend: opts.backend });
    if (opts.out && r.status === 'ok') await writeOutputs(opts.out, file, gc, r, opts.backend);
    const rep = report(file, gc, r);
    reports.push(rep);
    if (!opts.json) out(`${rep.verdict.padEnd(12)} ${printable(rep.case).padEnd(widths.case)}  ${printable(rep.op).padEnd(widths.op)}  ${detail(rep)}`);
  }
  const count = (v: Verdict) => reports.filter((r) => r.verdict === v).length;
  const summary = { cases: reports.length, passed: count('PASS'), failed: count('FAIL'), unsupported: count('UNSUPPORTED'), errors: count('ERROR') };
  if (opts.json) {
    // Infinity (missing tensors) is not JSON; null marks it
    const replacer = (_k: string, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v);
    console.log(jsonPrintable(JSON.stringify({ backend: opts.backend, summary, cases: reports }, replacer, 1)));
  } else {
    out(`${summary.cases} cases on ${opts.backend}: ${summary.passed} passed, ${summary.failed} failed, ${summary.unsupported} unsupported, ${summary.errors} errors`);
  }
  if (!opts.check) return 0;
  // a folder of unsupported cases checks nothing: that is no evidence of conformance
  if (summary.passed + summary.failed === 0) {
    err(`resshift-ts golden: --check: nothing was checked (${summary.unsupported} unsupported, ${summary.errors} errors of ${summary.cases} cases)`);
    return 1;
  }
  return summary.failed + summary.errors > 0 ? 1 : 0;
}

/** `resshift-ts golden`: runs PyTorch golden cases through the engine and compares the results. */
export function addGoldenCommand(program: Command): void {
  program
    .command('golden')
    .description('run golden case files (a .safetensors file or a folder of them) and compare with PyTorch')
    .argument('<case-file-or-folder>', 'a case file or a folder of *.safetensors cases')
    .option('--backend <name>', 'backend to compute on (ref, wasm, gpu)', 'ref')
    .option('--gpu-mode <mode>', GPU_MODE_HELP)
    .option('--fma', FMA_HELP)
    .option('--out <dir>', 'write the computed tensors to <dir>/<case file name>')
    .option('--check', 'exit with status 1 when a case fails or errors, or when no case could be checked')
    .option('--json', 'print one JSON report instead of text lines')
    .action(async (path: string, opts: GoldenOptions) => {
      // `... | head` closes stdout early: stop quietly, as other command-line tools do
      process.stdout.once('error', (e: NodeJS.ErrnoException) => {
        if (e.code !== 'EPIPE') throw e;
        process.exit(process.exitCode ?? 0);
      });
      try {
        process.exitCode = await runGolden(path, opts);
      } catch (e) {
        if (!(e instanceof InputError)) throw e;
        // under --json the refusal is an event too, as in the other commands
        if (opts.json) emitEvent('error', { command: 'golden', message: e.message, exitCode: 2 });
        err(`resshift-ts golden: ${e.message}`);
        process.exitCode = 2;
      }
    });
}
