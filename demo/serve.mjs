#!/usr/bin/env node
// A tiny static file server for the demo (and the browser tests): serves one folder on
// 127.0.0.1 with the two headers that make a page cross-origin isolated, so the WASM backend
// can run on several threads (SharedArrayBuffer needs them):
//   Cross-Origin-Opener-Policy: same-origin
//   Cross-Origin-Embedder-Policy: require-corp
// Any static host works the same once it sends those headers (without them the demo still
// runs, on one thread).
//
//   node demo/serve.mjs [folder=demo/dist] [--port 8080] [--no-isolation]
import { createReadStream, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.svg': 'image/svg+xml',
  '.safetensors': 'application/octet-stream',
};

/** Headers of every response; `isolated` adds the cross-origin isolation pair. */
export function headers(isolated) {
  return {
    ...(isolated ? { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' } : {}),
    'Cross-Origin-Resource-Policy': 'same-origin',
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': 'no-cache',
  };
}

/** The file under `root` for a URL path (index.html for a folder), or null: nothing outside root is served. */
function fileFor(root, urlPath) {
  let p;
  try {
    p = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (p.includes('\0')) return null;
  let file = normalize(join(root, p));
  if (file !== root && !file.startsWith(root + sep)) return null;
  try {
    if (statSync(file).isDirectory()) file = join(file, 'index.html');
    return statSync(file).isFile() ? file : null;
  } catch {
    return null;
  }
}

/** Starts serving `root`; resolves with the http.Server once it listens (port 0: any free port). */
export function serve(root, { port = 8080, host = '127.0.0.1', isolated = true } = {}) {
  const base = resolve(root);
  const server = createServer((req, res) => {
    const h = headers(isolated);
    const file = req.method === 'GET' || req.method === 'HEAD' ? fileFor(base, new URL(req.url ?? '/', 'http://x').pathname) : null;
    const type = file ? MIME[extname(file).toLowerCase()] ?? 'application/octet-stream' : undefined;
    if (!file) {
      res.writeHead(404, { ...h, 'Content-Type': 'text/plain; charset=utf-8' }).end('not found');
      return;
    }
    res.writeHead(200, { ...h, 'Content-Type': type, 'Content-Length': statSync(file).size });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  });
  server.keepAliveTimeout = 1000;
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, host, () => ok(server));
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const flag = (name) => args.indexOf(name);
  const portAt = flag('--port');
  const port = portAt >= 0 ? Number(args[portAt + 1]) : 8080;
  const isolated = flag('--no-isolation') < 0;
  const folder = args.find((a, i) => !a.startsWith('--') && (portAt < 0 || i !== portAt + 1)) ?? fileURLToPath(new URL('./dist/', import.meta.url));
  try {
    if (!statSync(folder).isDirectory()) throw new Error('not a folder');
  } catch {
    console.error(`serve: ${folder}: no such folder${folder.endsWith('dist') || folder.endsWith('dist/') ? ' (build the demo first: node demo/build.mjs)' : ''}`);
    process.exit(2);
  }
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`serve: --port must be an integer from 0 to 65535, got ${args[portAt + 1]}`);
    process.exit(2);
  }
  const server = await serve(folder, { port, isolated });
  const { port: actual } = server.address();
  console.log(`serving ${resolve(folder)} at http://127.0.0.1:${actual}/${isolated ? ' (cross-origin isolated)' : ''}; Ctrl-C stops`);
}
