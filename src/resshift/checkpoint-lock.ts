// Node-only: one `train` per checkpoint folder. Two sessions writing one folder interleave their
// checkpoints, and the newest model file may then sit beside the other session's optimizer
// state. The lock is a file in the folder, created exclusively (O_EXCL), holding the owner's
// pid, host name and start time. A lock whose pid is gone on this host is stale (the owner was
// killed) and is taken over; a lock of another host cannot be judged from here and is reported.
import { hostname } from 'node:os';
import { readdir, readFile, rename, rm, link, open, stat, unlink } from 'node:fs/promises';
import { readFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

export const LOCK_FILE = '.resshift-train.lock';

/** The folder is in use by another live process; one line naming it. */
export class CheckpointLockError extends Error {}

interface Owner {
  pid: number;
  host: string;
  started: string;
}

// An owner writes its lock right after creating it; a lock still unreadable after this long was
// left by a process killed between the two.
const UNREADABLE_GRACE_MS = 30_000;

/** Whether process `pid` exists on this host (EPERM: it exists but belongs to another user). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function parseOwner(text: string): Owner | null {
  try {
    const o = JSON.parse(text) as Partial<Owner>;
    if (Number.isSafeInteger(o.pid) && (o.pid as number) > 0 && typeof o.host === 'string' && typeof o.started === 'string') return o as Owner;
  } catch {
    // unreadable: judged by age below
  }
  return null;
}

function describe(o: Owner): string {
  return `pid ${o.pid} on ${o.host}, started ${o.started}`;
}

export interface CheckpointLock {
  path: string;
  /** Removes the lock (if it is still this process's); safe to call twice. */
  release(): Promise<void>;
}

/**
 * Takes the lock of checkpoint folder `dir` (which must exist) for this process, or throws
 * CheckpointLockError naming the process that holds it. The lock is also removed when the
 * process exits without releasing it (process.exit, e.g. a second Ctrl-C) or is ended by a
 * SIGINT/SIGTERM that nothing else handles; after SIGKILL it is stale and taken over next time.
 */
export async function acquireCheckpointLock(dir: string): Promise<CheckpointLock> {
  const path = join(dir, LOCK_FILE);
  const mine: Owner = { pid: process.pid, host: hostname(), started: new Date().toISOString() };
  const text = JSON.stringify(mine);
  for (let attempt = 0; ; attempt++) {
    try {
      const fh = await open(path, 'wx');
      try {
        await fh.writeFile(text);
      } catch (e) {
        await fh.close();
        await rm(path, { force: true });
        throw e;
      }
      await fh.close();
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    // held: by a live process (refuse), or stale (take it over and try again)
    let held: string;
    let age: number;
    try {
      [held, age] = await Promise.all([readFile(path, 'utf8'), stat(path).then((s) => Date.now() - s.mtimeMs)]);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue; // released meanwhile
      throw e;
    }
    const owner = parseOwner(held);
    const stale = owner ? owner.host === mine.host && owner.pid !== process.pid && !pidAlive(owner.pid) : age > UNREADABLE_GRACE_MS;
    if (!stale || attempt >= 3) {
      const who = owner ? describe(owner) : 'a process that is still writing it';
      const hint = owner && owner.host !== mine.host ? `; if that process is gone, remove ${path}` : '';
      throw new CheckpointLockError(`${dir} is in use by another train process (${who}); wait for it to end or use another --out${hint}`);
    }
    await removeStale(path, held);
  }
  const onExit = () => {
    try {
      if (readFileSync(path, 'utf8') === text) unlinkSync(path);
    } catch {
      // already gone
    }
  };
  // A signal nobody else handles would end the process without 'exit' (e.g. Ctrl-C while the
  // images load): remove the lock, then let the signal do what it would have done.
  const onSignal = (sig: NodeJS.Signals) => {
    if (process.listenerCount(sig) > 1) return; // handled elsewhere (train saves, then exits)
    onExit();
    detach();
    process.kill(process.pid, sig);
  };
  const detach = () => {
    process.off('exit', onExit);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
  process.on('exit', onExit);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    path,
    async release() {
      detach();
      try {
        if ((await readFile(path, 'utf8')) === text) await rm(path, { force: true });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
    },
  };
}

/**
 * Removes the stale lock whose contents were `held`, unless another process replaced it since:
 * the lock is first moved aside (atomic, so of two processes taking over the same stale lock
 * only one moves it) and put back if it turns out to be a live one.
 */
async function removeStale(path: string, held: string): Promise<void> {
  const aside = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.stale`;
  try {
    await rename(path, aside);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  if ((await readFile(aside, 'utf8')) !== held) {
    // a live lock taken meanwhile: put it back unless yet another one is in place
    await link(aside, path).catch(() => {});
  }
  await unlink(aside);
}

// writeFileAtomic's temporary files: `.<target name>.<pid>.<8 hex>.tmp` beside the target. Only
// those of this project's checkpoint files (and the write probe of `train`) are removed, and the
// locks that removeStale moved aside.
const TEMP = /^\.(?:resshift_epoch_\d+(?:_step_\d+)?(?:\.optim)?\.safetensors|\.resshift-write-test)\.(\d+)\.[0-9a-f]{8}\.tmp$|^\.resshift-train\.lock\.(\d+)\.[0-9a-f]{8}\.stale$/;

/**
 * Removes temporary checkpoint files in `dir` left by writers that are gone (killed mid-write);
 * call it while holding the folder's lock. Returns the names removed.
 */
export async function removeStaleTempFiles(dir: string): Promise<string[]> {
  const removed: string[] = [];
  for (const name of await readdir(dir)) {
    const m = TEMP.exec(name);
    if (!m) continue;
    const pid = Number(m[1] ?? m[2]);
    if (pid === process.pid || pidAlive(pid)) continue;
    await rm(join(dir, name), { force: true });
    removed.push(name);
  }
  return removed;
}
