import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { captureCli } from './cli-harness.js';
import { firstWithin, stableWithin } from '../commands/compare-optimizers.js';

const { io, run } = captureCli();

const tiny = ['--walkers', '32', '--hidden', '6', '--sweeps', '2', '--quiet'];

describe('steps to a tolerance from the 5-step running mean', () => {
  it('first entry vs staying within to the end', () => {
    // running means (w = 2) of steps 2…6: 1.5, 0.5, 0, 0.5, 0.05
    const e = [2, 1, 0, 0, 1, -0.9];
    expect(firstWithin(e, 0, 0.5, 2)).toBe(3);
    expect(stableWithin(e, 0, 0.5, 2)).toBe(3);
    expect(firstWithin(e, 0, 0.1, 2)).toBe(4);
    expect(stableWithin(e, 0, 0.1, 2)).toBe(6); // left the band at step 5
    expect(stableWithin(e, 0, 0.01, 2)).toBeNull();
    expect(firstWithin(e, 5, 0.1, 2)).toBeNull();
    expect(stableWithin([0, 0, 0], 0, 0.1, 5)).toBeNull(); // fewer steps than the window
  });
});

describe('nqs compare-optimizers and nqs fermions --optimizer', () => {
  it('compares optimisers from one pre-trained state and writes CSV, summary and both SVG plots', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'nqs-cmp-')), 'out');
    const r = await run(['compare-optimizers', '--A', '2', '--V0', '-10', ...tiny, '--pretrain-epochs', '2', '--steps', '3', '--optimizers', 'adam,sr,dgd', '--damping', '10', '--out', dir, '--json']);
    expect(r.code).toBe(0);
    expect(r.json!.exactEnergy as number).toBeCloseTo(0.595906, 5); // REFERENCE.md §2, A = 2, V0 = −10
    const opts = r.json!.optimizers as { optimizer: string; steps: number; seconds: number; finalEnergy: number; stableFrom1e3: number | null }[];
    expect(opts.map((o) => o.optimizer)).toEqual(['adam', 'sr', 'dgd']);
    for (const o of opts) {
      expect(o.steps).toBe(3);
      expect(Number.isFinite(o.finalEnergy)).toBe(true);
      expect(o).toHaveProperty('stableFrom1e3');
    }
    for (const f of ['compare.csv', 'summary.json', 'error-vs-step.svg', 'error-vs-time.svg']) expect(existsSync(join(dir, f))).toBe(true);
    const csv = readFileSync(join(dir, 'compare.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('optimizer,step,seconds,energy,energyError,absError,variance,acceptance,damping,alpha,mu,rho,iterations,rhoError,residual');
    expect(csv.length).toBe(1 + 3 * 3);
    // every optimiser starts from the same state and seed: the first epoch's energy (before any update takes effect) agrees
    const first = csv.slice(1).filter((l) => l.split(',')[1] === '1').map((l) => l.split(',')[3]);
    expect(new Set(first).size).toBe(1);
  });

  it('nqs fermions --optimizer kfac trains; unknown optimisers and bad hyper-parameters exit with code 2', async () => {
    const ok = await run(['fermions', '--A', '2', '--V0', '-2', ...tiny, '--eval-batches', '2', '--pretrain-epochs', '2', '--epochs', '3', '--optimizer', 'kfac', '--json']);
    expect(ok.code).toBe(0);
    expect(Number.isFinite(ok.json!.energy as number)).toBe(true);
    expect((await run(['fermions', '--A', '2', '--V0', '-2', ...tiny, '--optimizer', 'lbfgs'])).code).toBe(2);
    expect(io.err).toMatch(/lbfgs/);
    expect((await run(['compare-optimizers', '--A', '2', '--V0', '-10', ...tiny, '--optimizers', 'adam,newton'])).code).toBe(2);
    expect((await run(['compare-optimizers', '--A', '2', '--V0', '-10', ...tiny, '--damping', '-1'])).code).toBe(2);
    expect((await run(['compare-optimizers', '--A', '2', '--V0', '-10', ...tiny, '--rho-significance', '-1'])).code).toBe(2);
    expect((await run(['compare-optimizers', '--A', '2', '--V0', '-10', ...tiny, '--curvature', 'hessian'])).code).toBe(2);
    expect(io.err).toMatch(/metric, fisher, quasi-hessian/);
    expect((await run(['compare-optimizers', '--A', '2', '--V0', '-10', ...tiny, '--cg-tol', '0'])).code).toBe(2);
    expect((await run(['compare-optimizers', '--A', '3', '--V0', '-10', ...tiny])).code).toBe(2); // --exact needed
  });
});
