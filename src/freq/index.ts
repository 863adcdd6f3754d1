export { dct2d, idct2d, dctMatrix, dctBasisValues, clearDctCache } from './dct.js';
export { dwtHaar, idwtHaar, haarBands, fromHaarBands } from './haar.js';
