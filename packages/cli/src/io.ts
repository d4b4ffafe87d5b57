import { existsSync, mkdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { UsageError } from './args.js';

/**
 * Validate `--out DIR` before any work starts: the parent must exist (we create only the last
 * level), and an existing path must be a directory. Returns the absolute path.
 */
export function prepareOutDir(out: string): string {
  const abs = resolve(out);
  const parent = dirname(abs);
  if (!existsSync(parent)) throw new UsageError(`--out: parent directory '${parent}' does not exist`);
  if (existsSync(abs) && !statSync(abs).isDirectory()) throw new UsageError(`--out: '${abs}' exists and is not a directory`);
  return abs;
}

/** Create the directory (validated by {@link prepareOutDir}) when results are ready. */
export function ensureDir(abs: string): void {
  mkdirSync(abs, { recursive: true });
}

/** Write a file atomically (temp file + rename) so that no half-written file is ever left. */
export function writeFileAtomic(path: string, content: string | Uint8Array): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, content);
  renameSync(tmp, path);
}

/** Write a set of named files into `dir` (created if missing), each atomically. */
export function writeOutputs(dir: string, files: Record<string, string>): string[] {
  ensureDir(dir);
  const written: string[] = [];
  for (const [name, content] of Object.entries(files)) {
    const p = join(dir, name);
    writeFileAtomic(p, content);
    written.push(p);
  }
  return written;
}

/** Rows of numbers/strings to CSV with a header. */
export function toCsv(header: readonly string[], rows: readonly (readonly (number | string)[])[]): string {
  const fmt = (v: number | string) => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toPrecision(12)) : v);
  return [header.join(','), ...rows.map((r) => r.map(fmt).join(','))].join('\n') + '\n';
}

/** Human-readable output goes to stderr, so stdout stays clean for `--json`. */
export function info(msg: string): void {
  process.stderr.write(msg + '\n');
}

/**
 * A progress bar on stderr. On a TTY it redraws one line; otherwise it prints a line at most
 * every `minIntervalMs` so logs of long runs stay readable.
 */
export class Progress {
  private last = 0;
  private readonly start = Date.now();
  private readonly tty = Boolean(process.stderr.isTTY);
  constructor(
    private readonly total: number,
    private readonly label: string,
    private readonly quiet = false,
    private readonly minIntervalMs = 2000,
  ) {}

  update(done: number, status = ''): void {
    if (this.quiet) return;
    const now = Date.now();
    const interval = this.tty ? 100 : this.minIntervalMs;
    if (done < this.total && now - this.last < interval) return;
    this.last = now;
    const frac = this.total > 0 ? Math.min(1, done / this.total) : 1;
    const width = 24;
    const filled = Math.round(frac * width);
    const elapsed = (now - this.start) / 1000;
    const eta = frac > 0 ? (elapsed * (1 - frac)) / frac : 0;
    const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
    const line = `${this.label} ${bar} ${done}/${this.total} ${elapsed.toFixed(1)}s eta ${eta.toFixed(1)}s ${status}`;
    if (this.tty) process.stderr.write(`\r${line.slice(0, (process.stderr.columns ?? 120) - 1)}\x1b[K`);
    else process.stderr.write(line + '\n');
  }

  done(): void {
    if (!this.quiet && this.tty) process.stderr.write('\n');
  }
}
