import type { Command } from '../command.js';

/**
 * Every command of `nqs`. Each lives in its own module; add new ones here.
 * Longer paths must come before their prefixes (e.g. `deuteron scan` before `deuteron`).
 */
export const commands: Command[] = [];
