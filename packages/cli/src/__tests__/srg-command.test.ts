import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { captureCli } from './cli-harness.js';

const { io, run } = captureCli();

describe('nqs srg', () => {
  it('1S0 (LO500): lowest eigenvalue invariant, keys lambda / lowestEigenvalueMeV / maxEigenvalueDrift', async () => {
    const { code, json } = await run(['srg', '--potential', 'lo500', '--channel', '1S0', '--lambda', '2', '--mesh', 'gl:16:0:5', '--json']);
    expect(code).toBe(0);
    expect(json!.lambda).toBe(2);
    expect(typeof json!.lowestEigenvalueMeV).toBe('number');
    expect(json!.deuteronEnergyMeV).toBeUndefined();
    expect(json!.maxEigenvalueDrift as number).toBeLessThan(1e-6);
  });
  it('3S1-3D1 (EM N3LO) with --out writes V_s CSVs and heat maps for several λ', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'nqs-srg-')), 'res');
    const { code, json } = await run([
      'srg', '--potential', 'n3lo', '--channel', '3S1-3D1', '--lambda', '1.5', '--mesh', 'gl:20:0:6',
      '--plot-lambdas', '3,2', '--out', dir, '--json',
    ]);
    expect(code).toBe(0);
    expect(json!.deuteronEnergyMeV as number).toBeLessThan(-2.1);
    expect(json!.maxEigenvalueDrift as number).toBeLessThan(1e-6);
    for (const tag of ['inf', '3', '2', '1p5']) {
      const csv = readFileSync(join(dir, `vsrg_3S1-3D1_lambda_${tag}.csv`), 'utf8').trim().split('\n');
      expect(csv[0]).toBe('k_fm-1,kp_fm-1,V_3S1_MeVfm3,V_3S1-3D1_MeVfm3,V_3D1-3S1_MeVfm3,V_3D1_MeVfm3');
      expect(csv.length).toBe(1 + 20 * 20);
      expect(readFileSync(join(dir, `vsrg_3S1-3D1_lambda_${tag}.svg`), 'utf8')).toMatch(/^<svg/);
    }
    expect(existsSync(join(dir, 'result.json'))).toBe(true);
  });
  it('rejects an unknown channel and a mesh with a huge k_max (exit 2)', async () => {
    expect((await run(['srg', '--channel', '3P0'])).code).toBe(2);
    expect(io.err).toMatch(/allowed: 1S0, 3S1-3D1/);
    expect((await run(['srg', '--mesh', 'tan:20:1'])).code).toBe(2);
    expect(io.err).toMatch(/too stiff/);
  });
});

describe('nqs exact deuteron: coordinate-space observables', () => {
  it('EM N3LO on tan:96:1 reports r_d, Q, A_S, η and writes u(r), w(r)', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'nqs-obs-')), 'res');
    const { code, json } = await run(['exact', 'deuteron', '--potential', 'n3lo', '--mesh', 'tan:96:1', '--out', dir, '--json']);
    expect(code).toBe(0);
    expect(Math.abs((json!.energyMeV as number) + 2.224575)).toBeLessThan(3e-6);
    expect(json!.rmsRadiusFm as number).toBeCloseTo(1.9744, 3);
    expect(json!.quadrupoleFm2 as number).toBeCloseTo(0.275, 3);
    expect(json!.asymptoticS as number).toBeCloseTo(0.8843, 3);
    expect(json!.asymptoticDS as number).toBeCloseTo(0.0256, 3);
    expect(readFileSync(join(dir, 'uw.csv'), 'utf8').split('\n')[0]).toBe('r_fm,u_fm-1/2,w_fm-1/2');
    expect(readFileSync(join(dir, 'uw.svg'), 'utf8')).toMatch(/^<svg/);
  });
});
