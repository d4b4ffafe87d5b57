export {
  OptimizerInputError,
  constantSchedule,
  exponentialDecay,
  cosineDecay,
  warmupSchedule,
  scaleByLearningRate,
  scale,
  trace,
  scaleByRms,
  scaleByAdam,
  clipByGlobalNorm,
  chain,
  sgd,
  rmsprop,
  adam,
  applyUpdates,
  disposeState,
  stateToJSON,
  stateFromJSON,
} from './first-order.js';
export type { OptState, OptStateRecord, GradientTransform, Schedule, SgdOptions, RmspropOptions, AdamOptions, SerializedState } from './first-order.js';
export * from './second-order/index.js';
