// The GPU.js side of the gpu backend: one GPU instance in one mode, compiled kernels cached by
// their generated source and output size, and the check that every kernel really runs in the
// requested mode (GPU.js may swap a kernel for its CPU fallback; that is refused, never timed
// or reported as GPU work).
//
// GPU.js is an optional peer dependency: its types stay private to this folder (the minimal
// interfaces below), so the package's declarations never mention it.

/** GPU.js modes this backend accepts: each runs kernels on a GPU. */
export type GpuMode = 'webgpu' | 'webgl2' | 'webgl' | 'headlessgl';
export const GPU_MODES: readonly GpuMode[] = ['webgpu', 'webgl2', 'webgl', 'headlessgl'];

/** A kernel result kept on the GPU: a WebGPU storage buffer or a WebGL texture. */
export interface GpuHandle {
  toArray(): unknown;
  delete(): void;
  /** The result's dimensions (GPU.js textures and WebGPU buffer results have them). */
  readonly output?: readonly number[];
}

interface GpuJsKernel {
  constructor: { name: string; mode?: string };
  context?: { adapter?: { info?: Record<string, unknown> } } | null;
}
interface GpuJsShortcut {
  (...args: unknown[]): unknown;
  kernel: GpuJsKernel;
  readonly output: readonly number[];
  setOutput(output: number[]): void;
  destroy?(removeCanvasReferences?: boolean): void;
}
interface GpuJsInstance {
  readonly Kernel: { name: string; mode?: string };
  createKernel(source: string, settings: Record<string, unknown>): GpuJsShortcut;
  destroy(): Promise<void> | void;
}
export interface GpuJsModule {
  GPU: new (settings: Record<string, unknown>) => GpuJsInstance;
  /** GPU.js's kernel classes by name (WebGPUKernel, WebGL2Kernel, ...), where the module exports them. */
  classes?: Readonly<Record<string, unknown>>;
}

/** The GPU.js kernel class each mode must run on (GL classes all report mode 'gpu', so the class decides). */
export const KERNEL_CLASS: Readonly<Record<GpuMode, string>> = { webgpu: 'WebGPUKernel', webgl2: 'WebGL2Kernel', webgl: 'WebGLKernel', headlessgl: 'HeadlessGLKernel' };

/** A kernel as the backend describes it: GPU.js source text and a 1-D output length. */
export interface KernelSpec {
  /** A JavaScript function in GPU.js's kernel subset; sizes are baked in as literals. */
  readonly source: string;
  /** Output elements (the kernel's output is 1-D, this.thread.x in [0, size)). */
  readonly size: number;
  /** Array constants (tap tables) uploaded once when the kernel is built. */
  readonly constants?: Readonly<Record<string, Float32Array>>;
  /** Distinguishes kernels whose source is equal but whose constants differ. */
  readonly constantsKey?: string;
  /**
   * The source does not depend on the size (uploads, fills): one compiled kernel serves every
   * size, resized before a call, instead of one compile per tensor size (in 'webgpu' mode; the
   * GL modes compile one per size, see GpuRuntime.resizable).
   */
  readonly anySize?: boolean;
}

/**
 * Kernels index in 32-bit integers (see codegen.ts): every index of a tensor of at most this many
 * elements is exact. Devices hold less (see GpuRuntime.maxElements), so this bound is the last.
 */
export const INDEX_LIMIT = 2 ** 31 - 1;

/** Bounds GPU.js's guarded dynamic loops only; loops over literal bounds are exact. */
const LOOP_LIMIT = 2 ** 24;

/**
 * The native functions the generated sources call (codegen.ts), in each mode's language: exact
 * integer division (truncating; the sources divide non-negative numbers only) and the cast of a
 * float holding an integer exactly. GPU.js calls a function f of the kernel fn_f in WGSL and f in
 * GLSL; the types are given, so GPU.js need not parse the sources.
 */
const NATIVE_SOURCES = {
  wgsl: { idiv: 'fn fn_idiv(a : i32, b : i32) -> i32 { return a / b; }', toInt: 'fn fn_toInt(v : f32) -> i32 { return i32(v); }' },
  glsl: { idiv: 'int idiv(int a, int b) { return a / b; }', toInt: 'int toInt(float v) { return int(v); }' },
};

function nativeFunctions(mode: GpuMode): Record<string, unknown>[] {
  const src = mode === 'webgpu' ? NATIVE_SOURCES.wgsl : NATIVE_SOURCES.glsl;
  return [
    { name: 'idiv', source: src.idiv, argumentTypes: { a: 'Integer', b: 'Integer' }, returnType: 'Integer' },
    { name: 'toInt', source: src.toInt, argumentTypes: { v: 'Number' }, returnType: 'Integer' },
  ];
}

interface DeviceContext {
  /** WebGPU: GPU.js's { adapter, device } */
  device?: { limits?: { maxStorageBufferBindingSize?: number; maxBufferSize?: number } };
  /** WebGL: the rendering context */
  getParameter?(p: number): unknown;
  MAX_TEXTURE_SIZE?: number;
}

/**
 * The most elements a kernel result may have on the device behind `context`, and why: WebGPU
 * binds a result as one storage buffer of float32 (GPU.js asks the adapter for its largest
 * maxStorageBufferBindingSize and maxBufferSize); WebGL renders it into one texture, a value a
 * texel, of GPU.js's near-square size, which fits MAX_TEXTURE_SIZE on both sides for every
 * length up to (MAX_TEXTURE_SIZE - 2)^2. Null when the context tells neither.
 */
export function deviceLimit(mode: GpuMode, context: DeviceContext | null | undefined): { elements: number; reason: string } | null {
  if (!context) return null;
  if (mode === 'webgpu') {
    const l = context.device?.limits;
    if (!l?.maxStorageBufferBindingSize || !l.maxBufferSize) return null;
    const bytes = Math.min(l.maxStorageBufferBindingSize, l.maxBufferSize);
    return { elements: Math.floor(bytes / 4), reason: `the float32 values one WebGPU storage buffer of this device holds (${bytes} bytes: maxStorageBufferBindingSize ${l.maxStorageBufferBindingSize}, maxBufferSize ${l.maxBufferSize})` };
  }
  const side = typeof context.getParameter === 'function' && context.MAX_TEXTURE_SIZE !== undefined ? Number(context.getParameter(context.MAX_TEXTURE_SIZE)) : NaN;
  if (!(side > 2)) return null;
  return { elements: (side - 2) ** 2, reason: `the values one ${mode} result texture holds here (a value a texel, MAX_TEXTURE_SIZE ${side})` };
}

/** Host data passed to a kernel (uploads), as opposed to a GPU-resident result. */
const isHostArray = (a: GpuHandle): boolean => ArrayBuffer.isView(a);

/** Elements of a kernel argument: an array's length, a result's output dimensions multiplied. */
function elementsOf(a: GpuHandle): number {
  if (isHostArray(a)) return (a as unknown as ArrayLike<number>).length;
  if (!a.output) throw new Error('gpu backend: a GPU.js result without output dimensions');
  return a.output.reduce((p, d) => p * d, 1);
}

const firstLine = (e: unknown): string => String((e as Error)?.message ?? e).split('\n')[0];

export class GpuRuntime {
  private readonly kernels = new Map<string, GpuJsShortcut>();
  /** GPU.js kernel class that ran the last kernel (checked to be the mode's: e.g. WebGPUKernel). */
  kernelClass = '';
  /** Kernel calls made so far (dispatches): what the backend costs in launches. */
  dispatches = 0;
  /**
   * The most elements a tensor may have: the device's limit once a kernel has run (the warm-up
   * kernel of initGpuBackend), else (and never above) INDEX_LIMIT.
   */
  maxElements = INDEX_LIMIT;
  /** What sets maxElements, in words for an error message. */
  limitReason = 'the most a 32-bit kernel index reaches';
  private limitKnown = false;

  /**
   * Whether anySize kernels are resized (setOutput) rather than compiled once per size. Only in
   * 'webgpu' mode, whose immutable kernels give every result a buffer of its own. GPU.js's
   * immutable GL kernels, called with their own last result as input, recycle the texture of
   * an earlier such result (updateTextureArgumentRefs' prevArg) as the output; after a resize
   * that texture has the old size, so the result silently lands in a texture of the wrong size
   * (seen in Chromium's WebGL2: an add of 720 elements rendered into a 576-element texture,
   * 696 elements wrong).
   */
  private readonly resizable: boolean;

  private constructor(
    readonly mode: GpuMode,
    private readonly gpu: GpuJsInstance,
    /** The class itself where GPU.js exports it (names may be minified away), else null. */
    private readonly expected: unknown,
  ) {
    this.resizable = mode === 'webgpu';
  }

  static create(lib: GpuJsModule, mode: GpuMode): GpuRuntime {
    if (!GPU_MODES.includes(mode)) throw new Error(`gpu backend: mode '${mode}' is not a GPU mode (use ${GPU_MODES.join(', ')})`);
    let gpu: GpuJsInstance;
    try {
      gpu = new lib.GPU({ mode });
    } catch (e) {
      throw new Error(`gpu backend: GPU.js cannot run mode '${mode}' here: ${firstLine(e)}`);
    }
    const rt = new GpuRuntime(mode, gpu, lib.classes?.[KERNEL_CLASS[mode]] ?? null);
    rt.checkClass(gpu.Kernel, 'the GPU instance');
    return rt;
  }

  /** Number of compiled kernels held. */
  get compiled(): number {
    return this.kernels.size;
  }

  /** Throws unless `cls` is the mode's kernel class: GPU.js's CPU or WebAssembly fallbacks are not the GPU. */
  private checkClass(cls: { name: string; mode?: string }, what: string): void {
    const want = KERNEL_CLASS[this.mode];
    if (this.expected ? cls === this.expected : cls.name === want) {
      this.kernelClass = want;
      return;
    }
    throw new Error(`gpu backend: GPU.js put ${what} on ${cls.name} (mode '${cls.mode}') instead of ${want}; refusing a fallback that is not the GPU`);
  }

  private kernel(spec: KernelSpec, args: readonly (GpuHandle | number)[]): GpuJsShortcut {
    if (spec.size > this.maxElements) throw new Error(`gpu backend: a kernel output of ${spec.size} elements exceeds ${this.maxElements}, ${this.limitReason}`);
    const anySize = !!spec.anySize && this.resizable;
    // A compiled kernel also depends on its arguments: GPU.js bakes each array or texture
    // argument's size into a kernel with static arguments (a GL shader indexes textures by their
    // width), and swaps in another kernel when an argument's type changes. So the key holds the
    // argument kinds, and their sizes unless the kernel takes dynamic arguments: an identity
    // gather of 2048 elements from a 6144-element slice must not reuse the one compiled for a
    // 2048-element input (seen in Chromium's WebGL2: slice and expand results wrong).
    const argKey = args.map((a) => (typeof a === 'number' ? 'n' : `${isHostArray(a) ? 'a' : 't'}${anySize ? '' : elementsOf(a)}`)).join(',');
    const key = `${anySize ? '*' : spec.size}|${argKey}|${spec.constantsKey ?? ''}|${spec.source}`;
    let k = this.kernels.get(key);
    if (!k) {
      k = this.gpu.createKernel(spec.source, {
        output: [spec.size],
        // results stay on the GPU (storage buffers / textures), one fresh buffer per call
        pipeline: true,
        immutable: true,
        precision: 'single',
        tactic: 'precision',
        loopMaxIterations: LOOP_LIMIT,
        constants: spec.constants ?? {},
        nativeFunctions: nativeFunctions(this.mode),
        dynamicOutput: anySize,
        dynamicArguments: anySize,
      });
      this.kernels.set(key, k);
    } else if (anySize && k.output[0] !== spec.size) {
      k.setOutput([spec.size]);
    }
    return k;
  }

  /** Runs one kernel on GPU-resident inputs (and float scalars); resolves to its result handle. */
  async run(spec: KernelSpec, args: readonly (GpuHandle | number)[]): Promise<GpuHandle> {
    const k = this.kernel(spec, args);
    this.dispatches++;
    const out = (await k(...args)) as GpuHandle | null;
    this.checkClass(k.kernel.constructor, 'a kernel');
    if (!this.limitKnown) this.learnLimit(k.kernel.context as DeviceContext | null);
    if (!out || typeof (out as GpuHandle).delete !== 'function') throw new Error(`gpu backend: GPU.js returned no GPU-resident result for a kernel of ${spec.size} elements`);
    // a result of another size (a recycled texture, a missed resize) would be read as wrong values
    const got = out.output?.reduce((p, d) => p * d, 1);
    if (got !== undefined && got !== spec.size) {
      out.delete();
      throw new Error(`gpu backend: GPU.js returned a result of ${got} elements for a kernel of ${spec.size} (${this.mode})`);
    }
    return out;
  }

  /** Lowers maxElements to the device's limit, from the context GPU.js made for a kernel. */
  private learnLimit(context: DeviceContext | null): void {
    const l = deviceLimit(this.mode, context);
    this.limitKnown = true;
    if (l && l.elements < this.maxElements) {
      this.maxElements = l.elements;
      this.limitReason = l.reason;
    }
  }

  /** Values of a handle, exactly `size` of them. */
  async readback(h: GpuHandle, size: number): Promise<Float32Array> {
    const v = (await h.toArray()) as ArrayLike<number>;
    if (v.length < size) throw new Error(`gpu backend: read ${v.length} values, expected ${size}`);
    const out = new Float32Array(size);
    for (let i = 0; i < size; i++) out[i] = v[i];
    return out;
  }

  /** The adapter GPU.js is using, where the mode exposes it (WebGPU), else ''. */
  adapterDescription(): string {
    for (const k of this.kernels.values()) {
      const info = k.kernel.context?.adapter?.info;
      if (info) {
        const parts = ['vendor', 'architecture', 'device', 'description'].map((f) => info[f]).filter((v) => typeof v === 'string' && v);
        return parts.join(' ');
      }
    }
    return '';
  }

  async destroy(): Promise<void> {
    for (const k of this.kernels.values()) k.destroy?.();
    this.kernels.clear();
    await this.gpu.destroy();
  }
}
