// better-sqlite3 for Electron: the packaged app uses its own (rebuilt by electron-builder); a checkout uses the
// copy build/electron-native.mjs makes, at the very path the main process looks for it.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ELECTRON_NATIVE_DIR, electronNativeBinding } from '../../electron/main/native-binding';

const context = { packaged: false, appPath: '/src/backup-health', electronVersion: '45.4.1', betterSqlite3Version: '12.11.1', platform: 'linux', arch: 'x64' };

describe('electronNativeBinding', () => {
  it('packaged: better-sqlite3 finds its own (electron-builder rebuilt it for Electron)', () => {
    expect(electronNativeBinding({ ...context, packaged: true }, () => false)).toBeUndefined();
  });

  it('from a checkout: the Electron build in node_modules/.cache', () => {
    expect(electronNativeBinding(context, () => true)).toBe(
      '/src/backup-health/node_modules/.cache/backup-health-electron/better-sqlite3-12.11.1-electron-45.4.1-linux-x64.node',
    );
  });

  it('from a checkout, not built yet: says how to build it', () => {
    expect(() => electronNativeBinding(context, () => false)).toThrow(
      /better-sqlite3 has not been built for Electron 45\.4\.1 \(.* is missing\): run "node build\/electron-native\.mjs", or start the app with "npm start" \/ "npm run dev"/,
    );
  });

  it('is where build/electron-native.mjs puts it, for the installed Electron and better-sqlite3', () => {
    const root = process.cwd();
    const printed = execFileSync(process.execPath, [join(root, 'build', 'electron-native.mjs'), '--print-path'], { encoding: 'utf8' }).trim();
    const version = (pkg: string) => JSON.parse(readFileSync(join(root, 'node_modules', pkg, 'package.json'), 'utf8')).version as string;
    const expected = electronNativeBinding(
      { packaged: false, appPath: root, electronVersion: version('electron'), betterSqlite3Version: version('better-sqlite3'), platform: process.platform, arch: process.arch },
      () => true,
    );
    expect(printed).toBe(expected);
    expect(printed.startsWith(join(root, ELECTRON_NATIVE_DIR))).toBe(true);
  });

  it('npm start and npm run dev build it first; nothing rebuilds node_modules on install', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
    expect(pkg.scripts.prestart).toBe('node build/electron-native.mjs');
    expect(pkg.scripts.predev).toBe('node build/electron-native.mjs');
    expect(pkg.scripts.postinstall).toBeUndefined();
    expect(pkg.scripts.install).toBeUndefined();
  });
});
