export function buildDemo(options?: { outDir?: string; quiet?: boolean }): Promise<string>;
