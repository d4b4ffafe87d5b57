import {
  SRG_CHANNELS,
  type SrgChannel,
  type SrgHamiltonian,
  offDiagonalWeight,
  srgEigenvaluesMeV,
  srgEvolve,
  srgHamiltonian,
  srgPotentialBlock,
} from '@nqs/benchmarks-exact';
import { POTENTIAL_NAMES, getPotential } from '@nqs/hamiltonians';
import { heatmap } from '@nqs/plot';
import { parseMeshSpec } from '@nqs/quadrature';
import type { Command } from '../command.js';
import { UsageError } from '../args.js';
import { info, prepareOutDir, toCsv, writeOutputs } from '../io.js';
import { readTableFile } from './exact-deuteron.js';

/** Linear interpolation of a mesh function (ascending x) at t, clamped to the ends. */
function interp1(x: Float64Array, t: number): [number, number, number] {
  const n = x.length;
  if (t <= x[0]!) return [0, 0, 0];
  if (t >= x[n - 1]!) return [n - 1, n - 1, 0];
  let lo = 0;
  let hi = n - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (x[mid]! <= t) lo = mid;
    else hi = mid;
  }
  return [lo, hi, (t - x[lo]!) / (x[hi]! - x[lo]!)];
}

/** V(k, k') of one block resampled on a uniform grid [0, kMax]² for the heat map (MeV fm³). */
function resample(h: SrgHamiltonian, V: Float64Array, kMax: number, m: number): number[][] {
  const x = h.mesh.points;
  const n = x.length;
  const grid: number[][] = [];
  for (let a = 0; a < m; a++) {
    const row: number[] = [];
    const [i0, i1, ti] = interp1(x, ((a + 0.5) * kMax) / m);
    for (let b = 0; b < m; b++) {
      const [j0, j1, tj] = interp1(x, ((b + 0.5) * kMax) / m);
      const v00 = V[i0 * n + j0]!;
      const v01 = V[i0 * n + j1]!;
      const v10 = V[i1 * n + j0]!;
      const v11 = V[i1 * n + j1]!;
      row.push((1 - ti) * ((1 - tj) * v00 + tj * v01) + ti * ((1 - tj) * v10 + tj * v11));
    }
    grid.push(row);
  }
  return grid;
}

function fmtLambda(l: number): string {
  return Number.isFinite(l) ? String(l).replace('.', 'p') : 'inf';
}

/** `nqs srg`: SRG evolution of a partial-wave NN Hamiltonian on a momentum mesh. */
export const srgCommand: Command = {
  path: ['srg'],
  summary: 'SRG evolution dH/ds = [[T,H],H] of the 1S0 or 3S1–3D1 Hamiltonian down to λ (fm⁻¹)',
  usage: 'nqs srg [--potential NAME] [--channel 1S0|3S1-3D1] [--lambda Λ] [--mesh SPEC] [--plot-lambdas L1,L2,…] [--out DIR] [--json]',
  flags: {
    potential: { type: 'string', help: `potential (${POTENTIAL_NAMES.join(', ')})`, default: 'n3lo' },
    channel: { type: 'string', help: 'partial-wave channel', choices: SRG_CHANNELS, default: '3S1-3D1' },
    lambda: { type: 'number', help: 'final SRG resolution scale λ = s^{-1/4} in fm⁻¹', gt: 0, default: 2 },
    mesh: {
      type: 'string',
      help: 'momentum mesh with a finite k_max (the flow is stiff in k_max²): gl:N:0:KMAX, paper:N:KMAX, …',
      default: 'gl:48:0:8',
    },
    'plot-lambdas': { type: 'numberList', help: 'extra λ values (fm⁻¹) written with --out (besides ∞ and --lambda)', default: [4, 3, 2, 1.5] },
    'k-plot': { type: 'number', help: 'k range of the heat maps in fm⁻¹', gt: 0, default: 4 },
    rtol: { type: 'number', help: 'relative tolerance of the Dormand–Prince 5(4) integration', gt: 0, default: 1e-10 },
    out: { type: 'string', help: 'write V_s(k,k′) CSVs, heat-map SVGs per λ and result.json into DIR' },
  },
  run(args) {
    const outDir = typeof args.flags.out === 'string' ? prepareOutDir(args.flags.out) : undefined;
    const potName = args.flags.potential as string;
    const channel = args.flags.channel as SrgChannel;
    const lambda = args.flags.lambda as number;
    const meshSpec = args.flags.mesh as string;
    const mesh = parseMeshSpec(meshSpec);
    const kMaxMesh = mesh.points[mesh.points.length - 1]!;
    if (kMaxMesh > 50) {
      throw new UsageError(`--mesh: k_max = ${kMaxMesh.toPrecision(4)} fm⁻¹ makes the SRG flow too stiff; use a mesh ending ≲ 15 fm⁻¹ (e.g. gl:48:0:8)`);
    }
    const pot = getPotential(potName, { readTable: readTableFile });
    const plotL = outDir ? ((args.flags['plot-lambdas'] as number[]) ?? []) : [];
    for (const l of plotL) if (!(l > 0)) throw new UsageError(`--plot-lambdas: ${l} must be > 0`);
    const lambdas = [...new Set([...plotL, lambda])].sort((a, b) => b - a);
    const t0 = Date.now();
    const h = srgHamiltonian(pot, mesh, channel);
    const tBuild = (Date.now() - t0) / 1000;
    const snaps = srgEvolve(h, lambdas, { rtol: args.flags.rtol as number });
    const tFlow = (Date.now() - t0) / 1000 - tBuild;
    const e0 = srgEigenvaluesMeV(snaps[0]!.H, h.dim);
    let drift = 0;
    const perLambda = snaps.map((s) => {
      const e = srgEigenvaluesMeV(s.H, h.dim);
      for (let i = 0; i < e.length; i++) drift = Math.max(drift, Math.abs(e[i]! - e0[i]!));
      return { lambda: s.lambda, s: s.s, lowestEigenvalueMeV: e[0]!, steps: s.steps, offDiagonalWeightBeyond2: offDiagonalWeight(h, s.H, 2) };
    });
    const final = snaps.find((s) => s.lambda === lambda)!;
    const eFinal = srgEigenvaluesMeV(final.H, h.dim)[0]!;
    const result: Record<string, unknown> = {
      potential: potName,
      channel,
      mesh: meshSpec,
      meshPoints: mesh.points.length,
      lambda,
      ...(channel === '3S1-3D1' ? { deuteronEnergyMeV: eFinal } : { lowestEigenvalueMeV: eFinal }),
      maxEigenvalueDrift: drift,
      odeSteps: final.steps,
      snapshots: perLambda.map((p) => ({ ...p, lambda: Number.isFinite(p.lambda) ? p.lambda : null })),
    };
    info(
      `SRG ${pot.name} ${channel} on ${meshSpec} (${h.dim}×${h.dim}; build ${tBuild.toFixed(1)} s, flow ${tFlow.toFixed(1)} s): ` +
        `λ = ${lambda} fm⁻¹, ${channel === '3S1-3D1' ? 'E_d' : 'lowest eigenvalue'} = ${eFinal.toFixed(6)} MeV, ` +
        `max eigenvalue drift ${drift.toExponential(2)} MeV`,
    );
    if (outDir) {
      const kPlot = args.flags['k-plot'] as number;
      const files: Record<string, string> = {};
      const n = mesh.points.length;
      const blocks: ['S' | 'D', 'S' | 'D'][] = channel === '1S0' ? [['S', 'S']] : [['S', 'S'], ['S', 'D'], ['D', 'S'], ['D', 'D']];
      const names = channel === '1S0' ? ['V_1S0'] : ['V_3S1', 'V_3S1-3D1', 'V_3D1-3S1', 'V_3D1'];
      for (const s of snaps) {
        const V = blocks.map(([b, k]) => srgPotentialBlock(h, s.H, b, k));
        const rows: number[][] = [];
        for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) rows.push([mesh.points[i]!, mesh.points[j]!, ...V.map((v) => v[i * n + j]!)]);
        const tag = fmtLambda(s.lambda);
        files[`vsrg_${channel}_lambda_${tag}.csv`] = toCsv(['k_fm-1', 'kp_fm-1', ...names.map((x) => `${x}_MeVfm3`)], rows);
        const label = Number.isFinite(s.lambda) ? `λ = ${s.lambda} fm⁻¹` : 'λ = ∞ (initial)';
        files[`vsrg_${channel}_lambda_${tag}.svg`] = heatmap(resample(h, V[0]!, kPlot, 64), {
          title: `${pot.name} ${channel === '1S0' ? '¹S₀' : '³S₁'} V_s(k,k′) [MeV fm³], ${label}`,
          xLabel: "k′ [fm⁻¹]",
          yLabel: 'k [fm⁻¹]',
          xRange: [0, kPlot],
          yRange: [0, kPlot],
        });
      }
      files['result.json'] = JSON.stringify(result, null, 2) + '\n';
      const written = writeOutputs(outDir, files);
      info(`wrote ${written.length} files to ${outDir}`);
    }
    return result;
  },
};
