// Every export takes (chunk, scratch, params): the host writes a kernel's arguments into a
// parameter record in linear memory, so the same call can be replayed by any worker thread.
// Integer slots come first; float64 slots start at F64_BASE bytes.

export const F64_BASE: usize = 512;

@inline export function pi(p: usize, slot: i32): i32 {
  return load<i32>(p + (<usize>slot << 2));
}

@inline export function pu(p: usize, slot: i32): usize {
  return load<u32>(p + (<usize>slot << 2));
}

@inline export function pf(p: usize, slot: i32): f64 {
  return load<f64>(p + F64_BASE + (<usize>slot << 3));
}

/** Byte address of float32 element i of an array at base (a function because `a + i << 2` parses as `(a + i) << 2`). */
@inline export function f32at(base: usize, i: i32): usize {
  return base + (<usize>i << 2);
}

@inline export function f64at(base: usize, i: i32): usize {
  return base + (<usize>i << 3);
}

@inline export function imin(a: i32, b: i32): i32 {
  return a < b ? a : b;
}

@inline export function imax(a: i32, b: i32): i32 {
  return a > b ? a : b;
}

/** Floor division for a possibly negative numerator and a positive divisor. */
@inline export function floorDiv(a: i32, b: i32): i32 {
  const q = a / b;
  return (a % b != 0 && a < 0) ? q - 1 : q;
}
