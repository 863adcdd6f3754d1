// The model shipped in the package (models/ at the package root, two levels above dist/api/ and
// src/api/). Written as `new URL('...', import.meta.url)` so that bundlers which follow that form
// (Vite, webpack, Parcel) copy the file next to the bundle; elsewhere it is fetched or read from here.
export const BUNDLED_MODEL_URL: URL = new URL('../../models/resshift-default.safetensors', import.meta.url);
