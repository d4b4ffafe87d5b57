/** Closed-form energies of 1D spinless fermions in the trap (ħ = m = ω = 1). */
export { freeFermionEnergy, harmonicModelEnergy } from '@nqs/hamiltonians';
