/**
 * The page: reads the form, runs the training in a Web Worker, draws ψ_S, ψ_D against the exact
 * solution and the energy / 1 − F curves with @nqs/plot, and offers downloads. No tfjs here: the
 * main thread stays light and responsive; everything numeric happens in the worker.
 */
import { linePlot } from '@nqs/plot';
import { PAGE_OPTIMIZERS } from './protocol.js';
import type { BackendPref, DeuteronConfig, ExactInfo, FromWorker, ResumePoint, ToWorker, TrainRecord } from './protocol.js';
import { combineSvgs, downloadBlob, svgToPngBlob, toCsv } from './download.js';
import { setupFermionsPanel } from './fermions-panel.js';

/** Named error for bad form input (shown in the page's alert region). */
class FormInputError extends Error {
  override readonly name = 'FormInputError';
  constructor(
    message: string,
    readonly field: HTMLElement,
  ) {
    super(message);
  }
}

const $ = <T extends HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`page element #${id} is missing`);
  return el as T;
};

const form = $<HTMLFormElement>('deuteron-form');
const btnTrain = $<HTMLButtonElement>('train');
const btnStop = $<HTMLButtonElement>('stop');
const btnResume = $<HTMLButtonElement>('resume');
const errorBox = $('error');
const statusBox = $('status');
const backendOut = $<HTMLOutputElement>('backend');
const downloads = ['dl-json', 'dl-csv', 'dl-psi-csv', 'dl-svg', 'dl-png'].map((id) => $<HTMLButtonElement>(id));

type RunState = 'idle' | 'starting' | 'running' | 'stopped' | 'done' | 'error';

interface Run {
  config: DeuteronConfig;
  exact: ExactInfo | null;
  history: TrainRecord[];
  psiS: number[] | null;
  psiD: number[] | null;
  resume: ResumePoint | null;
  backend: string;
  reason: string;
}

/** Why a run ended, in words (reasons of lbfgsMinimize and the first-order loop). */
const REASONS: Record<string, string> = {
  epochs: 'all iterations done',
  lineSearch: 'converged: no further decrease at float32 precision',
  gradTol: 'converged: gradient below tolerance',
  fTol: 'converged: energy no longer decreasing',
  maxEvaluations: 'evaluation budget used up',
};

let worker: Worker | null = null;
let run: Run | null = null;
let state: RunState = 'idle';
let drawQueued = false;

function setStatus(msg: string): void {
  statusBox.textContent = msg;
}

function showError(msg: string): void {
  errorBox.textContent = msg;
  errorBox.hidden = false;
}

function clearError(): void {
  errorBox.textContent = '';
  errorBox.hidden = true;
  for (const el of form.querySelectorAll('[aria-invalid="true"]')) el.removeAttribute('aria-invalid');
}

function setState(s: RunState): void {
  state = s;
  document.body.dataset.state = s;
  btnTrain.disabled = s === 'starting' || s === 'running';
  btnStop.disabled = !(s === 'starting' || s === 'running');
  btnResume.disabled = !(s === 'stopped' && run?.resume);
  const haveData = !!run && run.history.length > 0;
  for (const b of downloads) b.disabled = !haveData;
}

// ---------- form ----------

function field<T extends HTMLInputElement | HTMLSelectElement>(id: string): T {
  return $<T>(id);
}

function intField(id: string, label: string, min: number): number {
  const el = field<HTMLInputElement>(id);
  const raw = el.value.trim();
  const v = Number(raw);
  if (raw === '' || !Number.isInteger(v) || v < min) throw new FormInputError(`${label}: '${raw}' is not allowed (must be an integer ≥ ${min})`, el);
  return v;
}

function positiveField(id: string, label: string): number {
  const el = field<HTMLInputElement>(id);
  const raw = el.value.trim();
  const v = Number(raw);
  if (raw === '' || !Number.isFinite(v) || !(v > 0)) throw new FormInputError(`${label}: '${raw}' is not allowed (must be a number > 0)`, el);
  return v;
}

function readConfig(): DeuteronConfig {
  const meshEl = field<HTMLInputElement>('mesh');
  const mesh = meshEl.value.trim();
  if (!mesh) throw new FormInputError(`momentum mesh: empty (allowed: paper64, paper:N[:KMAX], tan:N:C, gl:N:A:B)`, meshEl);
  const optimizer = field<HTMLSelectElement>('optimizer').value as DeuteronConfig['optimizer'];
  if (!(PAGE_OPTIMIZERS as readonly string[]).includes(optimizer)) throw new FormInputError(`optimiser: '${optimizer}' is not allowed`, field('optimizer'));
  return {
    potential: field<HTMLSelectElement>('potential').value,
    mesh,
    arch: field<HTMLSelectElement>('arch').value,
    hidden: intField('hidden', 'hidden units', 1),
    activation: field<HTMLSelectElement>('activation').value,
    optimizer,
    learningRate: positiveField('lr', 'learning rate'),
    pretrainEpochs: intField('pretrain', 'pre-training iterations', 0),
    epochs: intField('epochs', 'energy iterations', 0),
    seed: intField('seed', 'seed', 0),
    backend: field<HTMLSelectElement>('backend-pref').value as BackendPref,
  };
}

// ---------- worker ----------

function startWorker(config: DeuteronConfig, resume?: ResumePoint): void {
  worker?.terminate();
  const w = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'nqs-training' });
  worker = w;
  w.onmessage = (ev: MessageEvent<FromWorker>) => {
    if (w === worker) onWorkerMessage(ev.data);
  };
  w.onerror = (ev: ErrorEvent) => {
    if (w !== worker) return;
    ev.preventDefault();
    fail('WorkerError', ev.message || 'the training worker failed to start (see the browser console for details)');
  };
  w.onmessageerror = () => fail('WorkerError', 'a message from the training worker could not be read');
  const msg: ToWorker = resume ? { type: 'deuteron', config, resume } : { type: 'deuteron', config };
  w.postMessage(msg);
  setState('starting');
}

function fail(name: string, message: string): void {
  worker?.terminate();
  worker = null;
  showError(`${name}: ${message}`);
  setStatus('Training stopped because of an error.');
  setState('error');
  if (run && run.resume) setState('stopped');
}

function onWorkerMessage(m: FromWorker): void {
  if (!run) return;
  switch (m.type) {
    case 'backend': {
      run.backend = m.backend.name;
      const skipped = m.backend.skipped.length ? ` — skipped: ${m.backend.skipped.map((s) => `${s.name} (${s.why})`).join('; ')}` : '';
      backendOut.textContent = `${m.backend.name}: ${m.backend.reason}`;
      backendOut.title = skipped;
      document.body.dataset.backend = m.backend.name;
      setStatus(`Backend ${m.backend.name} started; building the mesh Hamiltonian and the exact solution…`);
      break;
    }
    case 'setup':
      run.exact = m.exact;
      $('n-exact').textContent = m.exact.energyMeV.toFixed(6);
      $('n-params').textContent = String(m.exact.numParams);
      setStatus(`Training ${run.config.arch} (${run.config.hidden} hidden, ${run.config.activation}) on ${m.exact.potential}, mesh ${m.exact.mesh} (${m.exact.k.length} points); exact E = ${m.exact.energyMeV.toFixed(4)} MeV.`);
      setState('running');
      queueDraw();
      break;
    case 'progress':
      run.history.push(...m.records);
      run.psiS = m.psiS;
      run.psiD = m.psiD;
      run.resume = m.resume;
      if (state === 'starting') setState('running');
      for (const b of downloads) b.disabled = false;
      queueDraw();
      break;
    case 'done': {
      run.reason = m.reason;
      worker?.terminate();
      worker = null;
      const last = run.history[run.history.length - 1];
      setStatus(`Done (${REASONS[m.reason] ?? m.reason}): E = ${last ? last.energyMeV.toFixed(6) : '?'} MeV, relative error ${last ? last.relativeError.toExponential(2) : '?'}.`);
      setState('done');
      queueDraw();
      break;
    }
    case 'error':
      fail(m.name, m.message);
      break;
  }
}

// ---------- drawing ----------

function queueDraw(): void {
  if (drawQueued) return;
  drawQueued = true;
  requestAnimationFrame(() => {
    drawQueued = false;
    draw();
  });
}

/** At most `max` points of a long history (always keeps the last one). */
function thin<T>(a: T[], max = 800): T[] {
  if (a.length <= max) return a;
  const stride = Math.ceil(a.length / max);
  const out = a.filter((_, i) => i % stride === 0);
  if (out[out.length - 1] !== a[a.length - 1]) out.push(a[a.length - 1]!);
  return out;
}

function fmt(v: number | undefined, digits = 3): string {
  if (v === undefined || !Number.isFinite(v)) return '–';
  return Math.abs(v) < 1e-3 && v !== 0 ? v.toExponential(digits - 1) : v.toFixed(digits + 3);
}

interface Svgs {
  psi: string;
  energy: string;
  fidelity: string;
}

function buildSvgs(r: Run): Svgs | null {
  const ex = r.exact;
  if (!ex) return null;
  const idx = ex.k.map((_, i) => i).filter((i) => ex.k[i]! <= 10);
  const kx = idx.map((i) => ex.k[i]!);
  const series = [
    { label: 'ψ_S exact', x: kx, y: idx.map((i) => ex.psiS[i]!), color: '#1f77b4', dashed: true },
    { label: 'ψ_D exact', x: kx, y: idx.map((i) => ex.psiD[i]!), color: '#d62728', dashed: true },
  ];
  if (r.psiS && r.psiD) {
    series.push({ label: 'ψ_S network', x: kx, y: idx.map((i) => r.psiS![i]!), color: '#1f77b4', dashed: false });
    series.push({ label: 'ψ_D network', x: kx, y: idx.map((i) => r.psiD![i]!), color: '#d62728', dashed: false });
  }
  const last = r.history[r.history.length - 1];
  const psi = linePlot(series, {
    title: `deuteron ${ex.potential}, ${r.config.arch} ${r.config.hidden} ${r.config.activation}${last ? `, iteration ${last.iteration}` : ''}`,
    xLabel: 'q [fm⁻¹]',
    yLabel: 'ψ(q) [fm^3/2]',
    logX: (document.getElementById('logq') as HTMLInputElement | null)?.checked ?? true,
  });

  const h = thin(r.history);
  const energyPts = h.filter((p) => p.phase === 'energy');
  const pts = energyPts.length ? energyPts : h;
  // clip the y range: early energies (random init) can be hundreds of MeV above the minimum
  const recent = pts.slice(Math.floor(pts.length / 3)).map((p) => p.energyMeV);
  const top = Math.max(ex.energyMeV + 1, ...recent.filter(Number.isFinite));
  const energy = linePlot([{ label: 'E network', x: pts.map((p) => p.iteration), y: pts.map((p) => p.energyMeV), color: '#2ca02c' }], {
    title: `energy, exact E = ${ex.energyMeV.toFixed(5)} MeV`,
    xLabel: 'iteration',
    yLabel: 'E [MeV]',
    hLines: [{ y: ex.energyMeV, label: 'exact', color: '#555' }],
    yMin: ex.energyMeV - 0.05 * (top - ex.energyMeV) - 1e-3,
    yMax: top,
  });
  const pos = (v: number) => Math.max(Math.abs(v), 1e-16);
  const fidelity = linePlot(
    [
      { label: '|ΔE|/|E|', x: h.map((p) => p.iteration), y: h.map((p) => pos(p.relativeError)), color: '#2ca02c' },
      { label: '1 − F_S', x: h.map((p) => p.iteration), y: h.map((p) => pos(p.infidelityS)), color: '#1f77b4' },
      { label: '1 − F_D', x: h.map((p) => p.iteration), y: h.map((p) => pos(p.infidelityD)), color: '#d62728' },
    ],
    { title: 'convergence', xLabel: 'iteration', yLabel: 'error', logY: true },
  );
  return { psi, energy, fidelity };
}

function draw(): void {
  if (!run) return;
  const svgs = buildSvgs(run);
  if (svgs) {
    $('plot-psi').innerHTML = svgs.psi;
    $('plot-energy').innerHTML = svgs.energy;
    $('plot-fidelity').innerHTML = svgs.fidelity;
  }
  const last = run.history[run.history.length - 1];
  if (last) {
    $('n-phase').textContent = last.phase === 'pretrain' ? 'pre-training' : 'energy minimisation';
    $('n-iter').textContent = String(last.iteration);
    $('n-energy').textContent = last.energyMeV.toFixed(6);
    $('n-rel').textContent = fmt(last.relativeError);
    $('n-fs').textContent = fmt(last.infidelityS);
    $('n-fd').textContent = fmt(last.infidelityD);
    $('n-pd').textContent = (100 * last.pD).toFixed(4);
    $('n-time').textContent = last.seconds.toFixed(1);
  }
}

// ---------- buttons ----------

form.addEventListener('submit', (ev) => {
  ev.preventDefault();
  clearError();
  let config: DeuteronConfig;
  try {
    config = readConfig();
  } catch (e) {
    if (e instanceof FormInputError) {
      e.field.setAttribute('aria-invalid', 'true');
      showError(`${e.name}: ${e.message}`);
      e.field.focus();
      return;
    }
    throw e;
  }
  run = { config, exact: null, history: [], psiS: null, psiD: null, resume: null, backend: '', reason: '' };
  for (const id of ['n-phase', 'n-iter', 'n-energy', 'n-exact', 'n-rel', 'n-fs', 'n-fd', 'n-pd', 'n-params', 'n-time']) $(id).textContent = '–';
  for (const id of ['plot-psi', 'plot-energy', 'plot-fidelity']) $(id).innerHTML = '';
  setStatus('Starting the training worker…');
  startWorker(config);
});

btnStop.addEventListener('click', () => {
  worker?.terminate();
  worker = null;
  const last = run?.history[run.history.length - 1];
  setStatus(`Stopped at iteration ${last?.iteration ?? 0}${last ? `, E = ${last.energyMeV.toFixed(6)} MeV` : ''}. Press Resume to continue.`);
  setState('stopped');
  queueDraw();
  btnResume.disabled ? btnTrain.focus() : btnResume.focus();
});

btnResume.addEventListener('click', () => {
  if (!run?.resume) return;
  clearError();
  setStatus(`Resuming from iteration ${run.resume.iteration}…`);
  startWorker(run.config, run.resume);
  btnStop.focus();
});

// ---------- downloads ----------

function stamp(): string {
  return `deuteron-${run?.config.potential ?? 'run'}-${run?.config.arch ?? ''}${run?.config.hidden ?? ''}`;
}

function resultJson(r: Run): object {
  const last = r.history[r.history.length - 1];
  return {
    config: r.config,
    backend: r.backend,
    state,
    reason: r.reason || undefined,
    exactEnergyMeV: r.exact?.energyMeV,
    exactPDPercent: r.exact ? 100 * r.exact.pD : undefined,
    energyMeV: last?.energyMeV,
    relativeError: last?.relativeError,
    fidelityS: last ? 1 - last.infidelityS : undefined,
    fidelityD: last ? 1 - last.infidelityD : undefined,
    pDPercent: last ? 100 * last.pD : undefined,
    iterations: last?.iteration,
    seconds: last?.seconds,
    numParams: r.exact?.numParams,
    params: r.resume?.params,
    k: r.exact?.k,
    psiS: r.psiS,
    psiD: r.psiD,
    exactPsiS: r.exact?.psiS,
    exactPsiD: r.exact?.psiD,
  };
}

$('dl-json').addEventListener('click', () => {
  if (!run) return;
  downloadBlob(new Blob([JSON.stringify(resultJson(run), null, 2) + '\n'], { type: 'application/json' }), `${stamp()}.json`);
  setStatus('Downloaded the results (JSON).');
});
$('dl-csv').addEventListener('click', () => {
  if (!run) return;
  const rows = run.history.map((p) => [p.phase, p.iteration, p.step, p.loss, p.energyMeV, p.relativeError, p.infidelityS, p.infidelityD, p.pD, p.seconds]);
  downloadBlob(new Blob([toCsv(['phase', 'iteration', 'step', 'loss', 'energyMeV', 'relativeError', 'infidelityS', 'infidelityD', 'pD', 'seconds'], rows)], { type: 'text/csv' }), `${stamp()}-history.csv`);
  setStatus('Downloaded the training history (CSV).');
});
$('dl-psi-csv').addEventListener('click', () => {
  if (!run?.exact) return;
  const ex = run.exact;
  const rows = ex.k.map((k, i) => [k, ex.w[i]!, run!.psiS?.[i] ?? NaN, run!.psiD?.[i] ?? NaN, ex.psiS[i]!, ex.psiD[i]!]);
  downloadBlob(new Blob([toCsv(['k_fm-1', 'weight_fm-1', 'psiS', 'psiD', 'exactPsiS', 'exactPsiD'], rows)], { type: 'text/csv' }), `${stamp()}-psi.csv`);
  setStatus('Downloaded ψ on the mesh (CSV).');
});
$('dl-svg').addEventListener('click', () => {
  const s = run && buildSvgs(run);
  if (!s) return;
  downloadBlob(new Blob([combineSvgs([s.psi, s.energy, s.fidelity])], { type: 'image/svg+xml' }), `${stamp()}-plots.svg`);
  setStatus('Downloaded the plots (SVG).');
});
$('dl-png').addEventListener('click', () => {
  const s = run && buildSvgs(run);
  if (!s) return;
  svgToPngBlob(combineSvgs([s.psi, s.energy, s.fidelity]))
    .then((blob) => {
      downloadBlob(blob, `${stamp()}-plots.png`);
      setStatus('Downloaded the plots (PNG).');
    })
    .catch((e: Error) => showError(`PngExportError: ${e.message}`));
});

$('logq').addEventListener('change', () => queueDraw());

// ---------- start ----------

if (typeof Worker === 'undefined') {
  showError('NoWorkerError: this browser has no Web Workers; the playground cannot train here.');
  btnTrain.disabled = true;
} else {
  clearError();
  setState('idle');
  setupFermionsPanel();
}
window.addEventListener('error', (ev) => showError(`${(ev.error as Error | undefined)?.name ?? 'Error'}: ${ev.message}`));
window.addEventListener('unhandledrejection', (ev) => showError(`${(ev.reason as Error | undefined)?.name ?? 'Error'}: ${(ev.reason as Error | undefined)?.message ?? String(ev.reason)}`));
