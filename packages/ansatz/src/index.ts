export {};
export { SlaterNet, SlaterNetInputError, HOSlater, OrbitalInputError, hoOrbitals, hoOrbitalsF64, hoOrbitalsWithDerivatives } from './fermions/index.js';
export type { SlaterNetOptions, SlaterNetParams, SlaterLayerParams, LogPsi, LogPsiDerivatives, HOSlaterParams } from './fermions/index.js';
export { AnsatzInputError, DEUTERON_ARCHS, DEUTERON_ACTIVATIONS, DEUTERON_INITS, deuteronNet, deuteronParamCount } from './deuteron/index.js';
export type { DeuteronArch, DeuteronActivation, DeuteronInit, DeuteronAmplitudes, MeshAnsatz, DeuteronNetOptions, DeuteronNet } from './deuteron/index.js';
