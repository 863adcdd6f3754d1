// The worker program, as source text so one string runs as a node:worker_threads worker (eval,
// in Node and Deno) and as a Web module worker (Blob URL) with no file path or bundler involved.
// It instantiates the kernels on the shared memory, then loops: sleep until the job generation
// changes, claim chunks until none are left, acknowledge.

import { C_ACK, C_ACTIVE, C_ERROR, C_EXIT, C_FN, C_GEN, C_NEXT, C_PARAMS, C_SCRATCH, C_STRIDE, C_TOTAL, CTL_OFFSET, CTL_SLOTS } from './control.js';

export const WORKER_SOURCE = `
'use strict';
const run = (data, post) => {
  const { module, memory, names, tid } = data;
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  const fns = names.map((n) => instance.exports[n]);
  const ctl = new Int32Array(memory.buffer, ${CTL_OFFSET}, ${CTL_SLOTS});
  let seen = Atomics.load(ctl, ${C_GEN});
  post('ready');
  for (;;) {
    for (let spin = 0; spin < 4000 && Atomics.load(ctl, ${C_GEN}) === seen; spin++);
    Atomics.wait(ctl, ${C_GEN}, seen);
    const gen = Atomics.load(ctl, ${C_GEN});
    if (gen === seen) continue;
    seen = gen;
    if (Atomics.load(ctl, ${C_EXIT})) return;
    if (tid > Atomics.load(ctl, ${C_ACTIVE})) continue;
    const fn = fns[ctl[${C_FN}]];
    const total = ctl[${C_TOTAL}];
    const params = ctl[${C_PARAMS}] >>> 0;
    const scratch = (ctl[${C_SCRATCH}] >>> 0) + tid * (ctl[${C_STRIDE}] >>> 0);
    try {
      for (;;) {
        const c = Atomics.add(ctl, ${C_NEXT}, 1);
        if (c >= total) break;
        fn(c, scratch, params);
      }
    } catch (e) {
      Atomics.store(ctl, ${C_ERROR}, 1);
    }
    Atomics.add(ctl, ${C_ACK}, 1);
    Atomics.notify(ctl, ${C_ACK});
  }
};
// A node:worker_threads eval worker (Node, and Deno, where 'self' exists as well) has require;
// a Web Worker has not.
if (typeof require === 'function') {
  const { parentPort } = require('node:worker_threads');
  parentPort.once('message', (data) => run(data, (m) => parentPort.postMessage(m)));
} else {
  self.onmessage = (e) => run(e.data, (m) => self.postMessage(m));
}
`;
