/** Compiles assembly/ and writes the generated module; resolves to whether it compiled. */
export declare function buildWasm(opts?: { ifStale?: boolean; quiet?: boolean }): Promise<boolean>;
