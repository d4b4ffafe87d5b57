/**
 * Tabulated partial-wave potentials: read matrix elements produced by other codes, and write any
 * potential on a mesh.
 *
 * Text format (whitespace- or comma-separated; `#` starts a comment):
 *
 *   # units: MeV fm3          (optional; or `MeV-2`; default MeV fm3)
 *   kp k 1S0 3S1 3D1 3S1-3D1 3D1-3S1    (header: 'kp', 'k', then channel names)
 *   0.1 0.1 -1.2e0 ...                 (one row per (k', k), momenta in fm⁻¹)
 *
 * The rows must cover a rectangular grid (every k' with every k, any order). Between grid points
 * the value is a tensor product of cubic splines (end slopes from 4-point fits) in k' and k; beyond the largest
 * momentum it is 0 (the table must cover the support of the regulated potential) and below the
 * smallest it is held constant. If only one of a coupled pair (e.g. '3S1-3D1') is given, the
 * other follows from hermiticity: V_{DS}(k', k) = V_{SD}(k, k').
 */
import { HBARC } from '../units.js';
import { PotentialInputError, parseChannel, channelName } from '../nn/channels.js';
import { type PartialWavePotential, checkChannel, checkMomenta } from '../nn/potential.js';

/** Derivative at x[at] of the Lagrange polynomial through the points idx. */
function lagrangeDerivative(x: ArrayLike<number>, y: ArrayLike<number>, idx: number[], at: number): number {
  const t = x[at]!;
  let d = 0;
  for (const i of idx) {
    // d/dt of the i-th basis polynomial at t
    let sum = 0;
    for (const m of idx) {
      if (m === i) continue;
      let prod = 1 / (x[i]! - x[m]!);
      for (const l of idx) if (l !== i && l !== m) prod *= (t - x[l]!) / (x[i]! - x[l]!);
      sum += prod;
    }
    d += y[i]! * sum;
  }
  return d;
}

/**
 * Cubic spline second derivatives for nodes x (ascending) and values y, clamped with end slopes
 * from the cubic through the 4 end points (close to not-a-knot accuracy, unlike natural ends).
 */
function splineM(x: ArrayLike<number>, y: ArrayLike<number>): Float64Array {
  const n = x.length;
  const m = new Float64Array(n);
  if (n < 3) return m;
  const q = Math.min(4, n);
  const d0 = lagrangeDerivative(x, y, Array.from({ length: q }, (_, i) => i), 0);
  const dn = lagrangeDerivative(x, y, Array.from({ length: q }, (_, i) => n - q + i), n - 1);
  // tridiagonal system a_i M_{i−1} + b_i M_i + c_i M_{i+1} = r_i (Thomas algorithm)
  const a = new Float64Array(n);
  const b = new Float64Array(n);
  const c = new Float64Array(n);
  const r = new Float64Array(n);
  const h0 = x[1]! - x[0]!;
  b[0] = h0 / 3;
  c[0] = h0 / 6;
  r[0] = (y[1]! - y[0]!) / h0 - d0;
  for (let i = 1; i < n - 1; i++) {
    const hl = x[i]! - x[i - 1]!;
    const hr = x[i + 1]! - x[i]!;
    a[i] = hl / 6;
    b[i] = (hl + hr) / 3;
    c[i] = hr / 6;
    r[i] = (y[i + 1]! - y[i]!) / hr - (y[i]! - y[i - 1]!) / hl;
  }
  const hn = x[n - 1]! - x[n - 2]!;
  a[n - 1] = hn / 6;
  b[n - 1] = hn / 3;
  r[n - 1] = dn - (y[n - 1]! - y[n - 2]!) / hn;
  for (let i = 1; i < n; i++) {
    const f = a[i]! / b[i - 1]!;
    b[i] -= f * c[i - 1]!;
    r[i] -= f * r[i - 1]!;
  }
  m[n - 1] = r[n - 1]! / b[n - 1]!;
  for (let i = n - 2; i >= 0; i--) m[i] = (r[i]! - c[i]! * m[i + 1]!) / b[i]!;
  return m;
}

function splineEval(x: ArrayLike<number>, y: ArrayLike<number>, m: ArrayLike<number>, t: number): number {
  const n = x.length;
  if (n === 1) return y[0]!;
  let lo = 0;
  let hi = n - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (x[mid]! > t) hi = mid;
    else lo = mid;
  }
  const h = x[hi]! - x[lo]!;
  const a = (x[hi]! - t) / h;
  const b = (t - x[lo]!) / h;
  return a * y[lo]! + b * y[hi]! + (((a * a * a - a) * m[lo]! + (b * b * b - b) * m[hi]!) * h * h) / 6;
}

/** A grid-tabulated channel with 2D spline interpolation; values in MeV fm³. */
class GridChannel {
  /** spline coefficients along k for each k' row */
  private readonly rowM: Float64Array[];
  constructor(
    readonly kp: Float64Array,
    readonly k: Float64Array,
    /** values[i * k.length + j] = V(kp[i], k[j]) */
    readonly values: Float64Array,
  ) {
    this.rowM = [];
    for (let i = 0; i < kp.length; i++) this.rowM.push(splineM(k, values.subarray(i * k.length, (i + 1) * k.length)));
  }
  at(kp: number, k: number): number {
    const nk = this.k.length;
    const np = this.kp.length;
    if (kp > this.kp[np - 1]! || k > this.k[nk - 1]!) return 0;
    const x = Math.max(kp, this.kp[0]!);
    const y = Math.max(k, this.k[0]!);
    const ix = exactIndex(this.kp, x);
    const iy = exactIndex(this.k, y);
    if (ix >= 0 && iy >= 0) return this.values[ix * nk + iy]!;
    const col = new Float64Array(np);
    for (let i = 0; i < np; i++) {
      const row = this.values.subarray(i * nk, (i + 1) * nk);
      col[i] = iy >= 0 ? row[iy]! : splineEval(this.k, row, this.rowM[i]!, y);
    }
    if (ix >= 0) return col[ix]!;
    return splineEval(this.kp, col, splineM(this.kp, col), x);
  }
}

function exactIndex(x: Float64Array, t: number): number {
  let lo = 0;
  let hi = x.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (x[mid] === t) return mid;
    if (x[mid]! < t) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/**
 * Parse a potential table (file TEXT; reading the file is the caller's job).
 * @param text the table, format in the module docs
 * @param name potential name to report (e.g. 'table:FILE')
 * @throws PotentialInputError on a malformed table, naming the line and the problem
 */
export function parsePotentialTable(text: string, name = 'table'): PartialWavePotential {
  const lines = text.split(/\r?\n/);
  let unitFactor = 1;
  let header: string[] | undefined;
  const rows: number[][] = [];
  for (let li = 0; li < lines.length; li++) {
    const raw = lines[li]!;
    const hash = raw.indexOf('#');
    if (hash >= 0) {
      const comment = raw.slice(hash + 1).trim();
      const um = /^units\s*[:=]\s*(.+)$/i.exec(comment);
      if (um) {
        const u = um[1]!.replace(/\s+/g, '').toLowerCase();
        if (u === 'mevfm3' || u === 'mevfm^3') unitFactor = 1;
        else if (u === 'mev-2' || u === 'mev^-2') unitFactor = HBARC ** 3;
        else throw new PotentialInputError(`${name}: line ${li + 1}: unknown units '${um[1]}' (allowed: MeV fm3, MeV-2)`);
      }
    }
    const body = (hash >= 0 ? raw.slice(0, hash) : raw).trim();
    if (body === '') continue;
    const cells = body.split(/[\s,]+/).filter((c) => c.length > 0);
    if (!header) {
      if (cells.length < 3 || cells[0]!.toLowerCase() !== 'kp' || cells[1]!.toLowerCase() !== 'k') {
        throw new PotentialInputError(`${name}: line ${li + 1}: expected a header 'kp k CHANNEL...' (e.g. 'kp k 3S1 3D1 3S1-3D1 3D1-3S1')`);
      }
      header = cells.slice(2);
      for (const c of header) {
        try {
          parseChannel(c);
        } catch (e) {
          throw new PotentialInputError(`${name}: line ${li + 1}: bad channel '${c}' in header: ${(e as Error).message}`);
        }
      }
      if (new Set(header).size !== header.length) throw new PotentialInputError(`${name}: line ${li + 1}: duplicate channel in header`);
      continue;
    }
    if (cells.length !== header.length + 2) {
      throw new PotentialInputError(`${name}: line ${li + 1}: expected ${header.length + 2} columns, got ${cells.length}`);
    }
    const nums = cells.map((c) => Number(c));
    const bad = nums.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw new PotentialInputError(`${name}: line ${li + 1}: '${cells[bad]}' is not a number`);
    if (nums[0]! < 0 || nums[1]! < 0) throw new PotentialInputError(`${name}: line ${li + 1}: momenta must be ≥ 0`);
    rows.push(nums);
  }
  if (!header) throw new PotentialInputError(`${name}: empty table (no header 'kp k CHANNEL...')`);
  if (rows.length === 0) throw new PotentialInputError(`${name}: table has a header but no rows`);
  const kps = [...new Set(rows.map((r) => r[0]!))].sort((a, b) => a - b);
  const ks = [...new Set(rows.map((r) => r[1]!))].sort((a, b) => a - b);
  if (rows.length !== kps.length * ks.length) {
    throw new PotentialInputError(
      `${name}: rows do not form a rectangular grid (${rows.length} rows for ${kps.length} distinct kp × ${ks.length} distinct k)`,
    );
  }
  const kpIdx = new Map(kps.map((v, i) => [v, i]));
  const kIdx = new Map(ks.map((v, i) => [v, i]));
  const data = header.map(() => new Float64Array(kps.length * ks.length).fill(Number.NaN));
  for (const r of rows) {
    const i = kpIdx.get(r[0]!)!;
    const j = kIdx.get(r[1]!)!;
    for (let c = 0; c < header.length; c++) {
      if (!Number.isNaN(data[c]![i * ks.length + j]!)) throw new PotentialInputError(`${name}: duplicate row for kp=${r[0]}, k=${r[1]}`);
      data[c]![i * ks.length + j] = r[c + 2]! * unitFactor;
    }
  }
  const kpA = Float64Array.from(kps);
  const kA = Float64Array.from(ks);
  const grids = new Map<string, GridChannel>();
  header.forEach((c, ci) => grids.set(c, new GridChannel(kpA, kA, data[ci]!)));
  // hermitian partners of coupled elements that are missing
  const transposed = new Map<string, string>();
  for (const c of header) {
    const s = parseChannel(c);
    if (s.L === s.Lp) continue;
    const partner = channelName({ ...s, Lp: s.L, L: s.Lp });
    if (!grids.has(partner)) transposed.set(partner, c);
  }
  const channels = [...header, ...transposed.keys()];
  return {
    name,
    description: `tabulated potential (${kps.length}×${ks.length} grid, k ≤ ${Math.max(kps[kps.length - 1]!, ks[ks.length - 1]!)} fm⁻¹; channels ${channels.join(', ')})`,
    channels,
    value(channel, kp, k) {
      checkChannel(this, channel);
      checkMomenta(kp, k);
      const g = grids.get(channel);
      if (g) return g.at(kp, k);
      return grids.get(transposed.get(channel)!)!.at(k, kp);
    },
  };
}

/**
 * Tabulate `pot` on the grid kp × k (fm⁻¹) in the format read by {@link parsePotentialTable}
 * (values in MeV fm³, 17 significant digits so a round trip is exact on the grid).
 */
export function writePotentialTable(
  pot: PartialWavePotential,
  kp: ArrayLike<number>,
  k: ArrayLike<number> = kp,
  channels: readonly string[] = ['3S1', '3D1', '3S1-3D1', '3D1-3S1'],
): string {
  for (const c of channels) checkChannel(pot, c);
  const out: string[] = [
    `# ${pot.name}: ${pot.description}`,
    '# units: MeV fm3',
    `kp k ${channels.join(' ')}`,
  ];
  for (let i = 0; i < kp.length; i++) {
    for (let j = 0; j < k.length; j++) {
      const vals = channels.map((c) => pot.value(c, kp[i]!, k[j]!).toPrecision(17));
      out.push(`${kp[i]!.toPrecision(17)} ${k[j]!.toPrecision(17)} ${vals.join(' ')}`);
    }
  }
  return out.join('\n') + '\n';
}
