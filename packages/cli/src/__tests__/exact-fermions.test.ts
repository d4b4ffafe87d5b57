import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../main.js';
import { captureCli } from './cli-harness.js';
import { parseRange } from '../commands/exact-fermions.js';

const { io, run } = captureCli();

describe('nqs exact fermions', () => {
  it('grid, A = 2, V0 = −10 gives the REFERENCE.md energy 0.595906', async () => {
    const { code, json } = await run(['exact', 'fermions', '--A', '2', '--V0', '-10', '--method', 'grid', '--json']);
    expect(code).toBe(0);
    expect(json!.method).toBe('grid');
    expect(Math.abs((json!.energy as number) - 0.595906)).toBeLessThan(1e-6);
    expect(json!.converged as number).toBeLessThan(1e-8);
    expect(json!.basisSize).toBeGreaterThan(100);
  });

  it('fci with the harmonic interaction equals the analytic formula; json keys present', async () => {
    const { code, json } = await run(['exact', 'fermions', '--A', '3', '--interaction', 'harmonic', '--k', '0.5', '--method', 'fci', '--basis', '16', '--json']);
    expect(code).toBe(0);
    expect(Object.keys(json!)).toEqual(expect.arrayContaining(['energy', 'method', 'basisSize', 'converged', 'levels']));
    const exact = 0.5 + (Math.sqrt(1 + 0.5 * 3) * 8) / 2;
    expect(Math.abs((json!.energy as number) - exact)).toBeLessThan(1e-6);
    io.out = '';
    const a = await run(['exact', 'fermions', '--A', '3', '--interaction', 'harmonic', '--k', '0.5', '--method', 'analytic', '--json']);
    expect(a.code).toBe(0);
    expect(a.json!.energy).toBeCloseTo(exact, 14);
  });

  it('analytic free fermions: A²/2', async () => {
    const { code, json } = await run(['exact', 'fermions', '--A', '4', '--V0', '0', '--method', 'analytic', '--json']);
    expect(code).toBe(0);
    expect(json!.energy).toBe(8);
    expect(json!.converged).toBe(0);
  });

  it('--out writes the density and for fci the excited states', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'nqs-fermions-')), 'res');
    const { code, json } = await run(['exact', 'fermions', '--A', '3', '--V0', '10', '--method', 'fci', '--basis', '12', '--no-estimate', '--out', dir, '--json']);
    expect(code).toBe(0);
    expect(json!.converged).toBeNull();
    for (const f of ['result.json', 'density.csv', 'density.svg', 'levels.csv']) expect(existsSync(join(dir, f))).toBe(true);
    const rows = readFileSync(join(dir, 'density.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(',').map(Number));
    const integral = rows.reduce((s, r) => s + r[1]! * 0.05, 0);
    expect(integral).toBeCloseTo(3, 4);
    const levels = readFileSync(join(dir, 'levels.csv'), 'utf8').trim().split('\n');
    expect(levels.length).toBeGreaterThan(3);
    const hfDir = join(dir, 'hf');
    const h = await run(['exact', 'fermions', '--A', '2', '--V0', '20', '--method', 'hf', '--basis', '12', '--out', hfDir]);
    expect(h.code).toBe(0);
    expect(existsSync(join(hfDir, 'orbitals.csv'))).toBe(true);
  });

  it('bad input: one clear line, exit 2', async () => {
    const cases: [string[], RegExp][] = [
      [['--A', '0', '--V0', '1'], /--A: 0/],
      [['--A', '5', '--V0', '1', '--basis', '4'], /larger than the basis/],
      [['--A', '2', '--V0', '1', '--sigma', '0'], /sigma/],
      [['--A', '2', '--V0', '1', '--sigma', '-0.5'], /sigma/],
      [['--A', '2', '--V0', '1', '--method', 'dmrg'], /unknown value 'dmrg'/],
      [['--A', '3', '--V0', '1', '--method', 'grid'], /A = 2 only/],
      [['--A', '3'], /--V0 is required/],
      [['--V0', '3'], /--A is required/],
      [['--A', '3', '--interaction', 'harmonic'], /--k is required/],
      [['--A', '3', '--V0', '1', '--method', 'analytic'], /analytic/],
      [['--A', '4', '--interaction', 'harmonic', '--k', '-0.5'], /1 \+ kA/],
    ];
    for (const [argv, re] of cases) {
      io.err = '';
      const code = await main(['exact', 'fermions', ...argv]);
      expect(code, argv.join(' ')).toBe(2);
      expect(io.err).toMatch(re);
      expect(io.err.trim().split('\n')).toHaveLength(1);
    }
  });
});

describe('nqs exact fermions scan', () => {
  it('writes CSV and SVG of E(V0) for hf and fci, and E_HF ≥ E_FCI', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'nqs-scan-')), 'scan');
    const { code, json } = await run(['exact', 'fermions', 'scan', '--A', '2', '--V0', '-4:4:4', '--methods', 'hf,fci,grid', '--basis', '14', '--hf-basis', '14', '--out', dir, '--json']);
    expect(code).toBe(0);
    const e = json!.energies as Record<string, number[]>;
    expect(e.fci).toHaveLength(3);
    for (let i = 0; i < 3; i++) {
      expect(e.hf![i]!).toBeGreaterThanOrEqual(e.fci![i]! - 1e-9);
      expect(e.fci![i]!).toBeGreaterThanOrEqual(e.grid![i]! - 1e-9);
    }
    const csv = readFileSync(join(dir, 'scan.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('V0,hf,fci,grid');
    expect(csv).toHaveLength(4);
    expect(readFileSync(join(dir, 'scan.svg'), 'utf8')).toMatch(/^<svg/);
  });

  it('without --out prints the CSV on stdout; malformed ranges exit 2', async () => {
    const code = await main(['exact', 'fermions', 'scan', '--A', '2', '--V0', '0,5', '--methods', 'fci', '--basis', '8']);
    expect(code).toBe(0);
    expect(io.out.split('\n')[0]).toBe('V0,fci');
    for (const bad of ['-20:20', '1:0:1', '0:1:0', 'a:b:c', '1,,2']) {
      io.err = '';
      expect(await main(['exact', 'fermions', 'scan', '--A', '2', '--V0', bad])).toBe(2);
      expect(io.err).toMatch(/malformed/);
    }
    expect(parseRange('V0', '-20:20:1')).toHaveLength(41);
    expect(parseRange('V0', '-1:1:0.5')).toEqual([-1, -0.5, 0, 0.5, 1]);
  });
});
