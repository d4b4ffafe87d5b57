/**
 * A small, strict command-line parser. Every flag is declared with a type; anything unknown,
 * malformed or out of range becomes a {@link UsageError} that names the flag, the value and
 * what is allowed. The CLI is the only place that turns strings into typed option objects.
 */

/** Bad user input: printed as one line, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export type FlagType = 'string' | 'number' | 'int' | 'boolean' | 'list' | 'numberList';

export interface FlagSpec {
  type: FlagType;
  /** One line for `--help`. */
  help: string;
  default?: unknown;
  /** Allowed values for string flags (checked case-sensitively). */
  choices?: readonly string[];
  /** Inclusive bounds for numbers. */
  min?: number;
  max?: number;
  /** Strict lower bound (value must be > this). */
  gt?: number;
}

export type FlagSpecs = Record<string, FlagSpec>;

export interface Parsed {
  flags: Record<string, unknown>;
  positionals: string[];
  /** Flags the user actually gave (not filled from defaults). */
  given: Set<string>;
}

function parseNumber(flag: string, raw: string, int: boolean): number {
  const v = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(v)) {
    throw new UsageError(`--${flag}: '${raw}' is not a number`);
  }
  if (int && !Number.isInteger(v)) throw new UsageError(`--${flag}: '${raw}' is not an integer`);
  return v;
}

function checkBounds(flag: string, v: number, spec: FlagSpec): void {
  if (spec.min !== undefined && v < spec.min) throw new UsageError(`--${flag}: ${v} is below the minimum ${spec.min}`);
  if (spec.max !== undefined && v > spec.max) throw new UsageError(`--${flag}: ${v} is above the maximum ${spec.max}`);
  if (spec.gt !== undefined && !(v > spec.gt)) throw new UsageError(`--${flag}: ${v} must be > ${spec.gt}`);
}

function convert(flag: string, raw: string, spec: FlagSpec): unknown {
  switch (spec.type) {
    case 'string':
      if (spec.choices && !spec.choices.includes(raw)) {
        throw new UsageError(`--${flag}: unknown value '${raw}' (allowed: ${spec.choices.join(', ')})`);
      }
      return raw;
    case 'number':
    case 'int': {
      const v = parseNumber(flag, raw, spec.type === 'int');
      checkBounds(flag, v, spec);
      return v;
    }
    case 'boolean':
      if (raw === 'true' || raw === '1') return true;
      if (raw === 'false' || raw === '0') return false;
      throw new UsageError(`--${flag}: '${raw}' is not a boolean (allowed: true, false)`);
    case 'list': {
      const items = raw.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
      if (items.length === 0) throw new UsageError(`--${flag}: empty list`);
      if (spec.choices) {
        for (const it of items) {
          if (!spec.choices.includes(it)) throw new UsageError(`--${flag}: unknown value '${it}' (allowed: ${spec.choices.join(', ')})`);
        }
      }
      return items;
    }
    case 'numberList': {
      const items = raw.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
      if (items.length === 0) throw new UsageError(`--${flag}: empty list`);
      return items.map((s) => {
        const v = parseNumber(flag, s, false);
        checkBounds(flag, v, spec);
        return v;
      });
    }
  }
}

/**
 * Parse `argv` (without the command words) against `specs`. `--flag value`, `--flag=value`
 * and bare boolean `--flag` are accepted; `--no-flag` sets a boolean to false.
 */
export function parseArgs(argv: readonly string[], specs: FlagSpecs): Parsed {
  const flags: Record<string, unknown> = {};
  const given = new Set<string>();
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--') || a === '--') {
      positionals.push(a);
      continue;
    }
    let name = a.slice(2);
    let raw: string | undefined;
    const eq = name.indexOf('=');
    if (eq >= 0) {
      raw = name.slice(eq + 1);
      name = name.slice(0, eq);
    }
    let spec = specs[name];
    if (!spec && name.startsWith('no-') && specs[name.slice(3)]?.type === 'boolean' && raw === undefined) {
      name = name.slice(3);
      flags[name] = false;
      given.add(name);
      continue;
    }
    if (!spec) {
      const known = Object.keys(specs).map((k) => `--${k}`).join(', ');
      throw new UsageError(`unknown flag --${name} (allowed: ${known})`);
    }
    if (raw === undefined) {
      if (spec.type === 'boolean') {
        const next = argv[i + 1];
        if (next === 'true' || next === 'false') {
          raw = next;
          i++;
        } else raw = 'true';
      } else {
        const next = argv[i + 1];
        if (next === undefined || (next.startsWith('--') && !/^--?\d/.test(next))) {
          throw new UsageError(`--${name}: missing value`);
        }
        raw = next;
        i++;
      }
    }
    flags[name] = convert(name, raw, spec);
    given.add(name);
  }
  for (const [k, spec] of Object.entries(specs)) {
    if (!(k in flags) && spec.default !== undefined) flags[k] = spec.default;
  }
  return { flags, positionals, given };
}

/** Render flag help lines for `--help`. */
export function formatHelp(usage: string, specs: FlagSpecs): string {
  const lines = [usage, ''];
  for (const [k, s] of Object.entries(specs)) {
    const def = s.default !== undefined ? ` (default: ${Array.isArray(s.default) ? s.default.join(',') : String(s.default)})` : '';
    const ch = s.choices ? ` [${s.choices.join('|')}]` : '';
    lines.push(`  --${k.padEnd(22)} ${s.help}${ch}${def}`);
  }
  return lines.join('\n');
}
