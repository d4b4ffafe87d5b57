export { main } from './main.js';
export { parseArgs, formatHelp, UsageError } from './args.js';
export type { FlagSpec, FlagSpecs, Parsed } from './args.js';
export type { Command } from './command.js';
