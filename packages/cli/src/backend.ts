import { BackendInputError, initBackend, type BackendChoice } from '@nqs/autodiff-core';
import { info } from './io.js';

/** The parts of @nqs/backend-webgpu the CLI uses (imported dynamically: the package is optional). */
interface WebGPUModule {
  registerWebGPU(): void;
  lastWebGPUProbe(): { ok: boolean; reason: string } | null;
}

async function optionalImport(specifier: string): Promise<unknown> {
  return import(/* @vite-ignore */ specifier);
}

/**
 * Choose the compute backend for a command: register the optional WebGPU provider (when
 * @nqs/backend-webgpu is installed and WebGPU may be wanted), then call `initBackend`. Order:
 * `opts.backend`, else `NQS_BACKEND` (webgpu|tensorflow|wasm|cpu), else webgpu on a hardware GPU →
 * tfjs-node → wasm → cpu. Prints one line on stderr naming the backend and why the faster ones
 * were skipped (unless `quiet`). An explicit backend that cannot start throws `BackendInputError`
 * with the reason. Every command that computes should call this before its first tensor op.
 */
export async function setupBackend(opts: { backend?: string; quiet?: boolean } = {}): Promise<BackendChoice> {
  const requested = opts.backend ?? process.env.NQS_BACKEND ?? '';
  let webgpu: WebGPUModule | null = null;
  let missing = '';
  if (requested === '' || requested === 'webgpu') {
    try {
      webgpu = (await optionalImport('@nqs/backend-webgpu')) as WebGPUModule;
      webgpu.registerWebGPU();
    } catch (e) {
      missing = `@nqs/backend-webgpu is not installed (${(e as Error).message.split('\n')[0]})`;
    }
  }
  const why = () => webgpu?.lastWebGPUProbe()?.reason ?? missing;
  let choice: BackendChoice;
  try {
    choice = await initBackend(opts.backend ? { backend: opts.backend } : {});
  } catch (e) {
    if (requested === 'webgpu' && e instanceof BackendInputError && why()) {
      throw new BackendInputError(`backend 'webgpu' could not be started: ${why()}`);
    }
    throw e;
  }
  const skipped = choice.skipped.map((s) => (s.name === 'webgpu' && why() ? { ...s, why: why() } : s));
  const result: BackendChoice = { ...choice, skipped };
  if (!opts.quiet) {
    const notes = skipped.map((s) => `${s.name}: ${s.why}`).join('; ');
    info(`backend: ${result.name} — ${result.reason}${notes ? `; skipped ${notes}` : ''}`);
  }
  return result;
}
