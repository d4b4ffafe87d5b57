export { SlaterNet, SlaterNetInputError } from './slater-net.js';
export type { SlaterNetOptions, SlaterNetParams, SlaterLayerParams, LogPsi, LogPsiDerivatives } from './slater-net.js';
export { HOSlater } from './ho-slater.js';
export type { HOSlaterParams } from './ho-slater.js';
export { OrbitalInputError, hoOrbitals, hoOrbitalsF64, hoOrbitalsWithDerivatives } from './ho.js';
