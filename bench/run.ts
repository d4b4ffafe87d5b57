/**
 * `pnpm bench` — runs the benchmarks that exist and writes bench/results/<date>-<backend>.{json,md}.
 *
 *   pnpm bench                      # everything available
 *   pnpm bench --only fermions,torch --A 6 --walkers 4096
 *   pnpm bench --quick              # A = 2 only, 1024 walkers, 3 epochs (a smoke run)
 *
 * Benchmarks (each runs in its own process, so backends and memory never mix; one that is not
 * available yet is skipped with the reason):
 *   fermions  `nqs bench fermions --A N --walkers W --workers K --json` (median seconds per epoch: 10
 *             Metropolis sweeps + local energies + gradient step), A = 2, 4, 6 × 1024, 4096 walkers ×
 *             1, 2 worker threads; also the
 *             nested-Laplacian variant when the command has a `--laplacian` flag.
 *   torch     the PyTorch reference of the same epoch (bench/reference/torch_fermions.py) when
 *             Debian's python3-torch is installed; one thread; OpenBLAS when libopenblas0-serial is.
 *   deuteron  bench/deuteron.ts (time to relative error 1e-4); it must print one JSON object as the
 *             last line of its stdout.
 * The backend is chosen once here (NQS_BACKEND, else webgpu → tensorflow → wasm → cpu) and passed
 * to every child as NQS_BACKEND so all rows use the same one. Not part of `pnpm test`.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const ROOT = join(BENCH_DIR, '..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');
const CLI = join(ROOT, 'packages', 'cli', 'src', 'bin.ts');
const BENCH_FERMIONS_SRC = join(ROOT, 'packages', 'cli', 'src', 'commands', 'bench-fermions.ts');
const DEUTERON = join(BENCH_DIR, 'deuteron.ts');
const TORCH_SCRIPT = join(BENCH_DIR, 'reference', 'torch_fermions.py');
const OPENBLAS_DIR = '/usr/lib/x86_64-linux-gnu/openblas-serial';

type Row = Record<string, unknown>;

interface BenchOutcome {
  name: string;
  status: 'ok' | 'skipped' | 'failed';
  /** Why it was skipped or failed. */
  reason?: string;
  notes: string[];
  rows: Row[];
  seconds: number;
}

interface Ctx {
  A: number[];
  walkers: number[];
  /** worker threads of the nqs rows (the torch reference runs one thread) */
  workers: number[];
  epochs: number;
  timeoutS: number;
  backend: string;
}

interface ChildResult {
  code: number | null;
  stdout: string;
  stderr: string;
  seconds: number;
  timedOut: boolean;
}

/** Run a child process; its stderr is echoed (indented) so progress stays visible. */
function runChild(cmd: string, args: string[], env: NodeJS.ProcessEnv, timeoutS: number): Promise<ChildResult> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGTERM');
    }, timeoutS * 1000);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      const s = d.toString();
      stderr += s;
      process.stderr.write(s.replace(/^(?=.)/gm, '    | '));
    });
    child.on('error', (e) => {
      stderr += String(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, seconds: (performance.now() - t0) / 1000, timedOut });
    });
  });
}

/** The last line of `text` that parses as a JSON object, or null. */
function lastJson(text: string): Row | null {
  const lines = text.trim().split('\n').reverse();
  for (const line of lines) {
    const t = line.trim();
    if (!t.startsWith('{')) continue;
    try {
      return JSON.parse(t) as Row;
    } catch {
      /* not JSON */
    }
  }
  return null;
}

function tail(text: string, n = 3): string {
  return text.trim().split('\n').slice(-n).join(' / ');
}

function childFailure(r: ChildResult): string {
  return r.timedOut ? `timed out after ${r.seconds.toFixed(0)} s` : `exit ${r.code}: ${tail(r.stderr) || 'no output'}`;
}

const load1 = () => Number(os.loadavg()[0]!.toFixed(2));

// ---------------------------------------------------------------------------------------------
// fermions: `nqs bench fermions`

async function benchFermions(ctx: Ctx, env: NodeJS.ProcessEnv): Promise<BenchOutcome> {
  const out: BenchOutcome = { name: 'fermions', status: 'ok', notes: [], rows: [], seconds: 0 };
  if (!existsSync(BENCH_FERMIONS_SRC)) {
    return { ...out, status: 'skipped', reason: `${relative(ROOT, BENCH_FERMIONS_SRC)} does not exist yet` };
  }
  const help = spawnSync(TSX, ['--conditions=source', CLI, 'bench', 'fermions', '--help'], { cwd: ROOT, env, encoding: 'utf8', timeout: 120_000 });
  if (help.status !== 0) {
    return { ...out, status: 'skipped', reason: `'nqs bench fermions' is not registered in the CLI yet (${tail(help.stderr ?? '', 1)})` };
  }
  const flags = new Set((help.stderr + help.stdout).match(/--[a-zA-Z][\w-]*/g) ?? []);
  const cases: { A: number; walkers: number; workers: number; laplacian?: string }[] = [];
  const workerList = flags.has('--workers') ? ctx.workers : [1];
  for (const A of ctx.A) for (const walkers of ctx.walkers) for (const workers of workerList) cases.push({ A, walkers, workers });
  if (flags.has('--laplacian') && /nested/.test(help.stderr + help.stdout)) {
    const A = Math.max(...ctx.A);
    cases.push({ A, walkers: Math.min(...ctx.walkers), workers: 1, laplacian: 'nested' });
  }
  const t0 = performance.now();
  for (const c of cases) {
    const args = ['--conditions=source', CLI, 'bench', 'fermions', '--A', String(c.A), '--walkers', String(c.walkers), '--json'];
    if (flags.has('--epochs')) args.push('--epochs', String(ctx.epochs));
    if (c.laplacian) args.push('--laplacian', c.laplacian);
    if (flags.has('--workers')) args.push('--workers', String(c.workers));
    process.stderr.write(`  nqs ${args.slice(2).join(' ')}\n`);
    const loadBefore = load1();
    const r = await runChild(TSX, args, env, ctx.timeoutS);
    const json = r.code === 0 ? lastJson(r.stdout) : null;
    if (!json) {
      out.status = 'failed';
      out.reason = `A=${c.A} walkers=${c.walkers}: ${r.code === 0 ? 'no JSON on stdout' : childFailure(r)}`;
      out.rows.push({ A: c.A, walkers: c.walkers, workers: c.workers, laplacian: c.laplacian ?? 'forward', error: out.reason });
      continue;
    }
    out.rows.push({ A: c.A, walkers: c.walkers, workers: c.workers, laplacian: c.laplacian ?? 'forward', ...json, wallSeconds: r.seconds, load1: loadBefore });
  }
  out.seconds = (performance.now() - t0) / 1000;
  return out;
}

// ---------------------------------------------------------------------------------------------
// torch: the PyTorch reference

function findTorchPython(): string | null {
  for (const py of ['/usr/bin/python3', 'python3']) {
    const r = spawnSync(py, ['-c', 'import torch'], { encoding: 'utf8', timeout: 60_000 });
    if (r.status === 0) return py;
  }
  return null;
}

async function benchTorch(ctx: Ctx): Promise<BenchOutcome> {
  const out: BenchOutcome = { name: 'torch', status: 'ok', notes: [], rows: [], seconds: 0 };
  const py = findTorchPython();
  if (!py) return { ...out, status: 'skipped', reason: 'python3 with torch not found (apt-get install python3-torch python3-numpy)' };
  const env = { ...process.env };
  if (!env.LD_LIBRARY_PATH && existsSync(join(OPENBLAS_DIR, 'libblas.so.3'))) env.LD_LIBRARY_PATH = OPENBLAS_DIR;
  const args = [TORCH_SCRIPT, '--A', ...ctx.A.map(String), '--walkers', ...ctx.walkers.map(String), '--epochs', String(ctx.epochs)];
  process.stderr.write(`  ${py} ${relative(ROOT, TORCH_SCRIPT)} ${args.slice(1).join(' ')}\n`);
  const r = await runChild(py, args, env, ctx.timeoutS * Math.max(1, ctx.A.length * ctx.walkers.length));
  const json = r.code === 0 ? lastJson(r.stdout) : null;
  out.seconds = r.seconds;
  if (!json) return { ...out, status: 'failed', reason: r.code === 0 ? 'no JSON on stdout' : childFailure(r) };
  const blas = (json.blas as string[] | undefined) ?? [];
  out.notes.push(
    `torch ${String(json.torch)}, ${String(json.threads)} thread, BLAS: ${blas.some((b) => b.includes('openblas')) ? 'OpenBLAS' : blas.length ? 'reference libblas (slow; install libopenblas0-serial)' : 'unknown'}`,
  );
  for (const row of (json.results as Row[]) ?? []) out.rows.push({ ...row, laplacian: row.laplacian ?? 'forward' });
  // the nested (reverse-over-reverse) Laplacian at the largest A, smallest walker count, as nqs does
  const nestedArgs = [TORCH_SCRIPT, '--A', String(Math.max(...ctx.A)), '--walkers', String(Math.min(...ctx.walkers)), '--epochs', String(ctx.epochs), '--laplacian', 'nested'];
  const rn = await runChild(py, nestedArgs, env, ctx.timeoutS);
  out.seconds += rn.seconds;
  const jn = rn.code === 0 ? lastJson(rn.stdout) : null;
  if (jn) for (const row of (jn.results as Row[]) ?? []) out.rows.push(row);
  else out.notes.push(`nested-Laplacian run failed: ${childFailure(rn)}`);
  return out;
}

// ---------------------------------------------------------------------------------------------
// deuteron: bench/deuteron.ts

async function benchDeuteron(ctx: Ctx, env: NodeJS.ProcessEnv): Promise<BenchOutcome> {
  const out: BenchOutcome = { name: 'deuteron', status: 'ok', notes: [], rows: [], seconds: 0 };
  if (!existsSync(DEUTERON)) return { ...out, status: 'skipped', reason: `${relative(ROOT, DEUTERON)} does not exist yet` };
  process.stderr.write(`  tsx ${relative(ROOT, DEUTERON)}\n`);
  const loadBefore = load1();
  const r = await runChild(TSX, ['--conditions=source', DEUTERON], env, ctx.timeoutS);
  out.seconds = r.seconds;
  const json = r.code === 0 ? lastJson(r.stdout) : null;
  if (!json) return { ...out, status: 'failed', reason: r.code === 0 ? 'no JSON object on the last line of stdout' : childFailure(r) };
  out.rows.push({ ...json, wallSeconds: r.seconds, load1: loadBefore });
  return out;
}

// ---------------------------------------------------------------------------------------------
// backend, machine, report

async function chooseBackend(): Promise<{ name: string; reason: string; skipped: { name: string; why: string }[] }> {
  try {
    const core = (await import('@nqs/autodiff-core')) as typeof import('@nqs/autodiff-core');
    interface WebGPUModule {
      registerWebGPU(): void;
      lastWebGPUProbe(): { reason: string } | null;
      releaseWebGPU(): void;
    }
    let webgpu: WebGPUModule | null = null;
    try {
      const mod = (await import(/* @vite-ignore */ '@nqs/backend-webgpu' as string)) as WebGPUModule;
      mod.registerWebGPU();
      webgpu = mod;
    } catch {
      /* optional package not installed */
    }
    const c = await core.initBackend();
    const why = webgpu?.lastWebGPUProbe()?.reason;
    const skipped = c.skipped.map((s) => (s.name === 'webgpu' && why ? { ...s, why } : s));
    if (c.name === 'webgpu') webgpu?.releaseWebGPU();
    return { name: c.name, reason: c.reason, skipped };
  } catch (e) {
    return { name: process.env.NQS_BACKEND || 'unknown', reason: `backend probe failed: ${(e as Error).message.split('\n')[0]}`, skipped: [] };
  }
}

function gitInfo(): { commit: string; dirty: boolean } | null {
  const rev = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' });
  if (rev.status !== 0) return null;
  const st = spawnSync('git', ['status', '--porcelain'], { cwd: ROOT, encoding: 'utf8' });
  return { commit: rev.stdout.trim(), dirty: (st.stdout ?? '').trim().length > 0 };
}

function machine() {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Number((os.totalmem() / 2 ** 30).toFixed(1)),
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
  };
}

const fmt = (v: unknown, digits = 3): string => {
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toPrecision(digits);
  if (v === undefined || v === null) return '–';
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
};

function mdTable(header: string[], rows: string[][]): string {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

function fermionTable(nqs: BenchOutcome | undefined, torch: BenchOutcome | undefined): string {
  const key = (r: Row) => `${fmt(r.A)}/${fmt(r.walkers)}/${fmt(r.laplacian)}`;
  const torchRows = new Map((torch?.rows ?? []).map((r) => [key(r), r]));
  const nqsRows = nqs?.rows ?? [];
  const cases: { k: string; n: Row }[] = nqsRows.map((n) => ({ k: key(n), n }));
  for (const k of torchRows.keys()) if (!cases.some((c) => c.k === k)) cases.push({ k, n: {} });
  const rows = cases.map(({ k, n }) => {
    const t = torchRows.get(k) ?? {};
    const [A, walkers, lap] = k.split('/');
    const ratio = (a: unknown, b: unknown) => (typeof a === 'number' && typeof b === 'number' ? (a / b).toFixed(2) : '–');
    return [
      A!, walkers!, fmt(n.workers ?? 1), lap!, fmt(n.epochSeconds), fmt(n.epochCpuSeconds), fmt(n.sweepSeconds), fmt(n.localEnergySeconds), fmt(n.stepSeconds),
      fmt(t.epochSeconds), fmt(t.epochCpuSeconds), ratio(n.epochSeconds, t.epochSeconds), ratio(n.epochCpuSeconds, t.epochCpuSeconds),
      fmt(n.load1, 2), n.error ? String(n.error) : '',
    ];
  });
  return [
    mdTable(['A', 'walkers', 'workers', 'Laplacian', 'nqs s', 'nqs CPU s', 'sweeps s', 'E_L s', 'step s', 'torch s', 'torch CPU s', 'nqs/torch', 'nqs/torch CPU', 'load', 'error'], rows),
    '',
    'Wall-clock medians; "CPU s" is the process CPU time per epoch, all threads (robust when other jobs share the cores; shown when the command reports `epochCpuSeconds`). nqs runs `workers` threads, torch one.',
  ].join('\n');
}

/** Scalar fields as one table; each field holding an array of objects as a table of its own. */
function genericTable(rows: Row[]): string {
  const isObjArray = (v: unknown): v is Row[] => Array.isArray(v) && v.every((x) => x !== null && typeof x === 'object' && !Array.isArray(x));
  const keys = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const scalar = keys.filter((k) => rows.every((r) => !isObjArray(r[k])));
  const parts = [mdTable(scalar, rows.map((r) => scalar.map((k) => fmt(r[k], 6))))];
  for (const k of keys.filter((k) => !scalar.includes(k))) {
    const sub = rows.flatMap((r) => (isObjArray(r[k]) ? r[k] : []));
    const subKeys = [...new Set(sub.flatMap((r) => Object.keys(r)))];
    parts.push('', `${k}:`, '', mdTable(subKeys, sub.map((r) => subKeys.map((sk) => fmt(r[sk], 6)))));
  }
  return parts.join('\n');
}

function report(meta: Record<string, unknown>, results: BenchOutcome[]): string {
  const m = meta.machine as ReturnType<typeof machine>;
  const b = meta.backend as Awaited<ReturnType<typeof chooseBackend>>;
  const lines = [
    `# nqs benchmarks — ${String(meta.date)}`,
    '',
    mdTable(
      ['CPU', 'cores', 'memory', 'Node', 'platform', 'backend', 'git'],
      [[m.cpu, String(m.cores), `${m.memoryGiB} GiB`, m.node, m.platform, `${b.name} (${b.reason})`, meta.git ? `${(meta.git as { commit: string }).commit}${(meta.git as { dirty: boolean }).dirty ? '+dirty' : ''}` : '–']],
    ),
    '',
  ];
  for (const s of b.skipped) lines.push(`- backend ${s.name} skipped: ${s.why}`);
  const la = meta.loadavg as { start: number[]; end: number[] };
  lines.push(`- load average (1/5/15 min) at start ${la.start.join(' / ')}, at end ${la.end.join(' / ')}${la.start[0]! > m.cores * 0.5 || la.end[0]! > m.cores * 0.5 ? ' — **the machine was busy: timings are noisy**' : ''}`, '');
  const byName = new Map(results.map((r) => [r.name, r]));
  const nqs = byName.get('fermions');
  const torch = byName.get('torch');
  if ((nqs && nqs.rows.length) || (torch && torch.rows.length)) {
    lines.push('## 1D fermions: seconds per epoch (10 sweeps + local energies + Adam step; median)', '', fermionTable(nqs, torch), '');
  }
  for (const r of results) {
    lines.push(`### ${r.name}: ${r.status}${r.reason ? ` — ${r.reason}` : ''}${r.status !== 'skipped' ? ` (${r.seconds.toFixed(1)} s)` : ''}`);
    for (const n of r.notes) lines.push(`- ${n}`);
    if (r.name === 'deuteron' && r.rows.length) lines.push('', genericTable(r.rows));
    lines.push('');
  }
  return lines.join('\n');
}

function resultPath(dir: string, date: string, backend: string): string {
  let base = join(dir, `${date}-${backend}`);
  for (let i = 2; existsSync(`${base}.json`); i++) base = join(dir, `${date}-${backend}-${i}`);
  return base;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      only: { type: 'string' },
      A: { type: 'string' },
      walkers: { type: 'string' },
      workers: { type: 'string' },
      epochs: { type: 'string' },
      timeout: { type: 'string' },
      quick: { type: 'boolean', default: false },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: false,
  });
  if (values.help) {
    process.stderr.write(
      'usage: pnpm bench [--only fermions,torch,deuteron] [--A 2,4,6] [--walkers 1024,4096] [--workers 1,2] [--epochs 5] [--timeout S] [--quick] [--out DIR]\n',
    );
    return 0;
  }
  const ints = (s: string | undefined, dflt: number[], name: string) => {
    if (!s) return dflt;
    const v = s.split(',').map((x) => Number(x.trim()));
    if (v.some((x) => !Number.isInteger(x) || x < 1)) throw new Error(`--${name} must be positive integers separated by commas, got '${s}'`);
    return v;
  };
  const ALL = ['fermions', 'torch', 'deuteron'];
  const only = values.only ? values.only.split(',').map((s) => s.trim()) : ALL;
  const unknown = only.filter((o) => !ALL.includes(o));
  if (unknown.length) throw new Error(`--only: unknown benchmark '${unknown[0]}' (allowed: ${ALL.join(', ')})`);
  const ctx: Ctx = {
    A: ints(values.A, values.quick ? [2] : [2, 4, 6], 'A'),
    walkers: ints(values.walkers, values.quick ? [1024] : [1024, 4096], 'walkers'),
    workers: ints(values.workers, values.quick ? [1] : [1, 2], 'workers'),
    epochs: ints(values.epochs, [values.quick ? 3 : 5], 'epochs')[0]!,
    timeoutS: ints(values.timeout, [600], 'timeout')[0]!,
    backend: '',
  };
  const outDir = values.out ?? join(BENCH_DIR, 'results');
  if (!existsSync(dirname(outDir))) throw new Error(`--out: parent folder of '${outDir}' does not exist`);
  mkdirSync(outDir, { recursive: true });

  const loadStart = os.loadavg().map((x) => Number(x.toFixed(2)));
  const backend = await chooseBackend();
  ctx.backend = backend.name;
  process.stderr.write(`bench: backend ${backend.name} (${backend.reason}); load ${loadStart.join(' ')}; ${os.cpus().length} cores\n`);
  const env: NodeJS.ProcessEnv = { ...process.env, NQS_BACKEND: backend.name === 'unknown' ? '' : backend.name };

  const results: BenchOutcome[] = [];
  for (const name of ALL.filter((n) => only.includes(n))) {
    process.stderr.write(`bench: ${name}\n`);
    const r = name === 'fermions' ? await benchFermions(ctx, env) : name === 'torch' ? await benchTorch(ctx) : await benchDeuteron(ctx, env);
    process.stderr.write(`bench: ${name} ${r.status}${r.reason ? ` — ${r.reason}` : ''}\n`);
    results.push(r);
  }
  const now = new Date();
  const meta = {
    date: now.toISOString(),
    machine: machine(),
    backend,
    git: gitInfo(),
    loadavg: { start: loadStart, end: os.loadavg().map((x) => Number(x.toFixed(2))) },
    settings: { A: ctx.A, walkers: ctx.walkers, workers: ctx.workers, epochs: ctx.epochs, timeoutS: ctx.timeoutS },
  };
  const base = resultPath(outDir, now.toISOString().slice(0, 10), backend.name);
  writeFileSync(`${base}.json`, JSON.stringify({ ...meta, benchmarks: results }, null, 2) + '\n');
  writeFileSync(`${base}.md`, report(meta, results));
  process.stderr.write(`bench: wrote ${relative(ROOT, base)}.json and .md\n`);
  return results.some((r) => r.status === 'failed') ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`bench: ${(e as Error).message}\n`);
    process.exitCode = 2;
  },
);
