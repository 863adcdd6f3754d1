import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { writeFileAtomic } from '../../src/node/files.js';
import { acquireCheckpointLock, CheckpointLockError, LOCK_FILE, removeStaleTempFiles } from '../../src/resshift/checkpoint-lock.js';
import { tempDir } from './train-fixtures.js';

// Simulates a writer killed between writing its temporary file and renaming it: while `killed`
// is set, rename never happens and the temporary file is not cleaned up.
const sim = vi.hoisted(() => ({ killed: false }));
vi.mock('node:fs/promises', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs/promises')>();
  return {
    ...fs,
    rename: (...a: Parameters<typeof fs.rename>) => (sim.killed ? Promise.reject(new Error('killed')) : fs.rename(...a)),
    rm: (...a: Parameters<typeof fs.rm>) => (sim.killed ? Promise.resolve() : fs.rm(...a)),
  };
});

const tmp = tempDir('lock');
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const built = existsSync('dist/resshift/checkpoint-lock.js');

/** The pid of a process that has exited (and been reaped). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', '']);
  return r.pid!;
}

function folder(name: string): string {
  const d = join(tmp, name);
  mkdirSync(d);
  return d;
}

describe('checkpoint folder lock', () => {
  it('one holder at a time; the refusal names the holder; released, it can be taken again', async () => {
    const dir = folder('one');
    const lock = await acquireCheckpointLock(dir);
    const owner = JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8'));
    expect(owner).toMatchObject({ pid: process.pid, host: hostname() });
    expect(Number.isNaN(Date.parse(owner.started))).toBe(false);
    const err = await acquireCheckpointLock(dir).catch((e) => e);
    expect(err).toBeInstanceOf(CheckpointLockError);
    expect(err.message).toBe(`${dir} is in use by another train process (pid ${process.pid} on ${hostname()}, started ${owner.started}); wait for it to end or use another --out`);
    await lock.release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    await lock.release(); // twice is harmless
    const again = await acquireCheckpointLock(dir);
    await again.release();
  });

  it('takes over a lock whose process is gone on this host', async () => {
    const dir = folder('stale');
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: deadPid(), host: hostname(), started: '2020-01-01T00:00:00.000Z' }));
    const lock = await acquireCheckpointLock(dir);
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')).pid).toBe(process.pid);
    await lock.release();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('refuses a lock of another host (its process cannot be checked from here)', async () => {
    const dir = folder('other-host');
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: deadPid(), host: 'elsewhere.invalid', started: '2020-01-01T00:00:00.000Z' }));
    await expect(acquireCheckpointLock(dir)).rejects.toThrow(new RegExp(`on elsewhere\\.invalid, started 2020-01-01T00:00:00\\.000Z\\); .*; if that process is gone, remove ${join(dir, LOCK_FILE).replace(/[.]/g, '\\.')}$`));
  });

  it('an unreadable lock is being written (refused) unless it is old (taken over)', async () => {
    const dir = folder('unreadable');
    const path = join(dir, LOCK_FILE);
    writeFileSync(path, '');
    await expect(acquireCheckpointLock(dir)).rejects.toThrow(/in use by another train process \(a process that is still writing it\)/);
    const old = new Date(Date.now() - 120_000);
    utimesSync(path, old, old);
    const lock = await acquireCheckpointLock(dir);
    await lock.release();
  });

  it.skipIf(!built)('is removed when the process exits without releasing it (process.exit, e.g. a second Ctrl-C)', () => {
    const dir = folder('exit');
    const code = `import('./dist/resshift/checkpoint-lock.js').then(async (m) => { await m.acquireCheckpointLock(${JSON.stringify(dir)}); console.log('locked'); process.exit(3); });`;
    const r = spawnSync(process.execPath, ['-e', code], { encoding: 'utf8' });
    expect(r.stdout.trim()).toBe('locked');
    expect(r.status).toBe(3);
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
  });

  it.skipIf(!built)('is removed when an unhandled SIGINT or SIGTERM ends the process (which still dies of the signal)', async () => {
    for (const sig of ['SIGINT', 'SIGTERM'] as const) {
      const dir = folder(`signal-${sig}`);
      const code = `import('./dist/resshift/checkpoint-lock.js').then(async (m) => { await m.acquireCheckpointLock(${JSON.stringify(dir)}); console.log('locked'); setInterval(() => {}, 1000); });`;
      const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
      await new Promise<void>((resolve) => child.stdout.on('data', () => resolve()));
      expect(existsSync(join(dir, LOCK_FILE))).toBe(true);
      const ended = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
      child.kill(sig);
      expect(await ended).toBe(sig);
      expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    }
  });
});

describe('stale temporary files', () => {
  it('removes the checkpoint temporaries of writers that are gone, and nothing else', async () => {
    const dir = folder('temps');
    const dead = deadPid();
    const gone = [
      `.resshift_epoch_3.safetensors.${dead}.0a1b2c3d.tmp`,
      `.resshift_epoch_3.optim.safetensors.${dead}.0a1b2c3d.tmp`,
      `.resshift_epoch_3_step_40.safetensors.${dead}.ffffffff.tmp`,
      `..resshift-write-test.${dead}.12345678.tmp`,
      `${LOCK_FILE}.${dead}.12345678.stale`,
    ];
    const kept = [
      `.resshift_epoch_3.safetensors.${process.pid}.0a1b2c3d.tmp`, // a live writer
      `.photo.png.${dead}.0a1b2c3d.tmp`, // not ours
      `.resshift_epoch_3.safetensors.${dead}.tmp`,
      'resshift_epoch_3.safetensors',
    ];
    for (const n of [...gone, ...kept]) writeFileSync(join(dir, n), 'x');
    expect((await removeStaleTempFiles(dir)).sort()).toEqual([...gone].sort());
    expect(readdirSync(dir).sort()).toEqual([...kept].sort());
  });

  it("recognises writeFileAtomic's own temporary names", async () => {
    const dir = folder('killed-writer');
    sim.killed = true;
    try {
      await expect(writeFileAtomic(join(dir, 'resshift_epoch_1.optim.safetensors'), 'data')).rejects.toThrow('killed');
      await expect(writeFileAtomic(join(dir, 'resshift_epoch_1_step_9.safetensors'), 'data')).rejects.toThrow('killed');
    } finally {
      sim.killed = false;
    }
    const left = readdirSync(dir);
    expect(left).toHaveLength(2);
    // written by this (live) process: kept
    expect(await removeStaleTempFiles(dir)).toEqual([]);
    // as if written by a process that is gone
    const dead = String(deadPid());
    for (const n of left) writeFileSync(join(dir, n.replace(`.${process.pid}.`, `.${dead}.`)), 'x');
    for (const n of left) rmSync(join(dir, n));
    expect((await removeStaleTempFiles(dir)).length).toBe(2);
    expect(readdirSync(dir)).toEqual([]);
  });
});
