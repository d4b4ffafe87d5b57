export { MeshProblemInputError, meshProblem, toU, applyH, channelFidelity, meshObservables, energyAndGradU, pretrainTargets, overlapLossAndGradU, meshGroundState } from './problem.js';
export type { MeshHamiltonianInput, MeshReference, MeshProblem, MeshObservables } from './problem.js';
export { lbfgsMinimize } from './lbfgs.js';
export type { ValueAndGrad, LbfgsOptions, LbfgsIteration, LbfgsResult } from './lbfgs.js';
export { gaussNewtonMinimize } from './gauss-newton.js';
export type { GaussNewtonModel, GaussNewtonOptions, GaussNewtonResult } from './gauss-newton.js';
export { MeshTrainInputError, MESH_OPTIMIZERS, meshTensors, disposeMeshTensors, meshEnergyTf, objectiveAndGrad, networkU, trainMesh } from './state.js';
export type { MeshNet, MeshTensors, UObjective, MeshOptimizer, MeshHistoryRecord, TrainMeshOptions, TrainMeshResult } from './state.js';
export { DEUTERON_DEFAULTS, DEUTERON_ACCEPTANCE } from './defaults.js';
