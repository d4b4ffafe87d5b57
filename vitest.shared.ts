import { defineConfig } from 'vitest/config';

/**
 * Shared vitest settings: tests run against the TypeScript sources of every workspace package
 * (the `source` export condition), never against built `dist/` output.
 */
export function nqsVitestConfig(overrides: { testTimeout?: number } = {}) {
  return defineConfig({
    resolve: { conditions: ['source'] },
    ssr: { resolve: { conditions: ['source'], externalConditions: ['source'] } },
    test: {
      include: ['src/**/__tests__/**/*.test.ts'],
      testTimeout: overrides.testTimeout ?? 60_000,
      pool: 'forks',
    },
  });
}
