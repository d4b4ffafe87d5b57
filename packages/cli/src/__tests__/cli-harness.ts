import { afterEach, beforeEach, vi } from 'vitest';
import { main } from '../main.js';

/**
 * Runs `nqs` in-process with stdout/stderr captured. Call at the top level of a test file; the
 * returned `io` holds what the last `run` (or a direct `main` call) printed.
 */
export function captureCli() {
  const io = { out: '', err: '' };
  beforeEach(() => {
    io.out = '';
    io.err = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => {
      io.out += String(s);
      return true;
    });
    vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => {
      io.err += String(s);
      return true;
    });
  });
  afterEach(() => vi.restoreAllMocks());

  /** Run one command; `json` is the parsed stdout object when `--json` printed one. */
  async function run(argv: string[]): Promise<{ code: number; json: Record<string, unknown> | undefined }> {
    io.out = '';
    io.err = '';
    const code = await main(argv);
    const line = io.out.trim();
    return { code, json: line.startsWith('{') ? (JSON.parse(line) as Record<string, unknown>) : undefined };
  }

  return { io, run };
}
