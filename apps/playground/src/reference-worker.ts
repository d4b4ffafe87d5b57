/// <reference lib="webworker" />
/**
 * Reference energies for the trapped fermions, from @nqs/benchmarks-exact (float64, no tfjs):
 * analytic for V₀ = 0, the A = 2 grid, Hartree–Fock and FCI (20 HO modes) otherwise. Runs beside the
 * training worker so that the training starts at once; each result is posted when it is ready.
 */
import { solveFermions } from '@nqs/benchmarks-exact';
import { gaussianInteraction } from '@nqs/hamiltonians';
import type { FromReferenceWorker, ToReferenceWorker } from './protocol.js';

const post = (m: FromReferenceWorker): void => (self as unknown as DedicatedWorkerGlobalScope).postMessage(m);

self.onmessage = (ev: MessageEvent<ToReferenceWorker>) => {
  const { particles: A, V0, sigma } = ev.data;
  try {
    const p = gaussianInteraction(V0, sigma);
    if (V0 === 0) {
      const s = solveFermions(A, p, { method: 'analytic' });
      post({ type: 'reference', method: 'exact (free fermions, A²/2)', energy: s.energy, seconds: s.seconds });
      return;
    }
    if (A === 2) {
      const s = solveFermions(A, p, { method: 'grid' });
      post({ type: 'reference', method: 'exact (A = 2 grid)', energy: s.energy, seconds: s.seconds });
    }
    const hf = solveFermions(A, p, { method: 'hf', estimateConvergence: false });
    post({ type: 'reference', method: 'Hartree–Fock', energy: hf.energy, seconds: hf.seconds });
    if (A > 2) {
      const s = solveFermions(A, p, { method: 'fci', estimateConvergence: false });
      post({ type: 'reference', method: `FCI (${s.basisSize} determinants)`, energy: s.energy, seconds: s.seconds });
    }
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    post({ type: 'error', name: err.name, message: err.message });
  }
};
