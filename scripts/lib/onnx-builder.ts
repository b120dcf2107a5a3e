/** The ONNX graph builder lives in src/audio/onnx-graph.ts (`emosig train voice` exports models at run time too). */
export { GraphBuilder } from '../../src/audio/onnx-graph.js';
