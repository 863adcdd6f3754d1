// Declarations for the module scripts/build-wasm.mjs generates next to this file (it is not
// committed), so the package typechecks before the first wasm build.
export declare const WASM_SOURCE_HASH: string;
export declare const WASM_BASE64: string;
export declare const WASM_FMA_BASE64: string;
