import { mulberry32 } from '../../src/runtime/random.js';
export { mulberry32 };
