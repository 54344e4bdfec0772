#!/usr/bin/env node
import('../out/cli/index.js').catch((err) => {
  if (err && err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('out/cli')) {
    console.error('backup-health: the CLI is not built yet; run `npm run build:cli` in the project directory.');
    process.exit(3);
  }
  throw err;
});
