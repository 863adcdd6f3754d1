// Loaded with `node --import`: the packages named in HIDE_PACKAGES (comma-separated) cannot be
// resolved, as on an install without them (the optional gpu.js and webgpu).
import { register } from 'node:module';

const hooks = `
const hidden = new Set((process.env.HIDE_PACKAGES ?? '').split(',').filter(Boolean));
export async function resolve(specifier, context, next) {
  if (hidden.has(specifier)) {
    const e = new Error("Cannot find package '" + specifier + "' imported from " + context.parentURL);
    e.code = 'ERR_MODULE_NOT_FOUND';
    throw e;
  }
  return next(specifier, context);
}`;
register(`data:text/javascript,${encodeURIComponent(hooks)}`);
