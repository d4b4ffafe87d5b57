import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { captureCli } from './cli-harness.js';

const { io, run } = captureCli();

const tiny = ['--walkers', '32', '--hidden', '6', '--sweeps', '2', '--eval-batches', '4', '--quiet'];

describe('nqs fermions', () => {
  it('runs a tiny A = 2 problem, writes outputs and resumes from its checkpoint to the same result', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'nqs-fermions-')), 'run');
    const args = ['fermions', '--A', '2', '--V0', '-2', ...tiny, '--pretrain-epochs', '3', '--seed', '5', '--out', dir, '--json'];
    const a = await run([...args, '--epochs', '4']);
    expect(a.code).toBe(0);
    for (const k of ['energy', 'energyError', 'variance', 'acceptance', 'rHat', 'tauCorr', 'epochs', 'seconds', 'backend']) expect(a.json).toHaveProperty(k);
    expect(a.json!.epochs).toBe(4);
    expect(Number.isFinite(a.json!.energy as number)).toBe(true);
    for (const f of ['result.json', 'history.csv', 'pretrain.csv', 'density.csv', 'observables.json', 'occupations.csv', 'obdm.csv', 'energy.svg', 'density.svg', 'pair.svg', 'obdm.svg', 'checkpoint.json']) {
      expect(existsSync(join(dir, f))).toBe(true);
    }
    // grid one-body density matrix: 40 × 40 with the grid in the header and the first column; natural occupations sum to its trace
    const obdmRows = readFileSync(join(dir, 'obdm.csv'), 'utf8').trim().split('\n');
    expect(obdmRows).toHaveLength(41);
    expect(obdmRows[0]!.split(',')).toHaveLength(41);
    const obs = JSON.parse(readFileSync(join(dir, 'observables.json'), 'utf8'));
    expect(obs.obdm).toHaveProperty('occupations');
    expect(obs.obdmGrid.matrix).toHaveLength(40);
    expect(obs.naturalOccupations).toHaveLength(40);
    expect((obs.naturalOccupations as number[]).reduce((s, v) => s + v, 0)).toBeCloseTo(obs.obdmGrid.trace, 8);
    expect(a.json!.naturalOccupations).toEqual(obs.naturalOccupations);
    expect(readFileSync(join(dir, 'energy.svg'), 'utf8')).toMatch(/exact \(grid\)/);
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
    // continue 4 → 6 epochs from the checkpoint, and compare with an uninterrupted 6-epoch run
    const b = await run([...args, '--epochs', '6', '--resume']);
    expect(b.code).toBe(0);
    expect(b.json!.epochs).toBe(6);
    const dir2 = join(mkdtempSync(join(tmpdir(), 'nqs-fermions-')), 'run');
    const c = await run(['fermions', '--A', '2', '--V0', '-2', ...tiny, '--pretrain-epochs', '3', '--seed', '5', '--out', dir2, '--json', '--epochs', '6']);
    expect(c.code).toBe(0);
    expect(readFileSync(join(dir, 'history.csv'), 'utf8')).toBe(readFileSync(join(dir2, 'history.csv'), 'utf8'));
    // warm start from that checkpoint with other walkers and seed: no pre-training, epochs from 0
    const dir3 = join(mkdtempSync(join(tmpdir(), 'nqs-fermions-')), 'warm');
    const w = await run(['fermions', '--A', '2', '--V0', '-2', ...tiny, '--walkers', '48', '--seed', '6', '--init', join(dir, 'checkpoint.json'), '--out', dir3, '--json', '--epochs', '2']);
    expect(w.code).toBe(0);
    expect([w.json!.epochs, w.json!.pretrainEpochs, w.json!.walkers, w.json!.initFrom]).toEqual([2, 0, 48, join(dir, 'checkpoint.json')]);
    const wm = await run(['fermions', '--A', '2', '--V0', '-2', ...tiny, '--hidden', '5', '--init', join(dir, 'checkpoint.json'), '--epochs', '1']);
    expect(wm.code).toBe(2);
    expect(io.err).toMatch(/warm start: hidden/);
    // a mismatched checkpoint is refused with one line, exit 2, and nothing is rewritten
    const before = readFileSync(join(dir, 'result.json'), 'utf8');
    const m = await run(['fermions', '--A', '3', '--V0', '-2', ...tiny, '--pretrain-epochs', '3', '--seed', '5', '--out', dir, '--epochs', '6', '--resume']);
    expect(m.code).toBe(2);
    expect(io.err.trim().split('\n')).toHaveLength(1);
    expect(io.err).toMatch(/particles/);
    writeFileSync(join(dir, 'checkpoint.json'), '{"format": "nqs-fermions-checkpoint", "version": 1, "config": {');
    const k = await run([...args, '--epochs', '6', '--resume']);
    expect(k.code).toBe(2);
    expect(io.err).toMatch(/corrupt/);
    expect(readFileSync(join(dir, 'result.json'), 'utf8')).toBe(before);
  });

  it('rejects bad input with one line and exit 2', async () => {
    const cases: [string[], RegExp][] = [
      [['fermions', '--A', '0', '--V0', '1'], /--A/],
      [['fermions', '--A', '2', '--V0', '1', '--walkers', '0'], /--walkers/],
      [['fermions', '--A', '2', '--V0', '1', '--sigma', '0'], /--sigma/],
      [['fermions', '--A', '2', '--interaction', 'coulomb'], /unknown value 'coulomb'/],
      [['fermions', '--A', '2', '--interaction', 'harmonic'], /--k is required/],
      [['fermions', '--A', '2', '--V0', '1', '--resume'], /--resume needs --out/],
      [['fermions', '--A', '2', '--V0', '1', '--resume', '--init', 'x.json', '--out', join(tmpdir(), 'nqs-never')], /--init and --resume/],
      [['fermions', '--A', '2', '--V0', '1', '--init', join(tmpdir(), 'nqs-no-such-checkpoint.json')], /--init: no checkpoint/],
      [['bench', 'fermions', '--A', '0'], /--A/],
    ];
    for (const [argv, re] of cases) {
      const r = await run(argv);
      expect(r.code).toBe(2);
      expect(io.err.trim().split('\n')).toHaveLength(1);
      expect(io.err).toMatch(re);
    }
  });
});

describe('nqs bench fermions', () => {
  it('reports the median epoch time and its parts', async () => {
    const r = await run(['bench', 'fermions', '--A', '2', '--walkers', '16', '--hidden', '4', '--epochs', '2', '--burn-in', '1', '--json']);
    expect(r.code).toBe(0);
    for (const k of ['epochSeconds', 'sweepSeconds', 'localEnergySeconds', 'stepSeconds']) expect(r.json![k] as number).toBeGreaterThan(0);
    expect(r.json!.epochSeconds as number).toBeGreaterThanOrEqual((r.json!.sweepSeconds as number) * 0.99);
    expect(typeof r.json!.backend).toBe('string');
  });
});
