/**
 * An image that cannot be read or decoded: one line that starts with the file's name. Decoders
 * throw nothing else for bad input, so no library's internal message reaches the user.
 */
export class ImageError extends Error {
  override name = 'ImageError';
}
