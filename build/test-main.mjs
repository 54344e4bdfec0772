// The main vitest run of `npm test`. As root (CI) it leaves build/test-sets.mjs's ONLY_AS_USER to the ordinary
// user's run that follows (build/test-unprivileged.mjs); as anyone else it runs every test.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ONLY_AS_USER } from './test-sets.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
if (asRoot) console.log(`test-main: as root; left to the ordinary user's run: ${ONLY_AS_USER.join(' ')}`);
const result = spawnSync(process.execPath, [join(root, 'node_modules/vitest/vitest.mjs'), 'run', ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, ...(asRoot ? { BACKUP_HEALTH_TESTS_AS_USER_LATER: '1' } : {}) },
});
process.exit(result.status ?? 1);
