export {
  WalkerHamiltonianInputError,
  kineticFromDerivatives,
  kineticTerm,
  trapTerm,
  pairPotentialTf,
  pairTerm,
  WalkerHamiltonian,
  trappedFermionHamiltonian,
} from './walker.js';
export type {
  WalkerLogPsi,
  WalkerDerivatives,
  WalkerWavefunction,
  LocalTerm,
  LocalEnergy,
  TrapHamiltonianOptions,
} from './walker.js';
export type { PairInteraction } from '../trap/index.js';
