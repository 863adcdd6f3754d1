export { dct2d, idct2d, dctAxis, dctMatrix, dctBasisValues, clearDctCache, type DctAttrs } from './dct.js';
export { dwtHaar, idwtHaar, haarBands, fromHaarBands } from './haar.js';
