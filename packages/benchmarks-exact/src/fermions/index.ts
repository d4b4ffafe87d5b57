/** 1D spinless fermions in a harmonic trap: exact and mean-field benchmarks (float64). */
export { hoFunctions, MoshinskyTable, relativeMatrix, TwoBodyElements } from './ho.js';
export { solveTwoFermionGrid, twoFermionDensity } from './grid.js';
export type { GridOptions, GridResult } from './grid.js';
export { tridiagonalEigen, lanczos } from './lanczos.js';
export type { TridiagEigen, MatVec, LanczosOptions, LanczosResult } from './lanczos.js';
export {
  binomial,
  minQuanta,
  freeParity,
  buildDeterminantBasis,
  antisymmetrisedPairElements,
  buildFermionHamiltonian,
  solveFermionsFCI,
  oneBodyDensityMatrix,
  densityFromMatrix,
} from './fci.js';
export type { Parity, DeterminantBasis, FermionHamiltonian, HamiltonianOptions, FciOptions, FciSector, FciResult } from './fci.js';
export { solveFermionsHF, hfOrbitalsOnGrid } from './hf.js';
export type { HfOptions, HfRun, HfResult } from './hf.js';
export { freeFermionEnergy, harmonicModelEnergy } from './analytic.js';
export { estimateTail, fciSequence, solveFermions, DEFAULT_FCI_MODES, DEFAULT_HF_MODES } from './convergence.js';
export type { TailEstimate, FciPoint, FermionMethod, SolveFermionsOptions, FermionSolution } from './convergence.js';
