import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tanMesh } from '@nqs/quadrature';
import { lo500, writePotentialTable } from '@nqs/hamiltonians';
import { captureCli } from './cli-harness.js';

const { io, run } = captureCli();

describe('nqs exact deuteron', () => {
  it('Yamaguchi on paper64 gives −2.2245750 MeV', async () => {
    const { code, json } = await run(['exact', 'deuteron', '--potential', 'yamaguchi', '--mesh', 'paper64', '--json']);
    expect(code).toBe(0);
    expect(Object.keys(json!)).toEqual(expect.arrayContaining(['energyMeV', 'pDPercent', 'kineticMeV', 'potentialMeV', 'meshPoints']));
    expect(Math.abs((json!.energyMeV as number) + 2.224575)).toBeLessThan(5e-8);
    expect(json!.meshPoints).toBe(64);
    expect(json!.pDPercent).toBe(0);
    expect(io.err).toMatch(/E = -2\.224575 MeV/);
  });
  it('LO500 on paper64 gives −2.22427 MeV and writes ψ with --out', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nqs-deut-'));
    const outDir = join(dir, 'res');
    const { code, json } = await run(['exact', 'deuteron', '--potential', 'lo500', '--mesh', 'paper64', '--out', outDir, '--json']);
    expect(code).toBe(0);
    expect(Math.abs((json!.energyMeV as number) + 2.22427)).toBeLessThan(5e-6);
    expect(Math.abs((json!.pDPercent as number) - 7.288)).toBeLessThan(2e-3);
    const csv = readFileSync(join(outDir, 'psi.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('k_fm-1,weight_fm-1,psiS,psiD');
    expect(csv.length).toBe(65);
    expect(readFileSync(join(outDir, 'psi.svg'), 'utf8')).toMatch(/^<svg/);
    expect(existsSync(join(outDir, 'result.json'))).toBe(true);
  });
  it('table:FILE round trip reproduces the direct energy', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nqs-tab-'));
    const file = join(dir, 'lo500.txt');
    writeFileSync(file, writePotentialTable(lo500(), tanMesh(24, 1).points));
    const a = await run(['exact', 'deuteron', '--potential', 'lo500', '--mesh', 'tan:24:1', '--json']);
    io.out = '';
    const b = await run(['exact', 'deuteron', '--potential', `table:${file}`, '--mesh', 'tan:24:1', '--json']);
    expect(b.code).toBe(0);
    expect(Math.abs((a.json!.energyMeV as number) - (b.json!.energyMeV as number))).toBeLessThan(1e-12);
  });
  const errors: [string[], RegExp][] = [
    [['--potential', 'av18'], /unknown potential 'av18' \(allowed: yamaguchi, malfliet-tjon, lo500, table:FILE/],
    [['--mesh', 'tan:1:1'], /N must be an integer ≥ 2/],
    [['--mesh', 'tan:10:0'], /C must be > 0/],
    [['--mesh', 'cheb:10'], /unknown mesh/],
    [['--potential', 'table:/nonexistent/file.txt'], /cannot read/],
  ];
  for (const [flags, re] of errors) {
    it(`${flags.join(' ')} → one line, exit 2`, async () => {
      const { code } = await run(['exact', 'deuteron', ...flags, '--json']);
      expect(code).toBe(2);
      expect(io.out).toBe('');
      expect(io.err.trim().split('\n')).toHaveLength(1);
      expect(io.err).toMatch(re);
    });
  }
  it('malformed table file → exit 2 naming the line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nqs-tab-'));
    const file = join(dir, 'bad.txt');
    writeFileSync(file, 'kp k 3S1\n0 0 1\n0 1 x\n');
    const { code } = await run(['exact', 'deuteron', '--potential', `table:${file}`]);
    expect(code).toBe(2);
    expect(io.err).toMatch(/line 3: 'x' is not a number/);
  });
});

describe('nqs potential', () => {
  it('LO500 ⟨3S1|V|3D1⟩(0.5, 1.0) matches REFERENCE.md', async () => {
    const { code, json } = await run(['potential', '--potential', 'lo500', '--channel', '3S1-3D1', '--kp', '0.5', '--k', '1.0', '--json']);
    expect(code).toBe(0);
    expect(Math.abs((json!.valueMeVm2 as number) / -3.522036e-6 - 1)).toBeLessThan(1e-6);
    expect(Math.abs((json!.valueMeVfm3 as number) / ((json!.valueMeVm2 as number) * 197.32968 ** 3) - 1)).toBeLessThan(1e-14);
  });
  it('3D1-3S1 is the reverse element', async () => {
    const { json } = await run(['potential', '--potential', 'lo500', '--channel', '3D1-3S1', '--kp', '0.5', '--k', '1.0', '--json']);
    expect(Math.abs((json!.valueMeVm2 as number) / -4.025402e-7 - 1)).toBeLessThan(1e-6);
  });
  const errors: [string[], RegExp][] = [
    [['--potential', 'nope', '--kp', '1', '--k', '1'], /unknown potential 'nope'/],
    [['--channel', '3Z9', '--kp', '1', '--k', '1'], /channel '3Z9'/],
    [['--potential', 'yamaguchi', '--channel', '1S0', '--kp', '1', '--k', '1'], /not provided \(allowed: 3S1/],
    [['--kp', 'abc', '--k', '1'], /--kp: 'abc' is not a number/],
    [['--kp', '1'], /--k: missing/],
    [['--kp', '-1', '--k', '1'], /below the minimum 0/],
  ];
  for (const [flags, re] of errors) {
    it(`${flags.join(' ')} → one line, exit 2`, async () => {
      const { code } = await run(['potential', ...flags, '--json']);
      expect(code).toBe(2);
      expect(io.out).toBe('');
      expect(io.err.trim().split('\n')).toHaveLength(1);
      expect(io.err).toMatch(re);
    });
  }
});
