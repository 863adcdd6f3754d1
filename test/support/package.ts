// Shared by the package tests: the environment a nested npm runs in, and the package as npm
// would pack it, copied into an application's node_modules.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * Our environment without the npm_* variables `npm test` sets for its script (a nested npm reads
 * npm_config_prefix and the like as its own settings), keeping only those that say where
 * packages come from.
 */
export function npmEnv(): NodeJS.ProcessEnv {
  const keep = /^npm_config_(cache|registry|userconfig|globalconfig|cafile|proxy|https_proxy|noproxy|strict_ssl)$/i;
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k) || keep.test(k)));
}

/**
 * Copies the files `npm pack` would put in the tarball (from the current dist/, without building)
 * into `dest`: the package as an application gets it, without this checkout's tsconfig.json and
 * sources around it (a link to the checkout would let a bundler read them).
 */
export function copyPackedFiles(dest: string): string[] {
  const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { encoding: 'utf8', timeout: 60_000, maxBuffer: 64 << 20, env: npmEnv() });
  if (r.status !== 0) throw new Error(`npm pack --dry-run exited ${r.status ?? r.signal}: ${r.stderr}`);
  const files = (JSON.parse(r.stdout) as { files: { path: string }[] }[])[0].files.map((f) => f.path);
  for (const f of files) {
    mkdirSync(dirname(join(dest, f)), { recursive: true });
    copyFileSync(f, join(dest, f));
  }
  return files;
}
