// Node-only: an 8-bit RGB PNG written row by row through a zlib deflate stream, so an image far
// larger than memory can be written as its rows are made. The PNG framing and filters are in
// src/image/png-stream.ts (browser-safe).
import { rmSync } from 'node:fs';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { createDeflate, type Deflate } from 'node:zlib';
import { PNG_END, pngChunk, pngHeaderRgb8, PngRowFilter } from '../image/png-stream.js';
import { atomicTempPath } from './files.js';

/** Compressed bytes per IDAT chunk, by default. */
const IDAT_BYTES = 256 * 1024;
/** Chunks handed to the file but not yet written, at most (then rows wait). */
const MAX_QUEUED_BYTES = 4 * 1024 * 1024;

/**
 * Writes a PNG at `path` atomically, row by row: the bytes go to a hidden temporary file beside
 * it (see atomicTempPath), which `close` flushes to disk and renames over `path` once every row is
 * in; `abort` (or any failure) removes it, so `path` holds either its old contents or the whole
 * new image. Host memory: a few rows, the deflate state and at most a few MiB of compressed data.
 */
export class PngFileWriter {
  private readonly deflate: Deflate;
  private readonly filter: PngRowFilter;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private queuedBytes = 0;
  private writing: Promise<void> = Promise.resolve();
  private failure: Error | null = null;
  private rows = 0;
  private state: 'open' | 'closed' | 'aborted' = 'open';

  private constructor(
    readonly path: string,
    readonly tempPath: string,
    private readonly fh: FileHandle,
    readonly width: number,
    readonly height: number,
    level: number,
    private readonly idatBytes: number,
  ) {
    this.filter = new PngRowFilter(width * 3, 3);
    this.deflate = createDeflate({ level });
    this.deflate.on('data', (b: Buffer) => this.take(b));
    this.deflate.on('error', (e: Error) => this.fail(e));
  }

  /** Creates the temporary file and writes the PNG header; `level` is zlib's (default 6). */
  static async create(path: string, width: number, height: number, opts: { level?: number; idatBytes?: number } = {}): Promise<PngFileWriter> {
    const header = pngHeaderRgb8(width, height);
    const tmp = atomicTempPath(path);
    let fh: FileHandle;
    try {
      fh = await open(tmp, 'wx');
    } catch (e) {
      throw new Error(`${path}: cannot write (${(e as Error).message})`);
    }
    const w = new PngFileWriter(path, tmp, fh, width, height, opts.level ?? 6, opts.idatBytes ?? IDAT_BYTES);
    w.queue(header);
    return w;
  }

  /** Adds the next row: width x 3 bytes, RGB. Resolves when the writer can take another. */
  async writeRow(rgb: Uint8Array): Promise<void> {
    if (this.state !== 'open') throw new Error(`${this.path}: the PNG writer is ${this.state}`);
    if (this.rows >= this.height) throw new Error(`${this.path}: all ${this.height} rows are written already`);
    this.check();
    const scanline = this.filter.filter(rgb);
    this.rows++;
    if (!this.deflate.write(scanline)) await once(this.deflate, 'drain');
    if (this.queuedBytes > MAX_QUEUED_BYTES) await this.writing;
    this.check();
  }

  /** Ends the image: the last IDAT and IEND, then flush to disk and rename over the target. */
  async close(): Promise<void> {
    if (this.state !== 'open') throw new Error(`${this.path}: the PNG writer is ${this.state}`);
    try {
      if (this.rows !== this.height) throw new Error(`${this.path}: ${this.rows} of ${this.height} rows written`);
      this.check();
      this.deflate.end();
      // unlike once(..., 'end'), this also settles for a stream that failed before
      await finished(this.deflate);
      this.flushIdat();
      this.queue(PNG_END);
      await this.writing;
      this.check();
      await this.fh.sync();
      this.state = 'closed';
      await this.fh.close();
      await rename(this.tempPath, this.path);
    } catch (e) {
      await this.abort();
      throw e instanceof Error && e.message.startsWith(this.path) ? e : new Error(`${this.path}: cannot write (${(e as Error).message})`);
    }
  }

  /** Gives up: closes and removes the temporary file; `path` is left as it was. */
  async abort(): Promise<void> {
    const wasOpen = this.state === 'open';
    this.state = 'aborted';
    this.deflate.destroy();
    await this.writing;
    if (wasOpen) await this.fh.close().catch(() => undefined);
    await rm(this.tempPath, { force: true });
  }

  /** Removes the temporary file at once, for a signal handler that exits right after. */
  discardSync(): void {
    this.state = 'aborted';
    rmSync(this.tempPath, { force: true });
  }

  private take(b: Buffer): void {
    this.pending.push(b);
    this.pendingBytes += b.length;
    if (this.pendingBytes >= this.idatBytes) this.flushIdat();
  }

  private flushIdat(): void {
    if (this.pendingBytes === 0) return;
    const data = Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    this.queue(pngChunk('IDAT', data));
  }

  /** Appends bytes to the file, in order; a failure is kept and reported by the next call. */
  private queue(bytes: Uint8Array): void {
    this.queuedBytes += bytes.length;
    this.writing = this.writing.then(async () => {
      try {
        // a write may take fewer bytes than asked
        for (let at = 0; at < bytes.length && !this.failure && this.state !== 'aborted'; ) at += (await this.fh.write(bytes, at, bytes.length - at)).bytesWritten;
      } catch (e) {
        this.fail(e as Error);
      } finally {
        this.queuedBytes -= bytes.length;
      }
    });
  }

  private fail(e: Error): void {
    this.failure ??= e;
  }

  private check(): void {
    if (this.failure) throw new Error(`${this.path}: cannot write (${this.failure.message})`);
  }
}
