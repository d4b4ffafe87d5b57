import type { Command } from '../command.js';
import { exactDeuteronCommand } from './exact-deuteron.js';
import { exactFermionsCommand, exactFermionsScanCommand } from './exact-fermions.js';
import { potentialCommand } from './potential.js';
import { fermionsCommand } from './fermions.js';
import { benchFermionsCommand } from './bench-fermions.js';
import { srgCommand } from './srg.js';
import { compareOptimizersCommand } from './compare-optimizers.js';
import { deuteronCommand, deuteronScanCommand } from './deuteron.js';

/**
 * Every command of `nqs`. Each lives in its own module; add new ones here.
 * Longer paths must come before their prefixes (e.g. `deuteron scan` before `deuteron`).
 */
export const commands: Command[] = [
  exactDeuteronCommand,
  exactFermionsScanCommand,
  exactFermionsCommand,
  potentialCommand,
  fermionsCommand,
  compareOptimizersCommand,
  benchFermionsCommand,
  srgCommand,
  deuteronScanCommand,
  deuteronCommand,
];
