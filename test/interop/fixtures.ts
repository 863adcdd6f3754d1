// The committed PyTorch fixtures (scripts/make-pt-fixture.py) and their expected values.
import { readFileSync } from 'node:fs';
import { parseSafetensors } from '../../src/nn/safetensors.js';

export const FIXTURES = 'test/interop/fixtures';

export function fixtureBytes(name: string): Uint8Array {
  const b = readFileSync(`${FIXTURES}/${name}`);
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** The float32 tensors of a fixture's .safetensors companion. */
export function fixtureTensors(name: string): Map<string, { shape: number[]; data: Float32Array }> {
  const { tensors } = parseSafetensors(fixtureBytes(name));
  return new Map([...tensors].map(([k, t]) => [k, { shape: t.shape, data: Float32Array.from(t.data) }]));
}

/** Largest |a - e| and largest |e|, for tolerance checks of the form atol + rtol max|e|. */
export function maxDiff(a: ArrayLike<number>, e: ArrayLike<number>): { diff: number; scale: number } {
  if (a.length !== e.length) throw new Error(`length ${a.length} vs ${e.length}`);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < e.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - e[i]));
    scale = Math.max(scale, Math.abs(e[i]));
  }
  return { diff, scale };
}
