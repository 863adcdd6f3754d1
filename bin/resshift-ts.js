#!/usr/bin/env node
// Thin launcher: the CLI is compiled TypeScript in dist/ (npm run build).
import('../dist/cli/main.js')
  .then((m) => m.main(process.argv))
  .catch((err) => {
    if (err && err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('dist/cli/main.js')) {
      console.error('resshift-ts: not built yet; run `npm run build` in the package folder');
    } else {
      console.error(`resshift-ts: ${err && err.message ? err.message : err}`);
    }
    process.exitCode = 1;
  });
