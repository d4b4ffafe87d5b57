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
export {
  NESTED_SAFE_GRADIENTS,
  STOCK_GRADIENTS,
  ZERO_GRADIENT_KERNELS,
  EXPLICIT_TRANSPOSE_BACKENDS,
  FAST_MATMUL_GRADIENTS,
  STOCK_MATMUL_GRADIENTS,
  INSTALLED_GRADIENTS,
  installNestedSafeGradients,
  withGradients,
} from './gradients.js';
export { LinalgInputError, slogdet, slogdetInverse, inverse, logSumSignedExp } from './slogdet.js';
export type { SlogdetResult, SlogdetInverseResult } from './slogdet.js';
export { slogdetHost, logSumSignedExpHost, logDetDerivativesHost } from './slogdet-host.js';
export type { HostSlogdet, HostLogDetDerivatives } from './slogdet-host.js';
export {
  ForwardLaplacianInputError,
  flInput,
  flConstant,
  flDense,
  flConcat,
  flMeanParticles,
  flMeanFieldDense,
  flActivation,
  flTanh,
  flAdd,
  flScale,
  flScaleLast,
  flMul,
  flSquare,
  flExp,
  flGaussianEnvelope,
  flLogAbsDet,
  flLogSumDets,
  flSlaterSum,
} from './forward-laplacian.js';
export type { FLTriple, FLLogDet, FLActivation, FLDenseTrace } from './forward-laplacian.js';
export { JacobianInputError, plainTracer, perSampleJacobian } from './jacobian.js';
export type { ParamTracer, TracedFunction, DenseFactors, PerSampleJacobian } from './jacobian.js';
