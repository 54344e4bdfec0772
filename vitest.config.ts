import { configDefaults, defineConfig } from 'vitest/config';
import { onlyAsUserGlobs } from './build/test-sets.mjs';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    // npm test as root (build/test-main.mjs): these run as an ordinary user right after (build/test-sets.mjs).
    exclude: [...configDefaults.exclude, ...(process.env.BACKUP_HEALTH_TESTS_AS_USER_LATER === '1' ? onlyAsUserGlobs() : [])],
    // Integration tests start real PostgreSQL clusters; give them room on a 2-core machine.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
