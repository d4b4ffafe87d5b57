import type { FlagSpecs, Parsed } from './args.js';

/** One `nqs` subcommand. `path` is the command words, e.g. `['exact', 'deuteron']`. */
export interface Command {
  path: readonly string[];
  summary: string;
  usage: string;
  flags: FlagSpecs;
  /** Returns the JSON result object (printed with `--json`); human output goes to stderr. */
  run(args: Parsed & { json: boolean }): Promise<Record<string, unknown>> | Record<string, unknown>;
}
