// `node --import ./test/helpers/no-ort-node.mjs ...`: makes `onnxruntime-node` unresolvable, as after an install
// where npm dropped the optional package (its install script failed offline).
import { register } from 'node:module';
register('data:text/javascript,' + encodeURIComponent(`
export async function resolve(spec, ctx, next) {
  if (spec === 'onnxruntime-node' || spec.startsWith('onnxruntime-node/')) {
    const e = new Error("Cannot find package 'onnxruntime-node'"); e.code = 'ERR_MODULE_NOT_FOUND'; throw e;
  }
  return next(spec, ctx);
}`));
