export { AnsatzInputError, DEUTERON_ARCHS, DEUTERON_ACTIVATIONS, DEUTERON_INITS, deuteronNet, deuteronParamCount } from './networks.js';
export type { DeuteronArch, DeuteronActivation, DeuteronInit, DeuteronAmplitudes, MeshAnsatz, DeuteronNetOptions, DeuteronNet } from './networks.js';
