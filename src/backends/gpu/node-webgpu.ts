// Node only: a navigator.gpu from the `webgpu` package (Dawn's dawn.node), so GPU.js's 'webgpu'
// mode runs in Node. Loaded by a dynamic import from ./index.ts when no navigator.gpu exists,
// never statically, so the package's entry point stays free of Node built-ins.
//
// Configured by the environment:
//   WEBGPU_DAWN_FLAGS     Dawn toggles for create(), separated by spaces (e.g. "backend=opengles")
//   WEBGPU_FEATURE_LEVEL  'compatibility' or 'core', added to requestAdapter() calls that name
//                         none (Dawn's OpenGL ES backend offers only compatibility adapters, and
//                         GPU.js calls requestAdapter() without options)
//   WEBGPU_NODE_MODULE    folder of the webgpu package to load instead of resolving 'webgpu'

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

interface WebgpuModule {
  create(flags: string[]): NodeGpu;
  globals: Record<string, unknown>;
}
interface NodeGpu {
  requestAdapter(options?: Record<string, unknown>): Promise<unknown>;
  getPreferredCanvasFormat(): string;
  readonly wgslLanguageFeatures: unknown;
}

const firstLine = (e: unknown): string => String((e as Error)?.message ?? e).split('\n')[0];

async function loadWebgpu(): Promise<WebgpuModule> {
  const dir = process.env.WEBGPU_NODE_MODULE;
  if (dir) {
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { main?: string };
    return (await import(pathToFileURL(join(dir, pkg.main ?? 'index.js')).href)) as WebgpuModule;
  }
  const name = 'webgpu'; // through a variable: an optional package, typed here by WebgpuModule
  return (await import(name)) as WebgpuModule;
}

/**
 * Sets globalThis.navigator.gpu (and GPUBufferUsage, GPUMapMode, ... where missing) from the
 * webgpu package. Returns a description of what was installed; throws, naming the fix, when
 * the package or its native module cannot load.
 */
export async function installNodeWebgpu(): Promise<string> {
  let mod: WebgpuModule;
  try {
    mod = await loadWebgpu();
  } catch (e) {
    throw new Error(`gpu backend: the 'webgpu' package (Dawn for Node) did not load: ${firstLine(e)}; install it with: npm install gpu.js webgpu`);
  }
  const flags = (process.env.WEBGPU_DAWN_FLAGS ?? '').split(/\s+/).filter(Boolean);
  let native: NodeGpu;
  try {
    native = mod.create(flags);
  } catch (e) {
    throw new Error(`gpu backend: webgpu create(${JSON.stringify(flags)}) failed: ${firstLine(e)}`);
  }
  const featureLevel = process.env.WEBGPU_FEATURE_LEVEL;
  const gpu = featureLevel
    ? {
        requestAdapter: (options?: Record<string, unknown>) => native.requestAdapter(options?.featureLevel ? options : { ...options, featureLevel }),
        getPreferredCanvasFormat: () => native.getPreferredCanvasFormat(),
        get wgslLanguageFeatures() {
          return native.wgslLanguageFeatures;
        },
      }
    : native;
  // checked here, in Node's words: GPU.js would blame a headless browser
  if (!(await gpu.requestAdapter().catch(() => null))) {
    throw new Error(
      `gpu backend: Dawn (the webgpu package) found no GPU adapter${flags.length ? ` with ${flags.join(' ')}` : ''}; without a GPU driver, a software one serves: ` +
        'VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json (SwiftShader, from Debian\'s chromium package)',
    );
  }
  const g = globalThis as Record<string, unknown>;
  for (const [k, v] of Object.entries(mod.globals ?? {})) if (!(k in g)) g[k] = v;
  // Node 21+ has a navigator (kept, with gpu added); Node 20 has none, so one is made.
  const nav = g.navigator;
  if (nav && typeof nav === 'object') {
    try {
      Object.defineProperty(nav, 'gpu', { value: gpu, configurable: true, writable: true });
    } catch {
      // a frozen navigator: replaced below
    }
  }
  if ((g.navigator as { gpu?: unknown } | undefined)?.gpu !== gpu) {
    Object.defineProperty(g, 'navigator', { value: { gpu }, configurable: true, writable: true });
  }
  return `webgpu (Dawn for Node${flags.length ? `, ${flags.join(' ')}` : ''}${featureLevel ? `, ${featureLevel} adapter` : ''})`;
}
