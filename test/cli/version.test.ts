import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { packageVersion } from '../../src/cli/main.js';

const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };

test('packageVersion reads package.json', () => {
  expect(version).toMatch(/^\d+\.\d+\.\d+/);
  expect(packageVersion()).toBe(version);
});

describe.skipIf(!existsSync('dist/cli/main.js'))('resshift-ts --version (needs `npm run build`; skipped when dist/cli/main.js is missing)', () => {
  test.each(['--version', '-V'])('%s prints the package version alone and exits 0', (flag) => {
    const r = spawnSync(process.execPath, ['bin/resshift-ts.js', flag], { encoding: 'utf8', timeout: 30_000 });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`${version}\n`);
    expect(r.status).toBe(0);
  });

  test('--help lists it', () => {
    const r = spawnSync(process.execPath, ['bin/resshift-ts.js', '--help'], { encoding: 'utf8', timeout: 30_000 });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/-V, --version +print the version and exit/);
  });
});
