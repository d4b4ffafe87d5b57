import { tf } from '@nqs/autodiff-core';

/** What {@link countSyncReads} saw. */
export interface SyncReadReport<T> {
  /** The value `fn` resolved to. */
  result: T;
  /** Number of `Tensor.dataSync()` calls while `fn` ran (`arraySync`/`bufferSync` call it too). */
  syncReads: number;
  /** One stack line per call (the first caller outside tfjs), for finding the site. */
  sites: string[];
}

function callerSite(): string {
  const lines = (new Error().stack ?? '').split('\n').slice(2);
  const outside = lines.find((l) => !/@tensorflow|sync-reads\.[tj]s|node:internal/.test(l));
  return (outside ?? lines[0] ?? '').trim();
}

/**
 * Run `fn` and count the synchronous tensor reads it makes (`dataSync`, `arraySync`, `bufferSync`,
 * also those tfjs makes internally on the CPU backends). Works on wasm/cpu, so a test on a machine
 * without a GPU can assert that a hot path (an epoch, a sweep) would not stall — or, in Node, fail —
 * on WebGPU, where only `await t.data()` / `await t.array()` work. Patches `tf.Tensor.prototype`
 * while `fn` runs: anything else running concurrently is counted too.
 */
export async function countSyncReads<T>(fn: () => Promise<T> | T): Promise<SyncReadReport<T>> {
  const proto = tf.Tensor.prototype as unknown as { dataSync: (this: tf.Tensor) => unknown };
  const original = proto.dataSync;
  const sites: string[] = [];
  proto.dataSync = function (this: tf.Tensor) {
    sites.push(callerSite());
    return original.call(this);
  };
  try {
    const result = await fn();
    return { result, syncReads: sites.length, sites };
  } finally {
    proto.dataSync = original;
  }
}
