export { AnsatzInputError, DEUTERON_ARCHS, DEUTERON_ACTIVATIONS, deuteronNet, deuteronParamCount } from './networks.js';
export type { DeuteronArch, DeuteronActivation, DeuteronAmplitudes, MeshAnsatz, DeuteronNetOptions, DeuteronNet } from './networks.js';
