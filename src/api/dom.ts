// Browser helpers: ImageData and canvases in, the same out at 4x. (The DOM types are not part of
// this build's lib, so the few members used are declared here.)
import { upscale, type Model } from './model.js';
import type { UpscaleOptions } from './types.js';

export interface ImageDataLike {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8ClampedArray;
}

interface Context2D {
  getImageData(x: number, y: number, w: number, h: number): ImageDataLike;
  putImageData(image: ImageDataLike, x: number, y: number): void;
}

/** An HTMLCanvasElement or an OffscreenCanvas. */
export interface CanvasLike {
  width: number;
  height: number;
  getContext(kind: '2d'): unknown;
}

function imageDataClass(): new (data: Uint8ClampedArray, width: number, height: number) => ImageDataLike {
  const C = (globalThis as { ImageData?: new (data: Uint8ClampedArray, width: number, height: number) => ImageDataLike }).ImageData;
  if (!C) throw new Error('upscaleImageData: this host has no ImageData (a browser API); use upscale() with { width, height, data }');
  return C;
}

/** x4 super-resolution of an ImageData (alpha ignored); returns a new, opaque ImageData. */
export async function upscaleImageData(model: Model, image: ImageDataLike, options: UpscaleOptions = {}): Promise<ImageDataLike> {
  const ImageDataClass = imageDataClass();
  const out = await upscale(model, image, options);
  const n = out.width * out.height;
  const rgba = new Uint8ClampedArray(n * 4);
  for (let i = 0; i < n; i++) {
    rgba[i * 4] = out.data[i * 3];
    rgba[i * 4 + 1] = out.data[i * 3 + 1];
    rgba[i * 4 + 2] = out.data[i * 3 + 2];
    rgba[i * 4 + 3] = 255;
  }
  return new ImageDataClass(rgba, out.width, out.height);
}

function context(canvas: CanvasLike, what: string): Context2D {
  const ctx = canvas.getContext('2d') as Context2D | null;
  if (!ctx) throw new Error(`upscaleCanvas: ${what} has no 2D context (is it used for WebGL?)`);
  return ctx;
}

/**
 * x4 super-resolution of what a canvas shows (alpha ignored). Returns a new canvas of the same
 * kind (OffscreenCanvas for an OffscreenCanvas, else a <canvas> element) holding the result.
 */
export async function upscaleCanvas(model: Model, canvas: CanvasLike, options: UpscaleOptions = {}): Promise<CanvasLike> {
  const src = context(canvas, 'the canvas').getImageData(0, 0, canvas.width, canvas.height);
  const out = await upscaleImageData(model, src, options);
  const g = globalThis as { OffscreenCanvas?: new (w: number, h: number) => CanvasLike; document?: { createElement(tag: 'canvas'): CanvasLike } };
  let dst: CanvasLike;
  if (g.OffscreenCanvas && canvas instanceof g.OffscreenCanvas) dst = new g.OffscreenCanvas(out.width, out.height);
  else if (g.document) {
    dst = g.document.createElement('canvas');
    dst.width = out.width;
    dst.height = out.height;
  } else if (g.OffscreenCanvas) dst = new g.OffscreenCanvas(out.width, out.height);
  else throw new Error('upscaleCanvas: this host has neither document nor OffscreenCanvas');
  context(dst, 'the new canvas').putImageData(out, 0, 0);
  return dst;
}
