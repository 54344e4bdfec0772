// The restic probe against real restic repositories: snapshots with their times and restore sizes, the
// host/path/tag filters, and the failures a sysadmin meets: a wrong password (never echoed), no repository,
// a repository locked by another restic, restic missing.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig, type ResticSourceConfig } from '../../../shared/config';
import type { ResticMetrics } from '../../../shared/model';
import { validateRawConfig } from '../../../electron/engine/config';
import { run } from '../../../electron/engine/exec';
import type { ProbeContext } from '../../../electron/engine/sources/probe';
import { ProbeError } from '../../../electron/engine/errors';
import { resticProbe } from '../../../electron/engine/sources/restic/index';
import { DRILL_DIR_PREFIXES } from '../../../electron/engine/drills/drill-dirs';
import { probeContext } from '../../support/postgres-fixtures';
import { holdExclusiveLock, restic as resticJob } from '../../support/restic-fixtures';

const PASSWORD = 'correct horse battery staple';
let root: string; // removed in afterAll
let repo: string;
let src: string;
let passwordFile: string;
let drillDir: string;
const sizes: number[] = []; // bytes under src at each snapshot, oldest first
let before: number;
let after: number;
let xdgCache: string | undefined;

const job = () => ({ passwordFile, cacheDir: join(root, 'cache') });
const restic = (args: string[]) => resticJob(job(), repo, args);

function source(fields: Record<string, unknown> = {}): ResticSourceConfig {
  const parsed = validateConfig({ sources: [{ id: 'files', kind: 'restic', repo, passwordFile, ...fields }] });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.config.sources[0] as ResticSourceConfig;
}

const context = (overrides: Partial<ProbeContext> = {}) => probeContext({ timeoutMs: 20_000, ...overrides });

async function probeError(promise: Promise<unknown>): Promise<ProbeError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ProbeError);
  return err as ProbeError;
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'backup-health-test-restic-'));
  xdgCache = process.env.XDG_CACHE_HOME;
  process.env.XDG_CACHE_HOME = join(root, 'xdg-cache'); // restic's cache goes with the test's repositories
  repo = join(root, 'repo');
  src = join(root, 'data');
  drillDir = join(root, 'drills');
  mkdirSync(drillDir);
  mkdirSync(src);
  passwordFile = join(root, 'password');
  writeFileSync(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
  await restic(['init']);
  before = Date.now();
  writeFileSync(join(src, 'a.bin'), randomBytes(10_000));
  await restic(['backup', '--host', 'db1', '--tag', 'daily', src]);
  sizes.push(10_000);
  writeFileSync(join(src, 'b.bin'), randomBytes(200_000));
  await restic(['backup', '--host', 'db1', '--tag', 'daily', src]);
  sizes.push(210_000);
  rmSync(join(src, 'a.bin'));
  await restic(['backup', '--host', 'db2', '--tag', 'weekly', src]);
  sizes.push(200_000);
  after = Date.now();
}, 60_000);

afterAll(() => {
  if (xdgCache === undefined) delete process.env.XDG_CACHE_HOME;
  else process.env.XDG_CACHE_HOME = xdgCache;
  expect(readdirSync(drillDir)).toEqual([]);
  rmSync(root, { recursive: true, force: true });
});

describe('the restic probe', () => {
  it('observes every snapshot with its time, its restore size and where it came from', async () => {
    const { backups, metrics } = await resticProbe.observe(source(), context());
    expect(backups.map((b) => b.sizeBytes)).toEqual(sizes);
    for (const b of backups) {
      expect(b.key).toMatch(/^[0-9a-f]{64}$/);
      expect(b.type).toBe('snapshot');
      expect(b.readable).toBe(true);
      expect(b.finishedAt).toBeGreaterThanOrEqual(before - 1000);
      expect(b.finishedAt).toBeLessThanOrEqual(after + 1000);
      expect(b.startedAt).toBe(b.finishedAt); // restic 0.14 records only when a backup started
      expect(b.meta).toMatchObject({ paths: [src] });
    }
    expect(backups.map((b) => b.meta?.hostname)).toEqual(['db1', 'db1', 'db2']);
    expect(backups.map((b) => b.meta?.tags)).toEqual([['daily'], ['daily'], ['weekly']]);
    expect(backups[0]!.finishedAt).toBeLessThan(backups[2]!.finishedAt);
    const m = metrics as ResticMetrics;
    expect(m).toMatchObject({ kind: 'restic', snapshotCount: 3, restoreSizeBytes: 200_000, sizesPending: 0 });
    // Deduplicated: b.bin (random, so incompressible) is stored once although two snapshots hold it.
    expect(m.repoSizeBytes).toBeGreaterThan(210_000);
    expect(m.repoSizeBytes).toBeLessThan(210_000 + 50_000);
  });

  it('keeps to the snapshots of one host, path or tag', async () => {
    const byHost = await resticProbe.observe(source({ snapshotHost: 'db1' }), context());
    expect(byHost.backups.map((b) => b.sizeBytes)).toEqual([10_000, 210_000]);
    const byTag = await resticProbe.observe(source({ snapshotTag: 'weekly' }), context());
    expect(byTag.backups.map((b) => b.meta?.hostname)).toEqual(['db2']);
    const byPath = await resticProbe.observe(source({ snapshotPath: join(root, 'elsewhere') }), context());
    expect(byPath.backups).toEqual([]);
    expect(byPath.metrics).toMatchObject({ snapshotCount: 0, restoreSizeBytes: null });
  });

  it('takes the password from the named environment variable', async () => {
    process.env.BH_TEST_RESTIC_PASSWORD = PASSWORD;
    try {
      const { backups } = await resticProbe.observe(source({ passwordFile: undefined, passwordEnv: 'BH_TEST_RESTIC_PASSWORD' }), context());
      expect(backups).toHaveLength(3);
    } finally {
      delete process.env.BH_TEST_RESTIC_PASSWORD;
    }
    const err = await probeError(resticProbe.observe(source({ passwordFile: undefined, passwordEnv: 'BH_TEST_RESTIC_PASSWORD' }), context()));
    expect(err.code).toBe('config');
    expect(err.message).toMatch(/BH_TEST_RESTIC_PASSWORD .*is not set/);
  });

  it('says the password is wrong, without the password', async () => {
    const wrongFile = join(root, 'wrong-password');
    writeFileSync(wrongFile, 'hunter2-not-it\n', { mode: 0o600 });
    const err = await probeError(resticProbe.observe(source({ passwordFile: wrongFile }), context()));
    expect(err.code).toBe('auth-failed');
    expect(err.message).toContain(`wrong password for restic repository ${repo}: check passwordFile/passwordEnv`);
    expect(err.message).not.toContain('hunter2');

    process.env.BH_TEST_RESTIC_WRONG = 'hunter3-not-it';
    try {
      const fromEnv = await probeError(resticProbe.observe(source({ passwordFile: undefined, passwordEnv: 'BH_TEST_RESTIC_WRONG' }), context()));
      expect(fromEnv.code).toBe('auth-failed');
      expect(fromEnv.message).not.toContain('hunter3');
    } finally {
      delete process.env.BH_TEST_RESTIC_WRONG;
    }
  });

  it('never puts the password on the command line', async () => {
    // restic runs with the password in its environment: the argument list is all that ps shows to others.
    process.env.BH_TEST_RESTIC_PASSWORD = PASSWORD;
    const seen: string[] = [];
    const watcher = setInterval(() => {
      void run('ps', ['-eo', 'args'], { timeoutMs: 5000 }).then((r) => seen.push(r.stdout));
    }, 50);
    try {
      await resticProbe.observe(source({ passwordFile: undefined, passwordEnv: 'BH_TEST_RESTIC_PASSWORD' }), context());
    } finally {
      clearInterval(watcher);
      delete process.env.BH_TEST_RESTIC_PASSWORD;
    }
    expect(seen.join('\n')).toContain('restic -r');
    expect(seen.join('\n')).not.toContain(PASSWORD);
  });

  it('reports a missing repository as not-found', async () => {
    const err = await probeError(resticProbe.observe(source({ repo: join(root, 'no-such-repo') }), context()));
    expect(err.code).toBe('not-found');
    expect(err.message).toBe(`no restic repository at ${join(root, 'no-such-repo')}: check repo (restic init creates one)`);
  });

  it('says when restic is not installed', async () => {
    const path = process.env.PATH;
    process.env.PATH = join(root, 'empty-bin');
    try {
      const err = await probeError(resticProbe.observe(source(), context()));
      expect(err.message).toMatch(/^restic is not installed or not on PATH/);
    } finally {
      process.env.PATH = path;
    }
  });

  it('reads a repository another restic holds an exclusive lock on, and a drill says it is locked', async () => {
    const lock = await holdExclusiveLock(job(), repo, PASSWORD, join(root, 'new-password'));
    try {
      // It really is locked: a restic that locks is refused.
      const locking = await run('restic', ['-r', repo, '--cache-dir', join(root, 'cache'), 'snapshots', '--json'], { env: { ...process.env, RESTIC_PASSWORD_FILE: passwordFile } });
      expect(locking.code).toBe(1);
      expect(locking.stderr).toMatch(/repository is already locked exclusively/);

      const { backups } = await resticProbe.observe(source(), context());
      expect(backups).toHaveLength(3);

      const cfg = validateConfig({ defaults: { drillDir } });
      if (!cfg.ok) throw new Error('bad config');
      const drill = await resticProbe.drill!(source(), backups[2]!, { ...context({ config: cfg.config }), onProgress: () => {} });
      expect(drill.outcome).toBe('error');
      expect(drill.message).toMatch(new RegExp(`^restic repository ${repo} is locked by PID \\d+ .*: another restic .* is running; if none is, run restic unlock$`));
    } finally {
      await lock.release();
    }
    expect(readdirSync(join(repo, 'locks'))).toEqual([]);
  });
});

describe('restic source settings', () => {
  const problems = (fields: Record<string, unknown>) => {
    const result = validateRawConfig({ sources: [{ id: 'files', kind: 'restic', repo: '/srv/restic', ...fields }] });
    return result.ok ? [] : result.problems;
  };

  it('needs exactly one of passwordFile and passwordEnv', () => {
    expect(problems({})).toEqual([{ path: 'sources[0].passwordFile', message: 'a restic repository needs its password: set passwordFile (chmod 600) or passwordEnv' }]);
    expect(problems({ passwordEnv: 'A', passwordFile: passwordFile })).toEqual([{ path: 'sources[0].passwordFile', message: 'set passwordEnv or passwordFile, not both' }]);
    expect(problems({ passwordEnv: 'RESTIC_PW' })).toEqual([]);
  });

  it('wants the password file private', () => {
    const open = join(root, 'open-password');
    writeFileSync(open, PASSWORD);
    chmodSync(open, 0o644);
    expect(problems({ passwordFile: open })).toEqual([{ path: 'sources[0].passwordFile', message: `${open} is readable by others (mode 0644); run chmod 600 ${open}` }]);
    expect(problems({ passwordFile: join(root, 'none') })).toEqual([{ path: 'sources[0].passwordFile', message: `${join(root, 'none')} does not exist` }]);
  });

  it('takes a host to read the repository over ssh, and checks readDataSubset', () => {
    expect(problems({ passwordEnv: 'P', host: 'backup@backup1', sshOptions: ['Port=2222'] })).toEqual([]);
    expect(problems({ passwordEnv: 'P', sshOptions: ['Port=2222'] })).toEqual([{ path: 'sources[0].sshOptions', message: 'sshOptions are for a source on another machine: set host too (user@backup1)' }]);
    expect(problems({ passwordEnv: 'P', drill: { readDataSubset: 'lots' } })[0]?.path).toBe('sources[0].drill.readDataSubset');
    const parsed = validateConfig({ sources: [{ id: 'files', kind: 'restic', repo: '/srv/restic', passwordEnv: 'P', drill: {} }] });
    expect(parsed.ok && (parsed.config.sources[0] as ResticSourceConfig).drill?.readDataSubset).toBe('1%');
  });

  it('leaves no drill directory behind', () => {
    expect(existsSync(drillDir) && readdirSync(drillDir).filter((n) => DRILL_DIR_PREFIXES.some((prefix) => n.startsWith(prefix)))).toEqual([]);
  });
});
