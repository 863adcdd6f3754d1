import { mkdir, realpath, rmdir, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join, parse, sep } from 'node:path';
import { atomicTempPath } from '../node/files.js';
import { InputError } from './common.js';
import { err, jsonPrintable, printable } from './printable.js';

// Output paths are checked before the long work starts, by actually creating (and removing) the
// files the write will create: permission bits alone miss read-only mounts, root, virtual file
// systems such as /proc (which refuse new files with ENOENT) and names too long to exist.

function codeOf(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : undefined;
}

const isFolder = (path: string) => stat(path).then((s) => s.isDirectory(), () => false);

/** One file on disk: device and inode, links followed. bigint: inode numbers may exceed 2^53. */
async function identity(path: string): Promise<{ dev: bigint; ino: bigint } | null> {
  const s = await stat(path, { bigint: true }).catch(() => null);
  return s && { dev: s.dev, ino: s.ino };
}

/**
 * True when both paths reach the same existing file, through links or not. Compared by device
 * and inode, not by path strings: `d/same/in.png` with `d/same -> .` is `d/in.png`.
 */
export async function sameFile(a: string, b: string): Promise<boolean> {
  const [x, y] = await Promise.all([identity(a), identity(b)]);
  return x !== null && y !== null && x.dev === y.dev && x.ino === y.ino;
}

/** True when folder `dir` is `folder` or lies anywhere below it (links resolved). */
async function isWithin(dir: string, folder: string): Promise<boolean> {
  const target = await identity(folder);
  if (!target) return false;
  // a real path has no links left, so its textual parents are its real parents
  let p = await realpath(dir);
  for (;;) {
    if (await sameFile(p, folder)) return true;
    const up = dirname(p);
    if (up === p) return false;
    p = up;
  }
}

/** The one-line reason a file could not be created at `path`, for `what`. */
async function createProblem(e: unknown, path: string, what: string): Promise<InputError> {
  const dir = dirname(path);
  switch (codeOf(e)) {
    case 'ENOENT':
      // /proc and /sys exist but answer "no such file" to any new name
      return new InputError(await isFolder(dir) ? `${what}: cannot create files in ${dir} (the file system does not allow it)` : `${what}: folder ${dir} does not exist`);
    case 'ENOTDIR':
      return new InputError(`${what}: ${dir} is not a folder`);
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return new InputError(`${what}: cannot write in ${dir} (permission denied or read-only)`);
    case 'ENAMETOOLONG':
      return new InputError(`${what}: the name ${basename(path)} is too long for the file system`);
    default:
      return new InputError(`${what}: cannot write in ${dir} (${(e as Error).message})`);
  }
}

/** Creates an empty `path` and removes it again; EEXIST counts as success when allowed. */
async function tryCreate(path: string, what: string, existingIsFine: boolean): Promise<void> {
  try {
    await writeFile(path, '', { flag: 'wx' });
  } catch (e) {
    if (existingIsFine && codeOf(e) === 'EEXIST') return;
    throw await createProblem(e, path, what);
  }
  await unlink(path).catch(() => undefined);
}

/**
 * Throws an InputError unless a file can be written at `path` atomically, and it is not one of
 * `inputs`. Creates and removes what the write will create: the temporary file under the very
 * name the atomic write uses, and the target itself when it does not exist yet (so a name the
 * file system refuses fails now, not after the work).
 */
export async function checkOutputFile(path: string, inputs: string[] = []): Promise<void> {
  if (path === '') throw new InputError('the output file name is empty');
  for (const input of inputs) {
    if (await sameFile(input, path)) {
      throw new InputError(`${path}: the output would overwrite the input${input === path ? '' : ` (${input} is the same file)`}`);
    }
  }
  const st = await stat(path).catch(() => null);
  if (st?.isDirectory()) throw new InputError(`${path}: is a folder; give a file name for the output`);
  await tryCreate(atomicTempPath(path), path, false);
  // a dangling link exists without a target: the rename replaces it, so EEXIST is fine there
  if (!st) await tryCreate(path, path, true);
}

/** The folders from the root down to `dir`, spelled as given: `..` and links are left to the system. */
function folderChain(dir: string): string[] {
  const { root } = parse(dir);
  const chain: string[] = [];
  let p = root;
  for (const part of dir.slice(root.length).split(sep)) {
    if (!part) continue;
    p = p === '' ? part : p.endsWith(sep) ? p + part : p + sep + part;
    chain.push(p);
  }
  return chain;
}

function folderProblem(e: unknown, dir: string, at: string): InputError {
  const code = codeOf(e);
  const why =
    code === 'ENOENT' ? 'the file system does not allow new folders there'
    : code === 'EACCES' || code === 'EPERM' ? 'permission denied'
    : code === 'EROFS' ? 'read-only file system'
    : code === 'ENAMETOOLONG' ? 'name too long'
    : (e as Error).message;
  return new InputError(`${dir}: cannot create the folder${at === dir ? '' : ` ${at}`} (${why})`);
}

/**
 * Creates the missing folders of `dir` one at a time, returning those it created. Not
 * mkdir({ recursive: true }): under /proc a new name fails with ENOENT, and Node's recursive
 * mkdir then retries the parent and the name again, forever.
 */
async function makeFolders(dir: string): Promise<string[]> {
  const created: string[] = [];
  try {
    for (const p of folderChain(dir)) {
      let st = await stat(p).catch((e: unknown) => {
        if (codeOf(e) !== 'ENOENT') throw folderProblem(e, dir, p);
        return null;
      });
      if (!st) {
        try {
          await mkdir(p);
          created.push(p);
          continue;
        } catch (e) {
          if (codeOf(e) !== 'EEXIST') throw folderProblem(e, dir, p);
          st = await stat(p).catch(() => null); // made by someone else meanwhile, or a dangling link
        }
      }
      if (!st?.isDirectory()) throw new InputError(p === dir ? `${dir}: is not a folder` : `${dir}: ${p} is not a folder`);
    }
  } catch (e) {
    await removeFolders(created);
    throw e;
  }
  return created;
}

/** Removes folders makeFolders created (deepest first); only empty ones go. */
async function removeFolders(created: string[]): Promise<void> {
  for (const p of [...created].reverse()) await rmdir(p).catch(() => undefined);
}

/**
 * Creates folder `dir` if needed and checks that files can be written in it. With `notInside`,
 * refuses a folder that is that one or lies inside it (compared as real folders, links
 * resolved). On refusal, the folders it created are removed again.
 */
export async function prepareOutputDir(dir: string, opts: { notInside?: { folder: string; why: string } } = {}): Promise<void> {
  if (dir === '') throw new InputError('the output folder name is empty');
  const created = await makeFolders(dir);
  try {
    const n = opts.notInside;
    if (n && (await isWithin(dir, n.folder))) {
      throw new InputError(`${dir}: the output folder is ${(await sameFile(dir, n.folder)) ? '' : 'inside '}${n.folder} (${n.why}); choose another`);
    }
    await tryCreate(atomicTempPath(join(dir, 'resshift-ts-probe')), dir, false);
  } catch (e) {
    await removeFolders(created);
    throw e;
  }
}

/** Parses --seed: an integer in [0, 2^53). */
export function seedOption(v: string | undefined, dflt = 0): number {
  const n = v === undefined ? dflt : Number(v);
  if (!Number.isSafeInteger(n) || n < 0) throw new InputError(`--seed must be a non-negative integer, got ${v}`);
  return n;
}

/** JSON with non-finite numbers (an infinite PSNR) written as null, safe to show on a terminal. */
export function toJson(value: unknown): string {
  return jsonPrintable(JSON.stringify(value, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 1));
}

const finiteOrNull = (_k: string, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v);

/**
 * One --json event: a JSON object on one line of stdout, `event` first. upscale and eval write
 * `start`, `progress`, `written` (upscale, per image), `failed` (upscale, per image), `done`
 * and `error`; see README "Output for scripts".
 */
export function emitEvent(event: string, fields: Record<string, unknown> = {}): void {
  process.stdout.write(`${jsonPrintable(JSON.stringify({ event, ...fields }, finiteOrNull))}\n`);
}

/**
 * Runs a command's work: InputError exits 2, anything else 1, each as one line on stderr (and,
 * with --json, as an `error` event on stdout too).
 */
export async function runCommand(name: string, work: () => Promise<void>, opts: { json?: boolean } = {}): Promise<void> {
  try {
    await work();
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const exitCode = e instanceof InputError ? 2 : 1;
    if (opts.json) emitEvent('error', { command: name, message, exitCode });
    // one line whatever the message holds: a file name's line breaks show as \n
    err(`resshift-ts ${name}: ${printable(message)}`);
    process.exitCode = exitCode;
  }
}
