import { tf } from './tf.js';

/** Backends nqs knows how to select, in order of preference on a machine that has them. */
export const BACKENDS = ['webgpu', 'tensorflow', 'wasm', 'cpu'] as const;
/** One of {@link BACKENDS}. */
export type BackendName = (typeof BACKENDS)[number];

/** Unknown backend name or a backend that cannot be started. */
export class BackendInputError extends Error {
  override readonly name = 'BackendInputError';
}

/** The result of {@link initBackend}. */
export interface BackendChoice {
  /** The tfjs backend now active. */
  name: BackendName;
  /** Why it was chosen (e.g. "NQS_BACKEND=wasm", "no GPU adapter; wasm"). */
  reason: string;
  /** Backends tried before this one and why they were skipped. */
  skipped: { name: BackendName; why: string }[];
}

/** Optional modules are imported through a variable so bundlers and tsc leave them alone. */
async function optionalImport(specifier: string): Promise<unknown> {
  return import(/* @vite-ignore */ specifier);
}

/** Hooks for optional backends (set by e.g. a WebGPU package); tried in {@link initBackend}. */
const backendProviders: Partial<Record<BackendName, () => Promise<boolean>>> = {};

/**
 * Register a provider that makes `name` available and returns whether it worked (e.g. the WebGPU
 * package registers one that creates a Dawn adapter). Providers run only when that backend is tried.
 */
export function registerBackendProvider(name: BackendName, provider: () => Promise<boolean>): void {
  backendProviders[name] = provider;
}

async function tryBackend(name: BackendName): Promise<string | null> {
  try {
    if (name === 'tensorflow') {
      let ok = false;
      for (const mod of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
        try {
          await optionalImport(mod);
          ok = true;
          break;
        } catch {
          /* not installed */
        }
      }
      if (!ok) return 'neither @tensorflow/tfjs-node-gpu nor @tensorflow/tfjs-node is installed';
    } else if (backendProviders[name]) {
      const ok = await backendProviders[name]!();
      if (!ok) return `provider for ${name} found no usable device`;
    } else if (name === 'webgpu') {
      return 'no WebGPU provider registered (install and import @nqs/backend-webgpu)';
    }
    if (!tf.engine().registryFactory[name]) return `backend ${name} is not registered`;
    const ok = await tf.setBackend(name);
    if (!ok) return `tf.setBackend('${name}') failed`;
    await tf.ready();
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

let current: BackendChoice | null = null;

/**
 * Select and initialise the compute backend. Order: `opts.backend`, else `NQS_BACKEND`, else
 * webgpu (when a provider finds a hardware adapter) → tensorflow (tfjs-node-gpu/tfjs-node, when
 * installed) → wasm → cpu. An explicit choice that fails throws; the automatic order falls through.
 * Idempotent: later calls return the first choice unless a different backend is requested.
 */
export async function initBackend(opts: { backend?: string; quiet?: boolean } = {}): Promise<BackendChoice> {
  // `process` is absent in browsers and Web Workers (the playground); the override is Node-only
  const requested = opts.backend ?? (typeof process !== 'undefined' ? process.env?.NQS_BACKEND : undefined) ?? '';
  if (requested) {
    if (!(BACKENDS as readonly string[]).includes(requested)) {
      throw new BackendInputError(`backend '${requested}' is unknown (allowed: ${BACKENDS.join(', ')})`);
    }
    // tf.getBackend() can differ from `current` after a failed attempt at another backend
    if (current && current.name === requested && tf.getBackend() === requested) return current;
    const why = await tryBackend(requested as BackendName);
    if (why) {
      // a failed factory leaves tfjs pointing at the broken backend: go back to the working one
      if (current && tf.getBackend() !== current.name) await tf.setBackend(current.name);
      throw new BackendInputError(`backend '${requested}' could not be started: ${why}`);
    }
    current = { name: requested as BackendName, reason: opts.backend ? 'requested' : `NQS_BACKEND=${requested}`, skipped: [] };
    return current;
  }
  if (current) return current;
  const skipped: { name: BackendName; why: string }[] = [];
  for (const name of BACKENDS) {
    if (name === 'webgpu' && !backendProviders.webgpu) {
      skipped.push({ name, why: 'no WebGPU provider registered' });
      continue;
    }
    const why = await tryBackend(name);
    if (!why) {
      current = { name, reason: skipped.length ? `automatic (${skipped.map((s) => s.name).join(', ')} unavailable)` : 'automatic', skipped };
      return current;
    }
    skipped.push({ name, why });
  }
  throw new BackendInputError(`no backend could be started: ${skipped.map((s) => `${s.name}: ${s.why}`).join('; ')}`);
}

/** The backend chosen by {@link initBackend}, or null before it ran. */
export function currentBackend(): BackendChoice | null {
  return current;
}
