// Bundles the headless CLI (electron/cli.ts and the engine it uses) into out/cli/index.js.
// Native and driver packages stay external so node_modules resolves them at run time.
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

await build({
  entryPoints: [new URL('../electron/cli.ts', import.meta.url).pathname],
  outfile: new URL('../out/cli/index.js', import.meta.url).pathname,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  external: Object.keys(pkg.dependencies),
  define: { __APP_VERSION__: JSON.stringify(pkg.version) },
  logLevel: 'warning',
});
