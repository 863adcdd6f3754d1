import type { Server } from 'node:http';
export function headers(isolated: boolean): Record<string, string>;
export function serve(root: string, options?: { port?: number; host?: string; isolated?: boolean }): Promise<Server>;
