import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../main.js';
import { captureCli } from './cli-harness.js';

const { io, run } = captureCli();

const tiny = ['--mesh', 'tan:24:1', '--hidden', '8', '--pretrain-epochs', '20', '--quiet'];

describe('nqs deuteron', () => {
  it('trains a small network and reports the JSON keys; the energy is variational', async () => {
    const { code, json } = await run(['deuteron', ...tiny, '--epochs', '30', '--json']);
    expect(code).toBe(0);
    for (const key of ['energyMeV', 'exactEnergyMeV', 'relativeError', 'fidelityS', 'fidelityD', 'pDPercent', 'epochs', 'seconds', 'backend']) expect(json).toHaveProperty(key);
    const e = json!.energyMeV as number, ex = json!.exactEnergyMeV as number;
    expect(e).toBeGreaterThanOrEqual(ex - 1e-9);
    expect(json!.relativeError as number).toBeCloseTo((e - ex) / Math.abs(ex), 12);
    expect(json!.fidelityS as number).toBeLessThanOrEqual(1);
    expect(json!.fidelityS as number).toBeGreaterThan(0.9);
    expect(json!.epochs).toBeLessThanOrEqual(30);
    expect(json!.backend).toBe('wasm');
    expect(io.err).toMatch(/deuteron NN \(1sc, N = 8/);
  });

  it('--out writes the history, the wavefunctions and the plots', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'nqs-deut-')), 'run');
    const { code } = await run(['deuteron', ...tiny, '--epochs', '10', '--optimizer', 'adam', '--out', dir]);
    expect(code).toBe(0);
    for (const f of ['history.csv', 'psi.csv', 'result.json', 'psi.svg', 'convergence.svg']) expect(existsSync(join(dir, f)), f).toBe(true);
    const hist = readFileSync(join(dir, 'history.csv'), 'utf8').trim().split('\n');
    expect(hist[0]).toBe('phase,epoch,seconds,loss,energyMeV,relativeError,infidelityS,infidelityD,pD');
    expect(hist.some((l) => l.startsWith('energy,'))).toBe(true);
    expect(readFileSync(join(dir, 'psi.svg'), 'utf8')).toMatch(/^<svg/);
  });

  it('scan reports mean and spread per architecture and hidden size', async () => {
    const { code, json } = await run(['deuteron', 'scan', '--arch', '1sc,1sd', '--hidden', '4,8', '--runs', '2', '--mesh', 'tan:16:1', '--epochs', '5', '--pretrain-epochs', '5', '--quiet', '--json']);
    expect(code).toBe(0);
    const pts = json!.points as Record<string, number | string>[];
    expect(pts.map((p) => `${p.arch}/${p.hidden}`)).toEqual(['1sc/4', '1sc/8', '1sd/4', '1sd/8']);
    for (const p of pts) {
      expect(p.runs).toBe(2);
      expect(p.energyStdMeV as number).toBeGreaterThanOrEqual(0);
      expect(p.energyMeanMeV as number).toBeGreaterThan((json!.exactEnergyMeV as number) - 1e-9);
    }
    expect(pts[0]!.parameters).toBe(16);
  });

  it('bad input: one line and exit code 2', async () => {
    const cases: string[][] = [
      ['deuteron', '--arch', '3sc'],
      ['deuteron', '--activation', 'gelu'],
      ['deuteron', '--optimizer', 'newton'],
      ['deuteron', '--init', 'glorot'],
      ['deuteron', '--hidden', '0'],
      ['deuteron', '--hidden', '-4'],
      ['deuteron', '--arch', '2sd', '--hidden', '10'],
      ['deuteron', '--epochs', '-1'],
      ['deuteron', '--out', '/nonexistent-parent-dir/x'],
      ['deuteron', 'scan', '--arch', '1sc,4xx'],
    ];
    for (const c of cases) {
      io.err = '';
      const code = await main(c);
      expect(code, c.join(' ')).toBe(2);
      expect(io.err.trim().split('\n').length, c.join(' ')).toBe(1);
    }
  });
});
