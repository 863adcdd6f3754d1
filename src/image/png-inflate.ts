// Inflating a PNG's image data with an output cap. A PNG's header fixes how many bytes its
// image data must inflate to, but zlib streams carry no size: a 1 MB file that declares 32x32
// pixels can inflate to a gigabyte. fflate's streaming inflater (the one fast-png uses) is fed
// small pieces of input, and feeding stops as soon as the cap is reached, so the output held at
// any moment is at most the cap plus what one piece can inflate to.
import { Unzlib } from 'fflate';

/** Deflate's largest expansion: a 258-byte match coded in 2 bits. */
export const MAX_DEFLATE_RATIO = 1032;

// Input piece sizes: small while little output remains to be produced (so overshooting the cap
// costs at most about a megabyte), larger for big images to keep the per-piece overhead low.
const MIN_PIECE = 1024;
const MAX_PIECE = 65536;

export interface InflateResult {
  /** `cap` bytes; only the first `length` are image data when the stream ended early. */
  data: Uint8Array;
  length: number;
  /** The stream holds more than `cap` bytes; the rest was not inflated. */
  overflow: boolean;
}

/** A zlib stream the inflater rejected; the message is fflate's own short description. */
export class InflateError extends Error {}

/**
 * Inflates the zlib stream split over `parts` (IDAT chunk contents) into a new buffer of `cap`
 * bytes, stopping once `cap` bytes are out. Throws InflateError for corrupt or cut-off streams.
 */
export function inflateCapped(parts: readonly Uint8Array[], cap: number): InflateResult {
  const data = new Uint8Array(cap);
  let length = 0;
  let overflow = false;
  const stream = new Unzlib((chunk) => {
    const room = cap - length;
    if (chunk.length > room) {
      data.set(chunk.subarray(0, room), length);
      length = cap;
      overflow = true;
    } else {
      data.set(chunk, length);
      length += chunk.length;
    }
  });
  try {
    for (const part of parts) {
      for (let at = 0; at < part.length && !overflow; ) {
        const piece = Math.min(MAX_PIECE, Math.max(MIN_PIECE, Math.floor((cap - length) / MAX_DEFLATE_RATIO)));
        stream.push(part.subarray(at, at + piece), false);
        at += piece;
      }
      if (overflow) break;
    }
    // The final push checks that the deflate stream reached its last block.
    if (!overflow) stream.push(new Uint8Array(0), true);
  } catch (e) {
    throw new InflateError(describe(e));
  }
  return { data, length, overflow };
}

// fflate's own errors carry a numeric code and a short message ("invalid distance", "unexpected
// EOF"); anything else would be an internal failure whose text means nothing to a user.
function describe(e: unknown): string {
  if (e instanceof Error && typeof (e as { code?: unknown }).code === 'number') return e.message;
  return 'the zlib stream does not decode';
}
