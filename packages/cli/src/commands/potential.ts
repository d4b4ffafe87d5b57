import { BASIC_CHANNELS, POTENTIAL_NAMES, getPotential, mevfm3ToMeVm2 } from '@nqs/hamiltonians';
import { UsageError } from '../args.js';
import type { Command } from '../command.js';
import { info } from '../io.js';
import { readTableFile } from './exact-deuteron.js';

/** `nqs potential`: one partial-wave matrix element ⟨channel, k'|V|channel, k⟩. */
export const potentialCommand: Command = {
  path: ['potential'],
  summary: "one partial-wave matrix element V(k', k) of an NN potential (MeV⁻² and MeV fm³)",
  usage: "nqs potential --potential NAME --channel CH --kp K' --k K [--json]",
  flags: {
    potential: { type: 'string', help: `potential (${POTENTIAL_NAMES.join(', ')})`, default: 'lo500' },
    channel: {
      type: 'string',
      help: `partial wave, e.g. ${BASIC_CHANNELS.join(', ')}; '3S1-3D1' = ⟨3S1, k'|V|3D1, k⟩`,
      default: '3S1',
    },
    kp: { type: 'number', help: "bra (final) momentum k' in fm⁻¹", min: 0 },
    k: { type: 'number', help: 'ket (initial) momentum k in fm⁻¹', min: 0 },
  },
  run(args) {
    if (args.flags.kp === undefined) throw new UsageError("--kp: missing (bra momentum k' in fm⁻¹)");
    if (args.flags.k === undefined) throw new UsageError('--k: missing (ket momentum k in fm⁻¹)');
    const kp = args.flags.kp as number;
    const k = args.flags.k as number;
    const channel = args.flags.channel as string;
    const pot = getPotential(args.flags.potential as string, { readTable: readTableFile });
    const v = pot.value(channel, kp, k);
    const result = { potential: pot.name, channel, kp, k, valueMeVm2: mevfm3ToMeVm2(v), valueMeVfm3: v };
    info(`${pot.name} ⟨${channel}⟩(k' = ${kp}, k = ${k} fm⁻¹) = ${result.valueMeVm2.toExponential(7)} MeV⁻² = ${v.toExponential(7)} MeV fm³`);
    return result;
  },
};
