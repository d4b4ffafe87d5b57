export { tf } from './tf.js';
export { Rng } from './rng.js';
export type { RngState } from './rng.js';
export {
  ParamTreeInputError,
  treeEntries,
  treeLeaves,
  treeMap,
  treeZipMap,
  treeSize,
  treeDispose,
  treeSpec,
  treeToFlat,
  treeToFlatAsync,
  treeToFlatTensor,
  treeFromFlat,
  treeToJSON,
  treeFromJSON,
  uniformTensor,
  normalTensor,
  glorotNormal,
} from './params.js';
export type { ParamTree, TreeSpec, SerializedTree } from './params.js';
export { BACKENDS, BackendInputError, initBackend, currentBackend, registerBackendProvider } from './backend.js';
export type { BackendName, BackendChoice } from './backend.js';
