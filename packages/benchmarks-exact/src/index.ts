export {};
// --- deuteron on a momentum mesh (issue 2) ---
export {
  deuteronMeshHamiltonian,
  solveDeuteron,
  solveDeuteronHamiltonian,
  deuteronRayleighQuotient,
  deuteronExpectation,
  fidelity,
} from './deuteron/index.js';
export type { DeuteronMeshHamiltonian, DeuteronSolution, DeuteronExpectation } from './deuteron/index.js';
// --- 1D spinless fermions in a trap (issue 4) ---
export {
  hoFunctions,
  MoshinskyTable,
  relativeMatrix,
  TwoBodyElements,
  solveTwoFermionGrid,
  twoFermionDensity,
  tridiagonalEigen,
  lanczos,
  binomial,
  minQuanta,
  freeParity,
  buildDeterminantBasis,
  antisymmetrisedPairElements,
  buildFermionHamiltonian,
  solveFermionsFCI,
  oneBodyDensityMatrix,
  densityFromMatrix,
  solveFermionsHF,
  hfOrbitalsOnGrid,
  estimateTail,
  fciSequence,
  solveFermions,
  DEFAULT_FCI_MODES,
  DEFAULT_HF_MODES,
} from './fermions/index.js';
export type {
  GridOptions,
  GridResult,
  TridiagEigen,
  MatVec,
  LanczosOptions,
  LanczosResult,
  Parity,
  DeterminantBasis,
  FermionHamiltonian,
  HamiltonianOptions,
  FciOptions,
  FciSector,
  FciResult,
  HfOptions,
  HfRun,
  HfResult,
  TailEstimate,
  FciPoint,
  FermionMethod,
  SolveFermionsOptions,
  FermionSolution,
} from './fermions/index.js';
// --- deuteron observables (issue 6) ---
export {
  sphericalJ0,
  sphericalJ2,
  radialWavefunctions,
  deuteronObservables,
  asymptoticFromPole,
  deuteronWavefunctionTables,
} from './deuteron-observables/index.js';
export type {
  RadialWavefunctions,
  DeuteronObservableOptions,
  DeuteronObservables,
  DeuteronWavefunctionTables,
} from './deuteron-observables/index.js';
// --- SRG evolution (issue 6) ---
export {
  SRG_CHANNELS,
  srgHamiltonian,
  srgRhs,
  srgEvolve,
  srgEigenvaluesMeV,
  srgPotentialBlock,
  offDiagonalWeight,
  dopri5,
  OdeInputError,
} from './srg/index.js';
export type {
  SrgChannel,
  SrgHamiltonian,
  SrgOptions,
  SrgSnapshot,
  OdeRhs,
  Dopri5Options,
  Dopri5Result,
} from './srg/index.js';
