// Builds better-sqlite3 for this project's Electron into node_modules/.cache/backup-health-electron/, for
// `npm start` and `npm run dev` (their pre-scripts). node_modules/better-sqlite3 stays built for Node, so the
// tests and the CLI keep working; the app run from a checkout loads this copy instead (nativeBinding). Why,
// and what the packaged app does: electron/main/native-binding.ts. Does nothing when the copy already exists.
//   node build/electron-native.mjs               build it if missing
//   node build/electron-native.mjs --print-path  print where it goes, build nothing
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(join(root, 'package.json'));
const electronVersion = require('electron/package.json').version;
const sqliteDir = dirname(require.resolve('better-sqlite3/package.json'));
const sqliteVersion = JSON.parse(readFileSync(join(sqliteDir, 'package.json'), 'utf8')).version;
const cacheDir = join(root, 'node_modules', '.cache', 'backup-health-electron');
// Same name as electronNativeBindingName() in electron/main/native-binding.ts.
const target = join(cacheDir, `better-sqlite3-${sqliteVersion}-electron-${electronVersion}-${process.platform}-${process.arch}.node`);

if (process.argv.includes('--print-path')) {
  console.log(target);
} else if (existsSync(target)) {
  console.log(`better-sqlite3 ${sqliteVersion} for Electron ${electronVersion}: ${relative(root, target)} (built before)`);
} else {
  try {
    await buildForElectron();
  } catch (err) {
    console.error(
      `Could not build better-sqlite3 ${sqliteVersion} for Electron ${electronVersion}: ${err instanceof Error ? err.message : err}\n` +
        "It needs network access (a prebuilt binary from better-sqlite3's releases, or Electron's headers and a C++ toolchain for node-gyp).",
    );
    process.exit(1);
  }
  console.log(`better-sqlite3 ${sqliteVersion} for Electron ${electronVersion}: built ${relative(root, target)}`);
}

/**
 * Rebuilds a copy of better-sqlite3 with @electron/rebuild (electron-builder's own rebuilder: a prebuilt binary
 * for this Electron if one is published, else node-gyp against Electron's headers). The copy lives inside this
 * project so @electron/rebuild finds prebuild-install in node_modules; its Node build/ is left behind, so a
 * failed rebuild cannot pass Node's addon off as Electron's.
 */
async function buildForElectron() {
  const { rebuild } = await import('@electron/rebuild');
  mkdirSync(cacheDir, { recursive: true });
  const work = mkdtempSync(join(cacheDir, 'build-'));
  try {
    const moduleDir = join(work, 'node_modules', 'better-sqlite3');
    const nodeBuild = join(sqliteDir, 'build');
    cpSync(sqliteDir, moduleDir, { recursive: true, filter: (src) => src !== nodeBuild && !src.startsWith(nodeBuild + sep) });
    writeFileSync(join(work, 'package.json'), JSON.stringify({ name: 'electron-native', private: true, dependencies: { 'better-sqlite3': sqliteVersion } }));
    await rebuild({ buildPath: work, electronVersion, arch: process.arch, onlyModules: ['better-sqlite3'], force: true });
    const built = join(moduleDir, 'build', 'Release', 'better_sqlite3.node');
    if (!existsSync(built)) throw new Error(`@electron/rebuild finished but left no ${relative(work, built)}`);
    copyFileSync(built, `${target}.tmp`);
    renameSync(`${target}.tmp`, target);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
