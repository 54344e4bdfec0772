// Saving a source on the dashboard's Settings page (ApiService.saveSource, as IPC and `serve` call it) when
// the config is managed: a symlink into a config repository, a 0640 root:daemon file, comments everywhere.
import { chmodSync, chownSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ApiService } from '../../../electron/engine/api-service';
import { loadConfig } from '../../../electron/engine/config';
import { Engine } from '../../../electron/engine/engine';
import { History } from '../../../electron/engine/store/history';

const root = mkdtempSync(join(tmpdir(), 'backup-health-settings-save-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const isRoot = process.getuid?.() === 0;

describe('saving a source from the dashboard', () => {
  it('writes through the symlinked config to its target, with its mode, owner and group, every comment kept', async () => {
    const dumps = join(root, 'dumps');
    mkdirSync(dumps);
    mkdirSync(join(root, 'repo'));
    const target = join(root, 'repo', 'backup-health.yml');
    const before = `# managed by the config repository; edits welcome
sources:
  # nightly dumps
  - id: nightly # written by cron
    kind: dump-dir
    # the NFS mount
    path: ${dumps} # not /tmp
    maxAge: 26h # daily, plus slack
  # end of sources
`;
    writeFileSync(target, before);
    const daemon = Number(/^daemon:[^:]*:(\d+):/m.exec(readFileSync('/etc/group', 'utf8'))?.[1]);
    const owner = isRoot ? { uid: 0, gid: daemon } : { uid: process.getuid!(), gid: process.getgid!() };
    if (isRoot) chownSync(target, owner.uid, owner.gid);
    chmodSync(target, 0o640);
    const link = join(root, 'config.yml');
    symlinkSync('repo/backup-health.yml', link);

    const loaded = loadConfig(link);
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
    const store = History.open(join(root, 'history.sqlite'));
    const engine = new Engine({ config: loaded.config, store });
    const api = new ApiService({ engine, store, configFile: link });
    try {
      const saved = await api.saveSource({ source: { id: 'nightly', kind: 'dump-dir', path: dumps, maxAge: '30h' }, originalId: 'nightly' });
      expect(saved).toEqual({ ok: true, problems: [] });
    } finally {
      engine.stop();
      store.close();
    }

    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe('repo/backup-health.yml');
    expect(readFileSync(target, 'utf8')).toBe(before.replace('maxAge: 26h', 'maxAge: 30h'));
    const stat = statSync(target);
    expect([(stat.mode & 0o7777).toString(8), stat.uid, stat.gid]).toEqual(['640', owner.uid, owner.gid]);
    expect(readdirSync(join(root, 'repo')).sort()).toEqual(['backup-health.yml', 'backup-health.yml.bak']);
    expect(engine.currentConfig.sources[0]).toMatchObject({ id: 'nightly', maxAge: 30 * 3_600_000 });
  });
});
