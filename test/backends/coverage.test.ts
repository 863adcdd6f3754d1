import { beforeAll, describe, expect, test } from 'vitest';
import { getBackend, getKernel } from '../../src/backends/registry.js';
import { getOp, listOps } from '../../src/tensor/index.js';
import { TEST_BACKENDS } from '../support/backends.js';

// A backend that claims to be complete has a kernel for every op that runs one: a missing kernel
// would silently move the data to ref (slow, and impossible from an asynchronous backend).

describe.each(TEST_BACKENDS)('kernel coverage on $name', (backend) => {
  let skip: string | null = null;
  beforeAll(async () => {
    skip = await backend.setup();
  }, 60_000);

  test('claims completeness, and has a kernel for every op that is not a view or a decomposable fast path', (ctx) => {
    if (skip) ctx.skip(skip);
    expect(getBackend(backend.name).complete).toBe(true);
    const missing = listOps().filter((name) => !getOp(name).view && !getOp(name).decomposition && !getKernel(backend.name, name));
    expect(missing).toEqual([]);
  });
});
