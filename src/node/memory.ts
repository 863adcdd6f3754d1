// Node-only: how much more memory this process can take before the system (or its cgroup) runs out.
import { freemem, totalmem } from 'node:os';

/**
 * Bytes this process can still allocate: the system's available memory (MemAvailable on Linux,
 * which counts reclaimable caches), capped by a cgroup limit less what the process already holds.
 */
export function availableMemory(): number {
  const proc = process as NodeJS.Process & { availableMemory?: () => number; constrainedMemory?: () => number | undefined };
  // Node 22+ does both steps itself
  if (typeof proc.availableMemory === 'function') return proc.availableMemory();
  let available = freemem();
  // without a limit Node reports 0, undefined or a huge number
  const limit = proc.constrainedMemory?.();
  if (limit && limit < totalmem()) available = Math.min(available, Math.max(0, limit - process.memoryUsage().rss));
  return available;
}
