export { dot, norm2, conjugateGradient, minres, choleskySolve, spdInverse } from './linalg.js';
export type { LinearOperator, KrylovOptions, KrylovResult } from './linalg.js';
export { jacobianOperator, jacobianShape, stackOperators } from './operators.js';
export type { DenseJacobian, JacobianInput, RowOperator } from './operators.js';
export { SOLVE_METHODS, CG_PRECONDITIONERS, chooseMethod, dampedProduct, effectiveDimension, solveDamped } from './metric.js';
export type { CgPreconditioner, GramMetric, SolveMethod, SolveOptions, SolveResult } from './metric.js';
export { kfacFactors, kfacDecay, kfacAverage, kfacPi, kfacPrecondition, leafOffsets, layerGroups } from './kfac.js';
export type { KfacBlock } from './kfac.js';
export { solveModel2x2, optimalStep, adaptDamping, applyDampingMove, dampingMove, reductionRatio } from './quadratic.js';
export type { ModelStep, DampingRule, DampingMove, EnergyChange } from './quadratic.js';
export {
  SECOND_ORDER_KINDS,
  OPTIMIZER_NAMES,
  SecondOrderOptimizer,
  validateSecondOrderOptions,
  defaultCurvature,
  quasiHessianProduct,
  parseOptimizerName,
  isSecondOrder,
} from './optimizer.js';
export type {
  SecondOrderKind,
  CurvatureKind,
  SecondOrderOptions,
  SecondOrderInputs,
  SecondOrderInfo,
  SecondOrderStep,
  SecondOrderState,
  OptimizerName,
} from './optimizer.js';
