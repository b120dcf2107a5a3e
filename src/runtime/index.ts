export { loadOnnx, type OnnxOptions, type LoadedSession } from './onnx.js';
export { packageRoot, modelPath, packageFile } from './paths.js';
