export {};
export { MeshProblemInputError, meshProblem, toU, applyH, channelFidelity, meshObservables, energyAndGradU, pretrainTargets, overlapLossAndGradU, pretrainResidual, meshGroundState } from './mesh/problem.js';
export type { MeshHamiltonianInput, MeshReference, MeshProblem, MeshObservables } from './mesh/problem.js';
export { lbfgsMinimize } from './mesh/lbfgs.js';
export type { ValueAndGrad, LbfgsOptions, LbfgsIteration, LbfgsResult } from './mesh/lbfgs.js';
export { gaussNewtonMinimize } from './mesh/gauss-newton.js';
export type { GaussNewtonModel, GaussNewtonOptions, GaussNewtonResult } from './mesh/gauss-newton.js';
export { leastSquaresMinimize } from './mesh/least-squares.js';
export type { LeastSquaresModel, LeastSquaresOptions, LeastSquaresResult } from './mesh/least-squares.js';
export { MeshTrainInputError, MESH_OPTIMIZERS, meshTensors, disposeMeshTensors, meshEnergyTf, objectiveAndGrad, flatObjective, networkU, trainMesh } from './mesh/state.js';
export type { MeshNet, MeshTensors, UObjective, MeshOptimizer, MeshHistoryRecord, TrainMeshOptions, TrainMeshResult } from './mesh/state.js';
export { DEUTERON_DEFAULTS, DEUTERON_ACCEPTANCE } from './mesh/defaults.js';
export { StatsInputError, mean, variance, median, blockingError, integratedAutocorrTime, splitRHat } from './stats/index.js';
export type { BlockingLevel, BlockingResult } from './stats/index.js';
export {
  FermionRunInputError,
  createFermionRun,
  disposeFermionRun,
  closeWalkerPool,
  sampleEnergies,
  pretrainEpoch,
  startEnergyPhase,
  trainEpoch,
  runFermions,
  clipLocalEnergies,
  localEnergies,
  netLogProb,
  fermionCheckpoint,
  restoreFermionRun,
  warmStartFermionRun,
} from './mc/fermions.js';
export type { EpochTiming, SampledEnergies, FermionRunConfig, ResolvedFermionConfig, FermionEpochRecord, PretrainRecord, FermionRun, RunFermionsOptions, FermionCheckpoint } from './mc/fermions.js';
export { WalkerPool, WalkerPoolError, walkerSlices } from './mc/walker-pool.js';
export type { WalkerPoolOptions, PoolSample } from './mc/walker-pool.js';
export { evaluateFermions } from './mc/evaluate.js';
export type { EvaluateOptions, Estimate, FermionEvaluation } from './mc/evaluate.js';
export { ObdmInputError, gridPoints, defaultObdmGrid, gridObdmAccumulator, accumulateGridObdm, gridObdmResult } from './mc/obdm.js';
export type { LogPsiFn, ObdmGrid, GridObdmAccumulator, AccumulateGridObdmOptions, GridObdm } from './mc/obdm.js';
export { resolveOptimizerConfig, energyTransform, usesSecondOrder, secondOrderUpdate } from './mc/optimizer-config.js';
export type { FermionOptimizerConfig, SecondOrderContext } from './mc/optimizer-config.js';
