// electron-builder.yml passes electron-builder's own schema validation (what `electron-builder` checks before
// building; a real build needs the Electron download, which this machine cannot do), and says what the
// packaging relies on.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const require = createRequire(import.meta.url);
const root = process.cwd();

describe('electron-builder.yml', () => {
  it('is valid for electron-builder and packages what the app needs', async () => {
    const { getConfig, validateConfiguration } = require('app-builder-lib/out/util/config/config') as {
      getConfig(projectDir: string, configPath: string | null, configFromOptions: unknown): Promise<Record<string, any>>;
      validateConfiguration(config: unknown, logger: unknown): Promise<void>;
    };
    const { DebugLogger } = require('builder-util') as { DebugLogger: new (enabled: boolean) => unknown };
    await validateConfiguration(await getConfig(root, null, null), new DebugLogger(false));

    // As written (getConfig normalizes some fields into its own shapes).
    const config = parse(readFileSync(join(root, 'electron-builder.yml'), 'utf8')) as Record<string, any>;

    expect(config).toMatchObject({ appId: 'io.backuphealth.app', productName: 'Backup Health', directories: { output: 'dist', buildResources: 'build' }, npmRebuild: true });
    expect(config.files).toEqual(expect.arrayContaining(['out/main/**', 'out/preload/**', 'out/renderer/**', 'package.json']));
    expect(config.files.some((f: string) => /^(src|test|electron|renderer|shared)\b/.test(f))).toBe(false);
    expect(config.asarUnpack).toContain('node_modules/better-sqlite3/**/*.node');
    expect(config.extraResources).toEqual([{ from: 'build/tray', to: 'tray', filter: ['*.png'] }]);
    expect(config.electronFuses).toMatchObject({ runAsNode: false, enableNodeCliInspectArguments: false });
    expect(config.linux).toMatchObject({ target: ['AppImage', 'deb'], category: 'System' });
    expect(config.linux.maintainer).toMatch(/<.+@.+>/);
    expect(config.mac).toMatchObject({ target: ['dmg'], category: 'public.app-category.utilities' });
    expect(config.win).toMatchObject({ target: ['nsis'] });
    for (const icon of [config.icon, config.linux.icon, config.mac.icon, config.win.icon]) expect(existsSync(join(root, icon))).toBe(true);
  });

  it('npm run dist builds the bundles, then packages', () => {
    const pkg = require(join(root, 'package.json')) as { scripts: Record<string, string> };
    expect(pkg.scripts.dist).toBe('electron-vite build && electron-builder');
  });
});
