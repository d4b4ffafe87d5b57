/**
 * Dependency-free SVG plotting for nqs: line/scatter plots with optional error bars, log axes
 * and reference lines, and heat maps. Output is a standalone SVG string.
 */

/** One data set of {@link linePlot}; `x`, `y` (and `yErr`) have equal lengths. */
export interface Series {
  label: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  /** Symmetric error bars (same length as y). */
  yErr?: ArrayLike<number>;
  /** 'line' (default), 'points' or 'both'. */
  style?: 'line' | 'points' | 'both';
  color?: string;
  dashed?: boolean;
}

/** A horizontal dashed reference line at `y` (e.g. an exact energy). */
export interface HLine {
  y: number;
  label?: string;
  color?: string;
}

/** Options of {@link linePlot}; `width`/`height` in px (default 640 × 420). */
export interface LinePlotOptions {
  title?: string;
  xLabel?: string;
  yLabel?: string;
  logX?: boolean;
  logY?: boolean;
  width?: number;
  height?: number;
  hLines?: HLine[];
  /** Clip the y range (useful when early epochs dwarf the converged part). */
  yMin?: number;
  yMax?: number;
  xMin?: number;
  xMax?: number;
}

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#7f7f7f', '#bcbd22'];

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function fmtTick(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e4 || a < 1e-3) return v.toExponential(1).replace('e+', 'e');
  return Number(v.toPrecision(4)).toString();
}

function niceTicks(lo: number, hi: number, n = 5): number[] {
  if (!(hi > lo)) return [lo];
  const span = hi - lo;
  const raw = span / n;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const steps = [1, 2, 2.5, 5, 10];
  const step = steps.map((s) => s * mag).find((s) => span / s <= n) ?? 10 * mag;
  const ticks: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + 1e-9 * span; t += step) ticks.push(Math.abs(t) < 1e-12 * span ? 0 : t);
  return ticks;
}

function logTicks(lo: number, hi: number): number[] {
  const ticks: number[] = [];
  for (let e = Math.floor(lo); e <= Math.ceil(hi); e++) if (e >= lo - 1e-9 && e <= hi + 1e-9) ticks.push(e);
  if (ticks.length > 8) {
    const stride = Math.ceil(ticks.length / 8);
    return ticks.filter((_, i) => i % stride === 0);
  }
  return ticks;
}

interface Axis {
  lo: number;
  hi: number;
  log: boolean;
}

function makeAxis(values: number[], log: boolean, fixedLo?: number, fixedHi?: number): Axis {
  let vals = values.filter((v) => Number.isFinite(v) && (!log || v > 0));
  if (log) vals = vals.map((v) => Math.log10(v));
  let lo = vals.length ? Math.min(...vals) : 0;
  let hi = vals.length ? Math.max(...vals) : 1;
  if (fixedLo !== undefined) lo = log ? Math.log10(fixedLo) : fixedLo;
  if (fixedHi !== undefined) hi = log ? Math.log10(fixedHi) : fixedHi;
  if (hi === lo) {
    const d = Math.abs(lo) > 0 ? Math.abs(lo) * 0.05 : 1;
    lo -= d;
    hi += d;
  } else if (!log) {
    const pad = (hi - lo) * 0.04;
    if (fixedLo === undefined) lo -= pad;
    if (fixedHi === undefined) hi += pad;
  }
  return { lo, hi, log };
}

function minMaxFinite(a: ArrayLike<number>): number[] {
  const out: number[] = [];
  for (let i = 0; i < a.length; i++) if (Number.isFinite(a[i]!)) out.push(a[i]!);
  return out;
}

/** A line/scatter plot as an SVG document. Non-finite points (and ≤ 0 on log axes) are skipped. */
export function linePlot(series: readonly Series[], opts: LinePlotOptions = {}): string {
  const W = opts.width ?? 640;
  const H = opts.height ?? 420;
  const m = { l: 78, r: 16, t: opts.title ? 34 : 14, b: 50 };
  const pw = W - m.l - m.r;
  const ph = H - m.t - m.b;
  const xs: number[] = [];
  const ys: number[] = [];
  for (const s of series) {
    xs.push(...minMaxFinite(s.x));
    for (let i = 0; i < s.y.length; i++) {
      const y = s.y[i]!;
      const e = s.yErr?.[i] ?? 0;
      if (Number.isFinite(y)) {
        ys.push(y);
        if (e > 0) ys.push(y - e, y + e);
      }
    }
  }
  for (const h of opts.hLines ?? []) ys.push(h.y);
  const ax = makeAxis(xs, !!opts.logX, opts.xMin, opts.xMax);
  const ay = makeAxis(ys, !!opts.logY, opts.yMin, opts.yMax);
  const tx = (v: number) => m.l + ((ax.log ? Math.log10(v) : v) - ax.lo) / (ax.hi - ax.lo) * pw;
  const ty = (v: number) => m.t + ph - ((ay.log ? Math.log10(v) : v) - ay.lo) / (ay.hi - ay.lo) * ph;
  const okX = (v: number) => Number.isFinite(v) && (!ax.log || v > 0);
  const okY = (v: number) => Number.isFinite(v) && (!ay.log || v > 0);
  const inY = (py: number) => py >= m.t - 0.5 && py <= m.t + ph + 0.5;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="Helvetica, Arial, sans-serif" font-size="12">`);
  parts.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  parts.push(`<defs><clipPath id="plotarea"><rect x="${m.l}" y="${m.t}" width="${pw}" height="${ph}"/></clipPath></defs>`);
  if (opts.title) parts.push(`<text x="${W / 2}" y="20" text-anchor="middle" font-size="14">${esc(opts.title)}</text>`);
  // ticks and grid
  const xt = ax.log ? logTicks(ax.lo, ax.hi) : niceTicks(ax.lo, ax.hi);
  const yt = ay.log ? logTicks(ay.lo, ay.hi) : niceTicks(ay.lo, ay.hi);
  for (const t of xt) {
    const px = m.l + (t - ax.lo) / (ax.hi - ax.lo) * pw;
    parts.push(`<line x1="${px.toFixed(1)}" y1="${m.t}" x2="${px.toFixed(1)}" y2="${m.t + ph}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${px.toFixed(1)}" y="${m.t + ph + 16}" text-anchor="middle">${esc(ax.log ? `1e${t}` : fmtTick(t))}</text>`);
  }
  for (const t of yt) {
    const py = m.t + ph - (t - ay.lo) / (ay.hi - ay.lo) * ph;
    parts.push(`<line x1="${m.l}" y1="${py.toFixed(1)}" x2="${m.l + pw}" y2="${py.toFixed(1)}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${m.l - 6}" y="${(py + 4).toFixed(1)}" text-anchor="end">${esc(ay.log ? `1e${t}` : fmtTick(t))}</text>`);
  }
  parts.push(`<rect x="${m.l}" y="${m.t}" width="${pw}" height="${ph}" fill="none" stroke="#333"/>`);
  if (opts.xLabel) parts.push(`<text x="${m.l + pw / 2}" y="${H - 12}" text-anchor="middle">${esc(opts.xLabel)}</text>`);
  if (opts.yLabel) parts.push(`<text transform="translate(16,${m.t + ph / 2}) rotate(-90)" text-anchor="middle">${esc(opts.yLabel)}</text>`);
  parts.push(`<g clip-path="url(#plotarea)">`);
  for (const h of opts.hLines ?? []) {
    if (!okY(h.y)) continue;
    const py = ty(h.y);
    parts.push(`<line x1="${m.l}" y1="${py.toFixed(1)}" x2="${m.l + pw}" y2="${py.toFixed(1)}" stroke="${h.color ?? '#555'}" stroke-dasharray="6,4"/>`);
    if (h.label) parts.push(`<text x="${m.l + pw - 4}" y="${(py - 4).toFixed(1)}" text-anchor="end" fill="${h.color ?? '#555'}">${esc(h.label)}</text>`);
  }
  series.forEach((s, si) => {
    const color = s.color ?? PALETTE[si % PALETTE.length]!;
    const style = s.style ?? 'line';
    const n = Math.min(s.x.length, s.y.length);
    if (style !== 'points') {
      let d = '';
      let pen = false;
      for (let i = 0; i < n; i++) {
        const x = s.x[i]!;
        const y = s.y[i]!;
        if (!okX(x) || !okY(y)) {
          pen = false;
          continue;
        }
        d += `${pen ? 'L' : 'M'}${tx(x).toFixed(2)},${ty(y).toFixed(2)}`;
        pen = true;
      }
      if (d) parts.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="1.6"${s.dashed ? ' stroke-dasharray="5,3"' : ''}/>`);
    }
    for (let i = 0; i < n; i++) {
      const x = s.x[i]!;
      const y = s.y[i]!;
      if (!okX(x) || !okY(y)) continue;
      const px = tx(x);
      const e = s.yErr?.[i];
      if (e !== undefined && e > 0) {
        const lo = y - e;
        const y1 = okY(lo) ? ty(lo) : m.t + ph;
        const y2 = ty(y + e);
        parts.push(`<line x1="${px.toFixed(2)}" y1="${y1.toFixed(2)}" x2="${px.toFixed(2)}" y2="${y2.toFixed(2)}" stroke="${color}"/>`);
      }
      if (style !== 'line' && inY(ty(y))) parts.push(`<circle cx="${px.toFixed(2)}" cy="${ty(y).toFixed(2)}" r="3" fill="${color}"/>`);
    }
  });
  parts.push('</g>');
  // legend
  const labelled = series.filter((s) => s.label);
  if (labelled.length > 0) {
    const lw = Math.min(260, 24 + Math.max(...labelled.map((s) => s.label.length)) * 6.6);
    const lx = m.l + pw - lw - 6;
    const ly = m.t + 6;
    parts.push(`<rect x="${lx}" y="${ly}" width="${lw}" height="${labelled.length * 16 + 6}" fill="white" fill-opacity="0.85" stroke="#ccc"/>`);
    series.forEach((s, si) => {
      if (!s.label) return;
      const k = labelled.indexOf(s);
      const color = s.color ?? PALETTE[si % PALETTE.length]!;
      const yy = ly + 14 + k * 16;
      parts.push(`<line x1="${lx + 6}" y1="${yy - 4}" x2="${lx + 20}" y2="${yy - 4}" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5,3"' : ''}/>`);
      parts.push(`<text x="${lx + 24}" y="${yy}">${esc(s.label)}</text>`);
    });
  }
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}

/** Options of {@link heatmap}; `width`/`height` in px (default 520 × 480). */
export interface HeatmapOptions {
  title?: string;
  xLabel?: string;
  yLabel?: string;
  width?: number;
  height?: number;
  /** Symmetric diverging colour scale around 0 (default true). */
  diverging?: boolean;
  /** Clamp |value| at this for the colour scale (default: max |value|). */
  vMax?: number;
  /** Axis extents in physical units [min, max]. */
  xRange?: [number, number];
  yRange?: [number, number];
}

function divergingColor(t: number): string {
  // t in [-1, 1]: blue (negative) — white — red (positive)
  const c = Math.max(-1, Math.min(1, t));
  const r = c < 0 ? Math.round(255 * (1 + c)) : 255;
  const b = c > 0 ? Math.round(255 * (1 - c)) : 255;
  const g = Math.round(255 * (1 - Math.abs(c)));
  return `rgb(${r},${g},${b})`;
}

function sequentialColor(t: number): string {
  const c = Math.max(0, Math.min(1, t));
  // white -> dark blue
  return `rgb(${Math.round(255 - 230 * c)},${Math.round(255 - 190 * c)},${Math.round(255 - 90 * c)})`;
}

/**
 * A heat map of `values[row][col]` (row 0 drawn at the bottom, like y increasing upwards) as SVG.
 */
export function heatmap(values: readonly ArrayLike<number>[], opts: HeatmapOptions = {}): string {
  const W = opts.width ?? 520;
  const H = opts.height ?? 480;
  const m = { l: 64, r: 70, t: opts.title ? 34 : 14, b: 48 };
  const pw = W - m.l - m.r;
  const ph = H - m.t - m.b;
  const rows = values.length;
  const cols = rows > 0 ? values[0]!.length : 0;
  let vmax = opts.vMax ?? 0;
  let vmin = Infinity;
  if (opts.vMax === undefined) for (const r of values) for (let j = 0; j < r.length; j++) if (Number.isFinite(r[j]!)) vmax = Math.max(vmax, Math.abs(r[j]!));
  for (const r of values) for (let j = 0; j < r.length; j++) if (Number.isFinite(r[j]!)) vmin = Math.min(vmin, r[j]!);
  if (vmax === 0) vmax = 1;
  const diverging = opts.diverging ?? true;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="Helvetica, Arial, sans-serif" font-size="12">`);
  parts.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  if (opts.title) parts.push(`<text x="${W / 2}" y="20" text-anchor="middle" font-size="14">${esc(opts.title)}</text>`);
  const cw = pw / Math.max(1, cols);
  const ch = ph / Math.max(1, rows);
  for (let i = 0; i < rows; i++) {
    const r = values[i]!;
    for (let j = 0; j < cols; j++) {
      const v = r[j]!;
      const fill = !Number.isFinite(v) ? '#888' : diverging ? divergingColor(v / vmax) : sequentialColor((v - vmin) / (vmax - vmin || 1));
      parts.push(`<rect x="${(m.l + j * cw).toFixed(2)}" y="${(m.t + ph - (i + 1) * ch).toFixed(2)}" width="${(cw + 0.3).toFixed(2)}" height="${(ch + 0.3).toFixed(2)}" fill="${fill}"/>`);
    }
  }
  parts.push(`<rect x="${m.l}" y="${m.t}" width="${pw}" height="${ph}" fill="none" stroke="#333"/>`);
  const [x0, x1] = opts.xRange ?? [0, cols];
  const [y0, y1] = opts.yRange ?? [0, rows];
  for (const t of niceTicks(x0, x1)) {
    const px = m.l + ((t - x0) / (x1 - x0)) * pw;
    parts.push(`<text x="${px.toFixed(1)}" y="${m.t + ph + 16}" text-anchor="middle">${fmtTick(t)}</text>`);
  }
  for (const t of niceTicks(y0, y1)) {
    const py = m.t + ph - ((t - y0) / (y1 - y0)) * ph;
    parts.push(`<text x="${m.l - 6}" y="${(py + 4).toFixed(1)}" text-anchor="end">${fmtTick(t)}</text>`);
  }
  if (opts.xLabel) parts.push(`<text x="${m.l + pw / 2}" y="${H - 10}" text-anchor="middle">${esc(opts.xLabel)}</text>`);
  if (opts.yLabel) parts.push(`<text transform="translate(16,${m.t + ph / 2}) rotate(-90)" text-anchor="middle">${esc(opts.yLabel)}</text>`);
  // colour bar
  const bx = m.l + pw + 14;
  for (let k = 0; k < 50; k++) {
    const t = k / 49;
    const fill = diverging ? divergingColor(2 * t - 1) : sequentialColor(t);
    parts.push(`<rect x="${bx}" y="${(m.t + ph - (k + 1) * (ph / 50)).toFixed(2)}" width="14" height="${(ph / 50 + 0.3).toFixed(2)}" fill="${fill}"/>`);
  }
  const lo = diverging ? -vmax : vmin;
  parts.push(`<text x="${bx + 18}" y="${m.t + 10}" font-size="10">${fmtTick(vmax)}</text>`);
  parts.push(`<text x="${bx + 18}" y="${m.t + ph}" font-size="10">${fmtTick(lo)}</text>`);
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}
