/**
 * The 1D-fermion panel: form → training worker (Monte Carlo state of @nqs/vmc) and a reference
 * worker (exact solvers of @nqs/benchmarks-exact); draws the walkers' density against the
 * non-interacting density, the energy per epoch against the references and the pair distribution.
 */
import { heatmap, linePlot } from '@nqs/plot';
import type { BackendPref, FermionsConfig, FermionsRecord, FromFermionsWorker, FromReferenceWorker, ToFermionsWorker, ToReferenceWorker } from './protocol.js';
import { combineSvgs, downloadBlob, svgToPngBlob, toCsv } from './download.js';

class FermionFormInputError extends Error {
  override readonly name = 'FermionFormInputError';
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

/** Non-interacting density Σ_{j<A} φ_j(x)² of the HO (φ by the stable three-term recursion). */
export function freeDensity(A: number, xs: number[]): number[] {
  return xs.map((x) => {
    let prev = 0;
    let cur = Math.PI ** -0.25 * Math.exp(-x * x / 2);
    let sum = 0;
    for (let n = 0; n < A; n++) {
      sum += cur * cur;
      const next = Math.sqrt(2 / (n + 1)) * x * cur - Math.sqrt(n / (n + 1)) * prev;
      prev = cur;
      cur = next;
    }
    return sum;
  });
}

interface FRun {
  config: FermionsConfig;
  history: FermionsRecord[];
  density: { x: number[]; n: number[] } | null;
  pair: { x: number[]; g: number[][] } | null;
  references: { method: string; energy: number }[];
  checkpoint: unknown;
  backend: string;
}

export function setupFermionsPanel(): void {
  const form = $<HTMLFormElement>('fermions-form');
  const btnTrain = $<HTMLButtonElement>('f-train');
  const btnStop = $<HTMLButtonElement>('f-stop');
  const btnResume = $<HTMLButtonElement>('f-resume');
  const errorBox = $('f-error');
  const statusBox = $('f-status');
  const downloads = ['f-dl-json', 'f-dl-csv', 'f-dl-svg', 'f-dl-png'].map((id) => $<HTMLButtonElement>(id));
  const section = form.closest('section')!;
  let worker: Worker | null = null;
  let refWorker: Worker | null = null;
  let run: FRun | null = null;
  let drawQueued = false;

  const setState = (s: 'idle' | 'starting' | 'running' | 'stopping' | 'stopped' | 'done' | 'error') => {
    section.dataset.state = s;
    btnTrain.disabled = s === 'starting' || s === 'running' || s === 'stopping';
    btnStop.disabled = !(s === 'starting' || s === 'running');
    btnResume.disabled = s !== 'stopped';
    for (const b of downloads) b.disabled = !run || run.history.length === 0;
  };
  const setStatus = (m: string) => (statusBox.textContent = m);
  const showError = (m: string) => {
    errorBox.textContent = m;
    errorBox.hidden = false;
  };
  const clearError = () => {
    errorBox.textContent = '';
    errorBox.hidden = true;
    for (const el of form.querySelectorAll('[aria-invalid="true"]')) el.removeAttribute('aria-invalid');
  };

  const num = (id: string, label: string, check: (v: number) => boolean, rule: string): number => {
    const el = $<HTMLInputElement>(id);
    const raw = el.value.trim();
    const v = Number(raw);
    if (raw === '' || !Number.isFinite(v) || !check(v)) throw new FermionFormInputError(`${label}: '${raw}' is not allowed (${rule})`, el);
    return v;
  };
  const int = (v: number) => Number.isInteger(v);
  const readConfig = (): FermionsConfig => ({
    particles: num('f-A', 'particles A', (v) => int(v) && v >= 1 && v <= 12, 'an integer from 1 to 12'),
    V0: num('f-V0', 'V₀', () => true, 'a number'),
    sigma: num('f-sigma', 'σ', (v) => v > 0, 'a number > 0'),
    walkers: num('f-walkers', 'walkers', (v) => int(v) && v >= 1, 'an integer ≥ 1'),
    hidden: num('f-hidden', 'hidden units', (v) => int(v) && v >= 1, 'an integer ≥ 1'),
    learningRate: num('f-lr', 'learning rate', (v) => v > 0, 'a number > 0'),
    pretrainEpochs: num('f-pretrain', 'pre-training epochs', (v) => int(v) && v >= 0, 'an integer ≥ 0'),
    epochs: num('f-epochs', 'energy epochs', (v) => int(v) && v >= 0, 'an integer ≥ 0'),
    seed: num('f-seed', 'seed', (v) => int(v) && v >= 0, 'an integer ≥ 0'),
    backend: $<HTMLSelectElement>('f-backend').value as BackendPref,
  });

  const fail = (name: string, message: string) => {
    worker?.terminate();
    worker = null;
    showError(`${name}: ${message}`);
    setStatus('Fermion training stopped because of an error.');
    setState('error');
  };

  const queueDraw = () => {
    if (drawQueued) return;
    drawQueued = true;
    requestAnimationFrame(() => {
      drawQueued = false;
      draw();
    });
  };

  const buildSvgs = (r: FRun): { density?: string; energy?: string; pair?: string } => {
    const out: { density?: string; energy?: string; pair?: string } = {};
    if (r.density) {
      out.density = (
        linePlot(
          [
            { label: 'n(x) walkers', x: r.density.x, y: r.density.n, color: '#1f77b4' },
            { label: 'free (HO) density', x: r.density.x, y: freeDensity(r.config.particles, r.density.x), color: '#555', dashed: true },
          ],
          { title: `density, A = ${r.config.particles}, V₀ = ${r.config.V0}`, xLabel: 'x [osc. length]', yLabel: 'n(x)' },
        )
      );
    }
    const tr = r.history.filter((h) => h.phase === 'train');
    if (tr.length) {
      const step = Math.max(1, Math.ceil(tr.length / 800));
      const pts = tr.filter((_, i) => i % step === 0 || i === tr.length - 1);
      const refs = r.references.map((ref, i) => ({ y: ref.energy, label: ref.method, color: ['#000', '#8c564b', '#9467bd'][i % 3]! }));
      const tail = pts.slice(Math.floor(pts.length / 4)).map((p) => p.value);
      const lo = Math.min(...tail, ...refs.map((h) => h.y));
      const hi = Math.max(...tail, ...refs.map((h) => h.y));
      const pad = 0.1 * (hi - lo) + 1e-3;
      out.energy = (
        linePlot([{ label: '⟨E_L⟩', x: pts.map((p) => p.epoch), y: pts.map((p) => p.value), yErr: pts.map((p) => p.energyError ?? 0), color: '#2ca02c' }], {
          title: 'energy per epoch',
          xLabel: 'epoch',
          yLabel: 'E [ħω]',
          hLines: refs,
          yMin: lo - pad,
          yMax: hi + pad,
        })
      );
    }
    if (r.pair) {
      const ext: [number, number] = [r.pair.x[0]! - (r.pair.x[1]! - r.pair.x[0]!) / 2, r.pair.x[r.pair.x.length - 1]! + (r.pair.x[1]! - r.pair.x[0]!) / 2];
      out.pair = (heatmap(r.pair.g, { title: 'pair distribution g(x₁, x₂)', xLabel: 'x₁', yLabel: 'x₂', diverging: false, xRange: ext, yRange: ext }));
    }
    return out;
  };

  const draw = () => {
    if (!run) return;
    const svgs = buildSvgs(run);
    if (svgs.density) $('f-plot-density').innerHTML = svgs.density;
    if (svgs.energy) $('f-plot-energy').innerHTML = svgs.energy;
    if (svgs.pair) $('f-plot-pair').innerHTML = svgs.pair;
    const last = run.history[run.history.length - 1];
    const lastTrain = [...run.history].reverse().find((h) => h.phase === 'train');
    if (last) {
      $('f-phase').textContent = last.phase === 'pretrain' ? `pre-training (loss ${last.value.toExponential(2)})` : 'energy minimisation';
      $('f-epoch').textContent = String(last.epoch);
      $('f-time').textContent = last.seconds.toFixed(1);
    }
    if (lastTrain) {
      $('f-energy').textContent = `${lastTrain.value.toFixed(4)} ± ${(lastTrain.energyError ?? 0).toFixed(4)}`;
      $('f-var').textContent = (lastTrain.variance ?? NaN).toExponential(2);
      $('f-acc').textContent = (lastTrain.acceptance ?? NaN).toFixed(3);
    }
    $('f-ref').textContent = run.references.length ? run.references.map((r) => `${r.energy.toFixed(5)} (${r.method})`).join('; ') : 'computing…';
  };

  const onMessage = (m: FromFermionsWorker) => {
    if (!run) return;
    switch (m.type) {
      case 'backend':
        run.backend = m.backend.name;
        $('f-backend-out').textContent = `${m.backend.name}: ${m.backend.reason}`;
        setStatus(`Backend ${m.backend.name}; sampling the initial walkers…`);
        break;
      case 'progress':
        run.history.push(...m.records);
        run.density = m.density;
        run.pair = m.pair;
        if (section.dataset.state === 'starting') {
          setState('running');
          setStatus(`Training A = ${run.config.particles}, V₀ = ${run.config.V0} with ${run.config.walkers} walkers.`);
        }
        for (const b of downloads) b.disabled = false;
        queueDraw();
        break;
      case 'paused':
      case 'done': {
        run.checkpoint = m.checkpoint;
        const last = [...run.history].reverse().find((h) => h.phase === 'train');
        setStatus(`${m.type === 'done' ? 'Done' : 'Stopped'} at epoch ${run.history[run.history.length - 1]?.epoch ?? 0}${last ? `: E = ${last.value.toFixed(4)} ± ${(last.energyError ?? 0).toFixed(4)} ħω` : ''}.${m.type === 'paused' ? ' Press Resume to continue the same trajectory.' : ''}`);
        setState(m.type === 'done' ? 'done' : 'stopped');
        queueDraw();
        break;
      }
      case 'error':
        fail(m.name, m.message);
        break;
    }
  };

  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    clearError();
    let config: FermionsConfig;
    try {
      config = readConfig();
    } catch (e) {
      if (e instanceof FermionFormInputError) {
        e.field.setAttribute('aria-invalid', 'true');
        showError(`${e.name}: ${e.message}`);
        e.field.focus();
        return;
      }
      throw e;
    }
    worker?.terminate();
    refWorker?.terminate();
    run = { config, history: [], density: null, pair: null, references: [], checkpoint: null, backend: '' };
    for (const id of ['f-phase', 'f-epoch', 'f-energy', 'f-ref', 'f-var', 'f-acc', 'f-time']) $(id).textContent = '–';
    for (const id of ['f-plot-density', 'f-plot-energy', 'f-plot-pair']) $(id).innerHTML = '';
    const w = new Worker(new URL('./fermions-worker.ts', import.meta.url), { type: 'module', name: 'nqs-fermions' });
    worker = w;
    w.onmessage = (e: MessageEvent<FromFermionsWorker>) => {
      if (w === worker) onMessage(e.data);
    };
    w.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      if (w === worker) fail('WorkerError', e.message || 'the fermion worker failed to start');
    };
    w.postMessage({ type: 'start', config } satisfies ToFermionsWorker);
    const rw = new Worker(new URL('./reference-worker.ts', import.meta.url), { type: 'module', name: 'nqs-fermion-reference' });
    refWorker = rw;
    rw.onmessage = (e: MessageEvent<FromReferenceWorker>) => {
      if (rw !== refWorker || !run) return;
      if (e.data.type === 'reference') {
        run.references.push({ method: e.data.method, energy: e.data.energy });
        queueDraw();
      } else {
        $('f-ref').textContent = `unavailable (${e.data.name}: ${e.data.message})`;
      }
    };
    rw.postMessage({ particles: config.particles, V0: config.V0, sigma: config.sigma } satisfies ToReferenceWorker);
    setStatus('Starting the fermion worker…');
    setState('starting');
  });

  btnStop.addEventListener('click', () => {
    worker?.postMessage({ type: 'stop' } satisfies ToFermionsWorker);
    setStatus('Stopping after the current epoch…');
    setState('stopping');
    btnTrain.focus();
  });

  btnResume.addEventListener('click', () => {
    clearError();
    worker?.postMessage({ type: 'resume' } satisfies ToFermionsWorker);
    setStatus('Resuming the same trajectory…');
    setState('running');
    btnStop.focus();
  });

  const stamp = () => `fermions-A${run?.config.particles}-V0${run?.config.V0}`;
  $('f-dl-json').addEventListener('click', () => {
    if (!run) return;
    const last = [...run.history].reverse().find((h) => h.phase === 'train');
    const body = { config: run.config, backend: run.backend, energy: last?.value, energyError: last?.energyError, variance: last?.variance, references: run.references, density: run.density, pair: run.pair, history: run.history, checkpoint: run.checkpoint };
    downloadBlob(new Blob([JSON.stringify(body, null, 2) + '\n'], { type: 'application/json' }), `${stamp()}.json`);
    setStatus('Downloaded the fermion results (JSON).');
  });
  $('f-dl-csv').addEventListener('click', () => {
    if (!run) return;
    const rows = run.history.map((h) => [h.phase, h.epoch, h.value, h.energyError ?? NaN, h.variance ?? NaN, h.acceptance ?? NaN, h.seconds]);
    downloadBlob(new Blob([toCsv(['phase', 'epoch', 'lossOrEnergy', 'energyError', 'variance', 'acceptance', 'seconds'], rows)], { type: 'text/csv' }), `${stamp()}-history.csv`);
    setStatus('Downloaded the fermion history (CSV).');
  });
  $('f-dl-svg').addEventListener('click', () => {
    if (!run) return;
    downloadBlob(new Blob([combineSvgs(Object.values(buildSvgs(run)).filter((v): v is string => !!v))], { type: 'image/svg+xml' }), `${stamp()}-plots.svg`);
    setStatus('Downloaded the fermion plots (SVG).');
  });
  $('f-dl-png').addEventListener('click', () => {
    if (!run) return;
    svgToPngBlob(combineSvgs(Object.values(buildSvgs(run)).filter((v): v is string => !!v)))
      .then((b) => {
        downloadBlob(b, `${stamp()}-plots.png`);
        setStatus('Downloaded the fermion plots (PNG).');
      })
      .catch((e: Error) => showError(`PngExportError: ${e.message}`));
  });

  clearError();
  setState('idle');
}
