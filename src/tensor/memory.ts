import { getBackend, listBackends } from '../backends/registry.js';
import { liveNodeCount } from './node.js';
import { liveTensorCount } from './tensor.js';

export interface BackendMemory {
  liveBuffers: number;
  liveBytes: number;
}

export interface MemoryInfo {
  /** Tensor handles not yet disposed (views share a buffer, so this can exceed liveBuffers). */
  tensors: number;
  /** Buffers and bytes alive over all backends. */
  liveBuffers: number;
  liveBytes: number;
  /** The same per registered backend. */
  backends: Record<string, BackendMemory>;
  /** Recorded ops still holding tensors for a backward() that has not run yet. */
  graphNodes: number;
}

/** What is alive now: for finding leaks (tfjs's tf.memory()). */
export function memory(): MemoryInfo {
  const backends: Record<string, BackendMemory> = {};
  let liveBuffers = 0;
  let liveBytes = 0;
  for (const name of listBackends()) {
    const s = getBackend(name).stats();
    backends[name] = { liveBuffers: s.liveBuffers, liveBytes: s.liveBytes };
    liveBuffers += s.liveBuffers;
    liveBytes += s.liveBytes;
  }
  return { tensors: liveTensorCount(), liveBuffers, liveBytes, backends, graphNodes: liveNodeCount() };
}
