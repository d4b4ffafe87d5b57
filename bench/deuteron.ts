/**
 * Deuteron time-to-accuracy: the default `nqs deuteron` run (LO500, paper 64-point mesh), stopped as
 * soon as the acceptance of issue 3 is met (relative energy error ≤ 1e−4, 1 − F_S ≤ 1e−5,
 * 1 − F_D ≤ 1e−4 against the mesh-exact solution). Reports the time to each threshold.
 *
 *   pnpm exec tsx --conditions=source bench/deuteron.ts [--arch 1sc] [--hidden 60] [--activation sigmoid]
 *       [--optimizer lbfgs] [--seed 1] [--seeds 1,2,3] [--epochs N] [--pretrain-epochs N] [--memory M]
 *
 * Human lines on stderr; the last line of stdout is one JSON object (bench/run.ts reads it).
 */
import { parseArgs } from 'node:util';
import { initBackend, Rng } from '@nqs/autodiff-core';
import { deuteronNet } from '@nqs/ansatz';
import type { DeuteronActivation, DeuteronArch } from '@nqs/ansatz';
import { deuteronMeshHamiltonian, solveDeuteron } from '@nqs/benchmarks-exact';
import { getPotential } from '@nqs/hamiltonians';
import { parseMeshSpec } from '@nqs/quadrature';
import { DEUTERON_ACCEPTANCE, DEUTERON_DEFAULTS, meshProblem, trainMesh } from '@nqs/vmc';
import type { MeshHistoryRecord, MeshOptimizer } from '@nqs/vmc';

const { values: a } = parseArgs({
  options: {
    potential: { type: 'string', default: DEUTERON_DEFAULTS.potential },
    mesh: { type: 'string', default: DEUTERON_DEFAULTS.mesh },
    arch: { type: 'string', default: DEUTERON_DEFAULTS.arch },
    hidden: { type: 'string', default: String(DEUTERON_DEFAULTS.hidden) },
    activation: { type: 'string', default: DEUTERON_DEFAULTS.activation },
    optimizer: { type: 'string', default: DEUTERON_DEFAULTS.optimizer },
    seed: { type: 'string' },
    seeds: { type: 'string' },
    epochs: { type: 'string', default: String(DEUTERON_DEFAULTS.epochs) },
    'pretrain-epochs': { type: 'string', default: String(DEUTERON_DEFAULTS.pretrainEpochs) },
    memory: { type: 'string', default: String(DEUTERON_DEFAULTS.lbfgsMemory) },
    lr: { type: 'string', default: String(DEUTERON_DEFAULTS.learningRate) },
    'no-stop': { type: 'boolean', default: false },
  },
});

const backend = await initBackend();
const t0 = performance.now();
const pot = getPotential(a.potential!);
const mesh = parseMeshSpec(a.mesh!);
const ham = deuteronMeshHamiltonian(pot, mesh);
const exact = solveDeuteron(pot, mesh);
const problem = meshProblem(ham, exact);
const setupSeconds = (performance.now() - t0) / 1000;
const A = DEUTERON_ACCEPTANCE;
const seeds = (a.seeds ?? a.seed ?? String(DEUTERON_DEFAULTS.seed)).split(',').map(Number);

const runs = [];
for (const seed of seeds) {
  const net = deuteronNet({ arch: a.arch as DeuteronArch, hidden: Number(a.hidden), activation: a.activation as DeuteronActivation });
  const params = net.init(new Rng(seed));
  const firstHit: Record<string, { seconds: number; epoch: number } | undefined> = {};
  const met = (r: MeshHistoryRecord) => {
    const hit = (name: string, ok: boolean) => {
      if (ok && !firstHit[name]) firstHit[name] = { seconds: r.seconds, epoch: r.epoch };
    };
    hit('relativeError', r.relativeError! <= A.relativeError);
    hit('infidelityS', 1 - r.fidelityS! <= A.infidelityS);
    hit('infidelityD', 1 - r.fidelityD! <= A.infidelityD);
    const all = r.relativeError! <= A.relativeError && 1 - r.fidelityS! <= A.infidelityS && 1 - r.fidelityD! <= A.infidelityD;
    hit('all', all);
    return all;
  };
  const res = trainMesh(net, problem, params, {
    optimizer: a.optimizer as MeshOptimizer,
    epochs: Number(a.epochs),
    pretrainEpochs: Number(a['pretrain-epochs']),
    lbfgsMemory: Number(a.memory),
    learningRate: Number(a.lr),
    historyEvery: 10,
    stopWhen: a['no-stop'] ? undefined : met,
    onRecord: (r) => {
      if (r.phase === 'energy') met(r);
      if (r.phase === "energy" && r.epoch % (a.optimizer === "lbfgs" ? 500 : 10) === 0)
        process.stderr.write(`  seed ${seed} it ${r.epoch} ${r.seconds.toFixed(1)} s  rel ${r.relativeError!.toExponential(2)}  1-FS ${(1 - r.fidelityS!).toExponential(2)}  1-FD ${(1 - r.fidelityD!).toExponential(2)}\n`);
    },
  });
  const f = res.final;
  const row = {
    seed,
    energyMeV: f.energyMeV,
    relativeError: f.relativeError!,
    infidelityS: 1 - f.fidelityS!,
    infidelityD: 1 - f.fidelityD!,
    pDPercent: 100 * f.pD,
    epochs: res.epochs,
    seconds: res.seconds,
    secondsToRelErr1e4: firstHit.relativeError?.seconds ?? null,
    secondsToAcceptance: firstHit.all?.seconds ?? null,
    epochsToAcceptance: firstHit.all?.epoch ?? null,
  };
  process.stderr.write(`seed ${seed}: E = ${f.energyMeV.toFixed(6)} MeV  rel ${row.relativeError.toExponential(2)}  1-FS ${row.infidelityS.toExponential(2)}  1-FD ${row.infidelityD.toExponential(2)}  ${res.epochs} it (${res.reason})  ${res.seconds.toFixed(1)} s  acceptance at ${row.secondsToAcceptance?.toFixed(1) ?? '—'} s\n`);
  runs.push(row);
}

const ok = runs.filter((r) => r.secondsToAcceptance !== null).map((r) => r.secondsToAcceptance!);
const median = (xs: number[]) => (xs.length ? xs.slice().sort((x, y) => x - y)[Math.floor(xs.length / 2)]! : null);
console.log(
  JSON.stringify({
    benchmark: 'deuteron',
    backend: backend.name,
    potential: a.potential,
    mesh: a.mesh,
    arch: a.arch,
    hidden: Number(a.hidden),
    activation: a.activation,
    optimizer: a.optimizer,
    exactEnergyMeV: exact.energyMeV,
    setupSeconds,
    runs,
    metAcceptance: `${ok.length}/${runs.length}`,
    medianSecondsToAcceptance: median(ok),
  }),
);
