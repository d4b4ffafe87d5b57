import { formatHelp, parseArgs, UsageError } from './args.js';
import { commands } from './commands/index.js';

function matchCommand(argv: readonly string[]) {
  const sorted = [...commands].sort((a, b) => b.path.length - a.path.length);
  for (const c of sorted) {
    if (c.path.every((w, i) => argv[i] === w)) return c;
  }
  return undefined;
}

function topHelp(): string {
  const lines = ['usage: nqs <command> [--flags]   (nqs <command> --help for flags)', '', 'commands:'];
  for (const c of commands) lines.push(`  ${c.path.join(' ').padEnd(26)} ${c.summary}`);
  lines.push('', 'common flags: --json (one JSON object on stdout), --out DIR, --seed N');
  return lines.join('\n');
}

/** Entry point; returns the process exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    process.stderr.write(topHelp() + '\n');
    return argv.length === 0 ? 2 : 0;
  }
  const cmd = matchCommand(argv);
  if (!cmd) {
    const known = [...new Set(commands.map((c) => c.path[0]))].join(', ');
    process.stderr.write(`nqs: unknown command '${argv[0]}' (allowed: ${known})\n`);
    return 2;
  }
  const rest = argv.slice(cmd.path.length);
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stderr.write(formatHelp(cmd.usage, cmd.flags) + '\n');
    return 0;
  }
  try {
    const specs = { json: { type: 'boolean' as const, help: 'print one JSON object on stdout', default: false }, ...cmd.flags };
    const parsed = parseArgs(rest, specs);
    if (parsed.positionals.length > 0) {
      throw new UsageError(`unexpected argument '${parsed.positionals[0]}' for 'nqs ${cmd.path.join(' ')}'`);
    }
    const json = parsed.flags.json === true;
    const result = await cmd.run({ ...parsed, json });
    if (json) process.stdout.write(JSON.stringify(result) + '\n');
    return 0;
  } catch (e) {
    const err = e as Error;
    if (err instanceof UsageError || isNamedInputError(err)) {
      process.stderr.write(`nqs ${cmd.path.join(' ')}: ${err.message}\n`);
      return 2;
    }
    process.stderr.write(`nqs ${cmd.path.join(' ')}: ${err.name}: ${err.message}\n`);
    if (process.env.NQS_DEBUG) process.stderr.write(`${err.stack}\n`);
    return 1;
  }
}

/** Library errors that describe bad input (named `*InputError` / `RangeError`) are user errors. */
function isNamedInputError(e: Error): boolean {
  return /InputError$|^RangeError$|ValidationError$/.test(e.name);
}
