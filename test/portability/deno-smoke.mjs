// Runs under Deno against the built package: the engine, autograd and the WASM backend (with
// Deno's workers) must give the same numbers as in Node. Prints one JSON line.
import { backward, conv2d, initWasmBackend, randNormal, Rng, scope, setBackend, sum } from '../../dist/index.js';

function step() {
  return scope(() => {
    const x = randNormal([2, 3, 12, 12], new Rng(1));
    const w = randNormal([4, 3, 3, 3], new Rng(2));
    w.requiresGrad = true;
    backward(sum(conv2d(x, w, null, { padding: 1 })));
    return Array.from(w.grad.dataSync());
  });
}

const ref = step();
await initWasmBackend({ threads: 2 });
setBackend('wasm');
const wasm = step();
// no stopWasmWorkers(): idle workers are unref'd, so Deno exits by itself
console.log(JSON.stringify({ ref, wasm }));
