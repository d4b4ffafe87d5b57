import { Rng, treeDispose, treeSize } from '@nqs/autodiff-core';
import { DEUTERON_ACTIVATIONS, DEUTERON_ARCHS, DEUTERON_INITS, deuteronNet } from '@nqs/ansatz';
import type { DeuteronActivation, DeuteronArch, DeuteronInit } from '@nqs/ansatz';
import { deuteronMeshHamiltonian, solveDeuteron } from '@nqs/benchmarks-exact';
import { POTENTIAL_NAMES, getPotential } from '@nqs/hamiltonians';
import { linePlot } from '@nqs/plot';
import { parseMeshSpec } from '@nqs/quadrature';
import { DEUTERON_DEFAULTS, MESH_OPTIMIZERS, meshProblem, trainMesh } from '@nqs/vmc';
import type { MeshOptimizer, MeshProblem, TrainMeshResult } from '@nqs/vmc';
import { UsageError } from '../args.js';
import type { FlagSpecs, Parsed } from '../args.js';
import { setupBackend } from '../backend.js';
import type { Command } from '../command.js';
import { info, prepareOutDir, Progress, toCsv, writeOutputs } from '../io.js';
import { readTableFile } from './exact-deuteron.js';

const D = DEUTERON_DEFAULTS;

/** Energy steps per optimiser when --epochs is not given (first-order: the papers' 250 000). */
const DEFAULT_EPOCHS: Record<string, number> = { gn: D.epochs, 'lbfgs-gn': 600, lbfgs: 6000, adam: 250000, rmsprop: 250000, sgd: 250000 };
const FIRST_ORDER = new Set(['adam', 'rmsprop', 'sgd']);

/** Flags shared by `nqs deuteron` and `nqs deuteron scan`. */
const common: FlagSpecs = {
  potential: { type: 'string', help: `potential (${POTENTIAL_NAMES.join(', ')})`, default: D.potential },
  mesh: { type: 'string', help: 'momentum mesh: paper64, paper:N[:KMAX], tan:N:C, gl:N:A:B', default: D.mesh },
  activation: { type: 'string', help: 'hidden activation', choices: DEUTERON_ACTIVATIONS, default: D.activation },
  init: { type: 'string', help: 'initialisation: auto (monotone for 2sc/2sd with sigmoid/softplus, else the papers\'), reference (REFERENCE.md), authors (their PyTorch code), monotone', choices: DEUTERON_INITS, default: 'auto' },
  optimizer: { type: 'string', help: 'gn (damped Gauss–Newton), lbfgs-gn, lbfgs, adam, rmsprop (the papers), sgd', choices: MESH_OPTIMIZERS, default: D.optimizer },
  epochs: { type: 'int', help: `energy steps (default by optimizer: ${Object.entries({ gn: 150, 'lbfgs-gn': 600, lbfgs: 6000, adam: 250000, rmsprop: 250000, sgd: 250000 }).map(([k, v]) => `${k} ${v}`).join(', ')})`, min: 0, default: D.epochs },
  'pretrain-epochs': { type: 'int', help: 'pre-training steps towards ψ₀ = e^{-b²q²/2}, ψ₂ = q²e^{-b²q²/2} (default 200 L-BFGS; 2000 for first-order optimisers)', min: 0, default: D.pretrainEpochs },
  lr: { type: 'number', help: 'learning rate of the first-order optimisers', gt: 0, default: D.learningRate },
  seed: { type: 'int', help: 'seed of the parameter initialisation', default: D.seed },
  backend: { type: 'string', help: 'compute backend (default wasm; the nets are tiny and reads are synchronous)', choices: ['wasm', 'cpu', 'tensorflow'] },
  quiet: { type: 'boolean', help: 'no progress bar', default: false },
};

interface Setup {
  problem: MeshProblem;
  exactEnergyMeV: number;
  exactPD: number;
  exactS: Float64Array;
  exactD: Float64Array;
  potential: string;
  mesh: string;
}

function setupProblem(flags: Record<string, unknown>): Setup {
  const potential = flags.potential as string;
  const meshSpec = flags.mesh as string;
  const mesh = parseMeshSpec(meshSpec);
  const pot = getPotential(potential, { readTable: readTableFile });
  const exact = solveDeuteron(pot, mesh);
  if (!(exact.energyMeV < 0)) throw new UsageError(`--potential ${potential}: no bound deuteron on mesh ${meshSpec} (E = ${exact.energyMeV} MeV)`);
  const problem = meshProblem(deuteronMeshHamiltonian(pot, mesh), exact);
  return { problem, exactEnergyMeV: exact.energyMeV, exactPD: exact.pD, exactS: exact.psiS, exactD: exact.psiD, potential, mesh: meshSpec };
}

function checkNet(arch: string, hidden: number, activation: string, init: string = 'auto') {
  // the library validates (AnsatzInputError → one line, exit 2)
  return deuteronNet({ arch: arch as DeuteronArch, hidden, activation: activation as DeuteronActivation, init: init as DeuteronInit });
}

/** Two-layer sigmoid/softplus nets with W₁ < 0 start with a constant tail ψ(k → ∞) = Σ W_out act(0) up to 500 fm⁻¹. */
function warnTail(archs: string[], activation: string, init: string, quiet: boolean): void {
  if (quiet || init !== 'reference' || !(activation === 'sigmoid' || activation === 'softplus')) return;
  const two = archs.filter((a) => a.startsWith('2'));
  if (two.length) info(`warning: ${two.join(', ')} with ${activation} and --init reference: the second layer gives ψ(k → ∞) = Σ W_out·act(0) ≠ 0, which dominates the mesh norm up to k = 500 fm⁻¹; training usually stalls there (use --init auto)`);
}

function trainOne(s: Setup, args: Parsed, arch: string, hidden: number, seed: number, bar: boolean): { res: TrainMeshResult; parameters: number } {
  const f = args.flags;
  const net = checkNet(arch, hidden, f.activation as string, f.init as string);
  const p0 = net.init(new Rng(seed));
  const parameters = treeSize(p0);
  const quiet = !bar || f.quiet === true;
  const opt = f.optimizer as string;
  const epochs = args.given.has('epochs') ? (f.epochs as number) : DEFAULT_EPOCHS[opt]!;
  const pre = args.given.has('pretrain-epochs') ? (f['pretrain-epochs'] as number) : FIRST_ORDER.has(opt) ? 2000 : D.pretrainEpochs;
  const bars = { pretrain: new Progress(pre, 'pretrain', quiet), energy: new Progress(epochs, 'energy  ', quiet) };
  const res = trainMesh(net, s.problem, p0, {
    optimizer: f.optimizer as MeshOptimizer,
    epochs,
    pretrainEpochs: pre,
    pretrainMethod: arch.startsWith('2') ? D.pretrainMethodTwoLayer : D.pretrainMethodOneLayer,
    learningRate: f.lr as number,
    lbfgsMemory: D.lbfgsMemory,
    onStep: (phase, step) => bars[phase].update(step),
    onRecord: (r) => {
      if (r.phase === 'energy') bars.energy.update(r.epoch, `E = ${r.energyMeV.toFixed(6)} MeV, rel ${r.relativeError!.toExponential(2)}`);
    },
  });
  bars.pretrain.done();
  bars.energy.done();
  treeDispose(p0);
  return { res, parameters };
}

/** Normalise amplitudes (Σ w k² (ψ_S² + ψ_D²) = 1) with the sign of the exact S wave. */
function normalised(p: MeshProblem, S: ArrayLike<number>, Dd: ArrayLike<number>, refS: ArrayLike<number>): [number[], number[]] {
  let nn = 0, ov = 0;
  for (let i = 0; i < p.n; i++) {
    const f = p.w[i]! * p.k[i]! * p.k[i]!;
    nn += f * (S[i]! ** 2 + Dd[i]! ** 2);
    ov += f * S[i]! * refS[i]!;
  }
  const c = Math.sign(ov || 1) / Math.sqrt(nn);
  return [Array.from(S, (v) => c * v), Array.from(Dd, (v) => c * v)];
}

/** `nqs deuteron`: train one network on the mesh and compare with the exact solution. */
export const deuteronCommand: Command = {
  path: ['deuteron'],
  summary: 'train a deuteron neural network (1sc, 2sc, 1sd, 2sd) on a momentum mesh; energy, fidelities, P_D',
  usage: 'nqs deuteron [--potential P] [--mesh M] [--arch 1sc|2sc|1sd|2sd] [--hidden N] [--activation A] [--optimizer O] [--epochs E] [--pretrain-epochs P] [--seed S] [--out DIR] [--json]',
  flags: {
    arch: { type: 'string', help: 'architecture', choices: DEUTERON_ARCHS, default: D.arch },
    hidden: { type: 'int', help: 'hidden units in total', default: D.hidden },
    ...common,
    out: { type: 'string', help: 'write history.csv, psi.csv, result.json, psi.svg and convergence.svg into DIR' },
  },
  async run(args) {
    const f = args.flags;
    const outDir = typeof f.out === 'string' ? prepareOutDir(f.out) : undefined;
    const arch = f.arch as string;
    const hidden = f.hidden as number;
    const initScheme = checkNet(arch, hidden, f.activation as string, f.init as string).initScheme;
    warnTail([arch], f.activation as string, f.init as string, f.quiet === true || args.json);
    const backend = await setupBackend({ backend: (f.backend as string | undefined) ?? process.env.NQS_BACKEND ?? 'wasm', quiet: f.quiet === true || args.json });
    const s = setupProblem(f);
    const { res, parameters } = trainOne(s, args, arch, hidden, f.seed as number, true);
    const fin = res.final;
    const result = {
      potential: s.potential,
      mesh: s.mesh,
      arch,
      hidden,
      activation: f.activation as string,
      init: initScheme,
      optimizer: f.optimizer as string,
      parameters,
      seed: f.seed as number,
      energyMeV: fin.energyMeV,
      exactEnergyMeV: s.exactEnergyMeV,
      relativeError: fin.relativeError!,
      fidelityS: fin.fidelityS!,
      fidelityD: fin.fidelityD!,
      infidelityS: 1 - fin.fidelityS!,
      infidelityD: 1 - fin.fidelityD!,
      pDPercent: 100 * fin.pD,
      exactPDPercent: 100 * s.exactPD,
      pretrainEpochs: res.pretrainEpochs,
      epochs: res.epochs,
      stopReason: res.reason,
      seconds: res.seconds,
      backend: backend.name,
    };
    info(
      `deuteron NN (${arch}, N = ${hidden}, ${result.activation}, ${parameters} parameters, ${result.optimizer}, ${res.epochs} steps, ${res.seconds.toFixed(1)} s): ` +
        `E = ${fin.energyMeV.toFixed(6)} MeV (exact ${s.exactEnergyMeV.toFixed(6)}, rel. error ${result.relativeError.toExponential(2)}), ` +
        `1−F_S = ${result.infidelityS.toExponential(2)}, 1−F_D = ${result.infidelityD.toExponential(2)}, P_D = ${result.pDPercent.toFixed(3)} %`,
    );
    treeDispose(res.params);
    if (outDir) {
      const p = s.problem;
      const [nS, nD] = normalised(p, res.psiS, res.psiD, s.exactS);
      const [eS, eD] = normalised(p, s.exactS, s.exactD, s.exactS);
      const k = Array.from(p.k);
      const shown = k.map((_, i) => i).filter((i) => k[i]! <= 10);
      const psiSvg = linePlot(
        [
          { label: 'ψ_S exact', x: shown.map((i) => k[i]!), y: shown.map((i) => eS[i]!), style: 'line' },
          { label: 'ψ_S NN', x: shown.map((i) => k[i]!), y: shown.map((i) => nS[i]!), style: 'points' },
          { label: 'ψ_D exact', x: shown.map((i) => k[i]!), y: shown.map((i) => eD[i]!), style: 'line', dashed: true },
          { label: 'ψ_D NN', x: shown.map((i) => k[i]!), y: shown.map((i) => nD[i]!), style: 'points' },
        ],
        { title: `deuteron ${arch} N=${hidden}, ${s.potential}: E = ${fin.energyMeV.toFixed(6)} MeV`, xLabel: 'k [fm⁻¹]', yLabel: 'ψ(k) [fm^3/2]', logX: true },
      );
      const hist = res.history.filter((r) => r.phase === 'energy');
      const pos = (v: number) => Math.max(Math.abs(v), 1e-16);
      const convSvg = linePlot(
        [
          { label: '|E − E_exact|/|E_exact|', x: hist.map((r) => Math.max(r.epoch, 1)), y: hist.map((r) => pos(r.relativeError!)) },
          { label: '1 − F_S', x: hist.map((r) => Math.max(r.epoch, 1)), y: hist.map((r) => pos(1 - r.fidelityS!)) },
          { label: '1 − F_D', x: hist.map((r) => Math.max(r.epoch, 1)), y: hist.map((r) => pos(1 - r.fidelityD!)) },
        ],
        { title: `convergence (${result.optimizer})`, xLabel: 'step', yLabel: 'error', logY: true },
      );
      const written = writeOutputs(outDir, {
        'history.csv': toCsv(
          ['phase', 'epoch', 'seconds', 'loss', 'energyMeV', 'relativeError', 'infidelityS', 'infidelityD', 'pD'],
          res.history.map((r) => [r.phase, r.epoch, r.seconds, r.loss, r.energyMeV, r.relativeError!, 1 - r.fidelityS!, 1 - r.fidelityD!, r.pD]),
        ),
        'psi.csv': toCsv(['k_fm-1', 'weight_fm-1', 'psiS_nn', 'psiD_nn', 'psiS_exact', 'psiD_exact'], k.map((kk, i) => [kk, p.w[i]!, nS[i]!, nD[i]!, eS[i]!, eD[i]!])),
        'result.json': JSON.stringify(result, null, 2) + '\n',
        'psi.svg': psiSvg,
        'convergence.svg': convSvg,
      });
      info(`wrote ${written.join(', ')}`);
    }
    return result;
  },
};

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const std = (xs: number[]) => (xs.length > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean(xs)) ** 2, 0) / (xs.length - 1)) : 0);

/** `nqs deuteron scan`: EPJ Plus Fig. 4 — energy and fidelity vs hidden units per architecture. */
export const deuteronScanCommand: Command = {
  path: ['deuteron', 'scan'],
  summary: 'energy and fidelities vs hidden units for several architectures, mean and spread over runs (EPJ Plus Fig. 4)',
  usage: 'nqs deuteron scan [--arch 1sc,2sc,1sd,2sd] [--hidden 20,40,60,80,100] [--runs R] [--optimizer O] [--epochs E] [--out DIR] [--json]',
  flags: {
    arch: { type: 'list', help: 'architectures', default: [...DEUTERON_ARCHS] },
    hidden: { type: 'numberList', help: 'hidden-unit counts', default: [20, 40, 60, 80, 100] },
    runs: { type: 'int', help: 'runs (seeds seed, seed+1, …) per point', min: 1, default: 3 },
    ...common,
    out: { type: 'string', help: 'write scan.csv, runs.csv, scan.json, energy.svg and fidelity.svg into DIR' },
  },
  async run(args) {
    const f = args.flags;
    const outDir = typeof f.out === 'string' ? prepareOutDir(f.out) : undefined;
    const archs = f.arch as string[];
    const hiddens = f.hidden as number[];
    const runs = f.runs as number;
    // validate every (arch, hidden) pair before any work
    for (const a of archs) for (const h of hiddens) checkNet(a, h, f.activation as string, f.init as string);
    warnTail(archs, f.activation as string, f.init as string, f.quiet === true || args.json);
    const backend = await setupBackend({ backend: (f.backend as string | undefined) ?? process.env.NQS_BACKEND ?? 'wasm', quiet: f.quiet === true || args.json });
    const s = setupProblem(f);
    const t0 = performance.now();
    const total = archs.length * hiddens.length * runs;
    const bar = new Progress(total, 'scan', f.quiet === true);
    const runRows: (string | number)[][] = [];
    const points: Record<string, unknown>[] = [];
    let done = 0;
    for (const arch of archs) {
      for (const hidden of hiddens) {
        const E: number[] = [], iS: number[] = [], iD: number[] = [], pD: number[] = [];
        let parameters = 0;
        for (let r = 0; r < runs; r++) {
          const seed = (f.seed as number) + r;
          const out = trainOne(s, args, arch, hidden, seed, false);
          parameters = out.parameters;
          const fin = out.res.final;
          E.push(fin.energyMeV);
          iS.push(1 - fin.fidelityS!);
          iD.push(1 - fin.fidelityD!);
          pD.push(100 * fin.pD);
          runRows.push([arch, hidden, seed, fin.energyMeV, fin.relativeError!, 1 - fin.fidelityS!, 1 - fin.fidelityD!, 100 * fin.pD, out.res.seconds]);
          treeDispose(out.res.params);
          bar.update(++done, `${arch} N=${hidden} run ${r + 1}: E = ${fin.energyMeV.toFixed(5)} MeV`);
        }
        points.push({
          arch,
          hidden,
          parameters,
          runs,
          energyMeanMeV: mean(E),
          energyStdMeV: std(E),
          energyMinMeV: Math.min(...E),
          relativeErrorMean: (mean(E) - s.exactEnergyMeV) / Math.abs(s.exactEnergyMeV),
          infidelitySMean: mean(iS),
          infidelitySStd: std(iS),
          infidelityDMean: mean(iD),
          infidelityDStd: std(iD),
          pDPercentMean: mean(pD),
        });
      }
    }
    bar.done();
    const result = {
      potential: s.potential,
      mesh: s.mesh,
      activation: f.activation as string,
      optimizer: f.optimizer as string,
      epochs: f.epochs as number,
      exactEnergyMeV: s.exactEnergyMeV,
      points,
      seconds: (performance.now() - t0) / 1000,
      backend: backend.name,
    };
    for (const p of points) info(`${p.arch} N=${p.hidden}: E = ${(p.energyMeanMeV as number).toFixed(6)} ± ${(p.energyStdMeV as number).toExponential(1)} MeV, 1−F_S = ${(p.infidelitySMean as number).toExponential(2)}, 1−F_D = ${(p.infidelityDMean as number).toExponential(2)}`);
    if (outDir) {
      const series = (key: string, errKey?: string) =>
        archs.map((a) => {
          const ps = points.filter((p) => p.arch === a);
          return { label: a, x: ps.map((p) => p.hidden as number), y: ps.map((p) => p[key] as number), ...(errKey ? { yErr: ps.map((p) => p[errKey] as number) } : {}), style: 'both' as const };
        });
      const energySvg = linePlot(series('energyMeanMeV', 'energyStdMeV'), {
        title: `deuteron ${s.potential}: energy vs hidden units (${runs} runs)`, xLabel: 'N_hid', yLabel: 'E [MeV]', hLines: [{ y: s.exactEnergyMeV, label: 'exact' }],
      });
      const fidSvg = linePlot(
        [...series('infidelitySMean').map((x) => ({ ...x, label: `${x.label} 1−F_S` })), ...series('infidelityDMean').map((x) => ({ ...x, label: `${x.label} 1−F_D`, dashed: true }))],
        { title: 'infidelity vs hidden units', xLabel: 'N_hid', yLabel: '1 − F', logY: true },
      );
      const header = Object.keys(points[0] ?? {});
      const written = writeOutputs(outDir, {
        'scan.csv': toCsv(header, points.map((p) => header.map((h) => p[h] as number | string))),
        'runs.csv': toCsv(['arch', 'hidden', 'seed', 'energyMeV', 'relativeError', 'infidelityS', 'infidelityD', 'pDPercent', 'seconds'], runRows),
        'scan.json': JSON.stringify(result, null, 2) + '\n',
        'energy.svg': energySvg,
        'fidelity.svg': fidSvg,
      });
      info(`wrote ${written.join(', ')}`);
    }
    return result;
  },
};
