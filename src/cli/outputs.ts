import { mkdir, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { InputError } from './common.js';

// Output paths are checked before the long work starts, by actually creating (and removing) a
// file where the output will go: permission bits alone miss read-only mounts and root.

function codeOf(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : undefined;
}

async function probe(dir: string, what: string): Promise<void> {
  const p = join(dir, `.resshift-ts-probe-${process.pid}-${Date.now()}`);
  try {
    await writeFile(p, '', { flag: 'wx' });
  } catch (e) {
    const code = codeOf(e);
    if (code === 'ENOENT') throw new InputError(`${what}: folder ${dir} does not exist`);
    if (code === 'ENOTDIR') throw new InputError(`${what}: ${dir} is not a folder`);
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') throw new InputError(`${what}: cannot write in ${dir} (permission denied or read-only)`);
    throw new InputError(`${what}: cannot write in ${dir} (${(e as Error).message})`);
  }
  await unlink(p).catch(() => undefined);
}

/** Throws an InputError unless a file can be written at `path` (and it is not one of `inputs`). */
export async function checkOutputFile(path: string, inputs: string[] = []): Promise<void> {
  if (inputs.some((i) => resolve(i) === resolve(path))) throw new InputError(`${path}: the output would overwrite the input`);
  const st = await stat(path).catch(() => null);
  if (st?.isDirectory()) throw new InputError(`${path}: is a folder; give a file name for the output`);
  await probe(dirname(resolve(path)), path);
}

/** Creates folder `dir` if needed and checks that files can be written in it. */
export async function prepareOutputDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (e) {
    const code = codeOf(e);
    if (code === 'EEXIST' || code === 'ENOTDIR') throw new InputError(`${dir}: is not a folder`);
    throw new InputError(`${dir}: cannot create the output folder (${(e as Error).message})`);
  }
  await probe(resolve(dir), dir);
}

/** Parses --seed: an integer in [0, 2^53). */
export function seedOption(v: string | undefined, dflt = 0): number {
  const n = v === undefined ? dflt : Number(v);
  if (!Number.isSafeInteger(n) || n < 0) throw new InputError(`--seed must be a non-negative integer, got ${v}`);
  return n;
}

/** JSON with non-finite numbers (an infinite PSNR) written as null. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 1);
}

/** Runs a command's work: InputError exits 2, anything else 1, each as one line on stderr. */
export async function runCommand(name: string, work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (e) {
    const msg = (e instanceof Error ? e.message : String(e)).split('\n')[0];
    console.error(`resshift-ts ${name}: ${msg}`);
    process.exitCode = e instanceof InputError ? 2 : 1;
  }
}
