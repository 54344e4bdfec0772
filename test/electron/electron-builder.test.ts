// electron-builder.yml passes electron-builder's own schema validation (what `electron-builder` checks before
// building; a real build needs the Electron download, which this machine cannot do), and says what the
// packaging relies on.
import { spawnSync } from 'node:child_process';
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

  it('the deb depends on bubblewrap and keeps electron-builder\'s own dependencies', () => {
    const config = parse(readFileSync(join(root, 'electron-builder.yml'), 'utf8')) as Record<string, any>;
    // A `depends` list replaces electron-builder's defaults instead of adding to them: ask electron-builder for
    // its current defaults, so an upgrade that adds one shows up here.
    const { default: FpmTarget } = require('app-builder-lib/out/targets/FpmTarget') as { default: { prototype: { getDefaultDepends(target: string): string[] } } };
    const defaults = FpmTarget.prototype.getDefaultDepends.call(null, 'deb');
    expect(defaults.length).toBeGreaterThan(0);
    expect(config.deb.depends).toEqual([...defaults, 'bubblewrap']);
  });

  it('the deb\'s after-install script runs electron-builder\'s steps, then creates the drill user', () => {
    const config = parse(readFileSync(join(root, 'electron-builder.yml'), 'utf8')) as Record<string, any>;
    const script = readFileSync(join(root, config.deb.afterInstall), 'utf8');
    // Naming a script replaces electron-builder's default one, whose steps (the /usr/bin link, chrome-sandbox's
    // mode, the AppArmor profile) must still run: its template, as this electron-builder ships it, is in ours.
    const template = readFileSync(require.resolve('app-builder-lib/templates/linux/after-install.tpl'), 'utf8');
    expect(script).toContain(template.replace(/^#!.*\n/, '').trim());
    // electron-builder throws on a ${macro} it does not define; after substituting the ones it does, bash parses it.
    const macros = { executable: 'backup-health', sanitizedProductName: 'Backup Health', productFilename: 'Backup Health' };
    expect([...script.matchAll(/\$\{([a-zA-Z]+)\}/g)].map((m) => m[1]).filter((name) => !(name! in macros))).toEqual([]);
    const expanded = script.replace(/\$\{([a-zA-Z]+)\}/g, (_, name: keyof typeof macros) => macros[name]);
    expect(spawnSync('bash', ['-n'], { input: expanded, encoding: 'utf8' })).toMatchObject({ status: 0, stderr: '' });
    // The unprivileged user drill steps run as when the app runs as root; never postgres; created only once.
    expect(script).toMatch(/if ! getent passwd backup-health-drill >\/dev\/null; then\n\s+useradd --system --no-create-home --home-dir \/nonexistent --shell \/usr\/sbin\/nologin backup-health-drill\n/);
  });

  it('npm run dist builds the bundles, then packages', () => {
    const pkg = require(join(root, 'package.json')) as { scripts: Record<string, string> };
    expect(pkg.scripts.dist).toBe('electron-vite build && electron-builder');
  });
});
