import { spawn } from 'node:child_process';
import { appendFileSync, chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { ScratchCluster, SCRATCH_PREFIX, runClient } from '../../../electron/engine/drills/scratch-cluster';
import { sweepScratchClusters } from '../../../electron/engine/drills/scratch-sweep';
import { pickPostgresInstall, parseVersionLine } from '../../../electron/engine/drills/postgres-install';
import { INITDB_CACHE_DIR } from '../../../electron/engine/drills/initdb-cache';
import { DrillJail } from '../../../electron/engine/drills/drill-jail';
import { isAlive, postgresProcessesUsing } from '../../support/processes';
import { waitFor } from '../../support/postgres-fixtures';
import { run } from '../../../electron/engine/exec';

// Each test file gets its own parent dir, so "nothing left" is checked for this file alone.
// (0755: the server runs as the postgres user when the tests run as root, and must reach its directory.)
const parentDir = mkdtempSync(join(tmpdir(), 'bh-scratch-test-'));
chmodSync(parentDir, 0o755);
/** Everything in parentDir but the initdb cache, which is meant to stay. */
const leftovers = () => readdirSync(parentDir).filter((e) => e !== INITDB_CACHE_DIR);
afterAll(() => {
  expect(leftovers()).toEqual([]);
  expect(postgresProcessesUsing(parentDir)).toEqual([]);
  rmSync(parentDir, { recursive: true, force: true });
});

describe('ScratchCluster', () => {
  it('starts a real server reachable only through its socket, and stop() removes every trace', async () => {
    const cluster = await ScratchCluster.start({ parentDir, purpose: 'test' });
    const result = await runClient(cluster, 'psql', ['-Atc', "select current_setting('fsync'), current_setting('listen_addresses'), version()", 'postgres']);
    expect(result.code).toBe(0);
    const [fsync, listen, version] = result.stdout.trim().split('|');
    expect(fsync).toBe('off');
    expect(listen).toBe('');
    expect(version).toMatch(/^PostgreSQL \d+/);
    expect(postgresProcessesUsing(cluster.dir).length).toBeGreaterThan(0);
    await cluster.stop();
    expect(existsSync(cluster.dir)).toBe(false);
    expect(postgresProcessesUsing(cluster.dir)).toEqual([]);
    await cluster.stop(); // twice is harmless
  });

  it('with() stops the cluster even when the work throws', async () => {
    let dir = '';
    await expect(
      ScratchCluster.with({ parentDir }, async (cluster) => {
        dir = cluster.dir;
        throw new Error('drill blew up');
      }),
    ).rejects.toThrow('drill blew up');
    expect(existsSync(dir)).toBe(false);
    expect(postgresProcessesUsing(dir)).toEqual([]);
  });

  it('explains a server that cannot start, and leaves nothing behind', async () => {
    await expect(ScratchCluster.start({ parentDir, settings: { shared_buffers: 'lots' } })).rejects.toThrow(/did not start.*shared_buffers/);
    expect(leftovers()).toEqual([]);
  });

  it('start-up sweeps the cluster of a drill killed with SIGKILL', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/hold-scratch-cluster.ts', parentDir], { stdio: ['ignore', 'pipe', 'inherit'] });
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout! }).once('line', resolve);
      child.once('exit', (code) => reject(new Error(`child exited with ${code}`)));
    });
    const { dir, postmasterPid } = JSON.parse(line) as { dir: string; postmasterPid: number };
    child.kill('SIGKILL');
    await waitFor('the drill process to die', () => !isAlive(child.pid!));
    // The drill's owner is dead, its server and directory are not.
    expect(isAlive(postmasterPid)).toBe(true);
    expect(existsSync(dir)).toBe(true);

    const swept = await sweepScratchClusters(parentDir);
    expect(swept).toEqual([{ dir, ownerPid: child.pid, killedPostmaster: postmasterPid }]);
    expect(existsSync(dir)).toBe(false);
    await waitFor('the orphaned postmaster to exit', () => !isAlive(postmasterPid));
    expect(postgresProcessesUsing(dir)).toEqual([]);
  });

  it('also sweeps the restore tree of a restic or borg drill whose process died', async () => {
    const dead = spawn(process.execPath, ['-e', '']);
    await new Promise((resolve) => dead.once('exit', resolve));
    const tree = join(parentDir, 'backup-health-restic-test');
    mkdirSync(join(tree, 'restore', 'srv'), { recursive: true });
    writeFileSync(join(tree, 'restore', 'srv', 'orders.dump'), 'PGDMP');
    writeFileSync(join(tree, 'owner.json'), JSON.stringify({ pid: dead.pid }));
    expect(await sweepScratchClusters(parentDir)).toEqual([{ dir: tree, ownerPid: dead.pid, killedPostmaster: null }]);
    expect(existsSync(tree)).toBe(false);
  });

  it('never sweeps a cluster whose owner is alive', async () => {
    const cluster = await ScratchCluster.start({ parentDir });
    try {
      expect(await sweepScratchClusters(parentDir)).toEqual([]);
      expect(existsSync(cluster.dir)).toBe(true);
      expect(leftovers().every((e) => e.startsWith(SCRATCH_PREFIX))).toBe(true);
    } finally {
      await cluster.stop();
    }
  });
});

describe('initdb cache', () => {
  it('starts later clusters from a copy of a cached data directory, not a new initdb', async () => {
    const first = await ScratchCluster.start({ parentDir, initdbCacheDir: parentDir });
    await first.stop();
    const cache = join(parentDir, INITDB_CACHE_DIR);
    const [key] = readdirSync(cache);
    expect(key).toMatch(/^[0-9a-f]{16}$/);
    // The data directory and what it is (its superuser, its manifest) made and renamed into place together.
    expect(readdirSync(join(cache, key!)).sort()).toEqual(['data', 'meta.json']);
    expect(existsSync(join(cache, key!, 'data', 'PG_VERSION'))).toBe(true);
    // A copy keeps the template's system identifier; a new initdb would make a new one.
    const control = await run(join(first.install.bin, 'pg_controldata'), [join(cache, key!, 'data')]);
    const id = /Database system identifier:\s+(\d+)/.exec(control.stdout)?.[1];
    expect(id).toBeDefined();
    await ScratchCluster.with({ parentDir, initdbCacheDir: parentDir }, async (cluster) => {
      const result = await runClient(cluster, 'psql', ['-Atc', 'select system_identifier from pg_control_system()', 'postgres']);
      expect(result.stdout.trim()).toBe(id);
    });
  });

  it('keeps the cached template out of the reach of the user clusters run as, and never starts from a tampered copy', async () => {
    const own = mkdtempSync(join(tmpdir(), 'bh-scratch-tamper-'));
    chmodSync(own, 0o755); // the clusters' user (backup-health-drill, as root) must reach its directories
    try {
      const first = await ScratchCluster.start({ parentDir: own, initdbCacheDir: own });
      await first.stop();
      const cache = join(own, INITDB_CACHE_DIR);
      const [key] = readdirSync(cache);
      const template = join(cache, key!, 'data');
      // Made by initdb as the cluster's user, then handed back: that user can neither change nor read it.
      for (const path of [join(cache, key!), join(cache, key!, 'meta.json'), template, join(template, 'postgresql.conf'), join(template, 'base')]) {
        const info = statSync(path);
        expect(info.uid).toBe(process.getuid!());
        expect(info.mode & 0o022).toBe(0);
      }
      const control = await run(join(first.install.bin, 'pg_controldata'), [template]);
      const id = /Database system identifier:\s+(\d+)/.exec(control.stdout)?.[1];
      // Poisoned anyway (as if a drill had reached it): the next cluster must not start from it.
      appendFileSync(join(template, 'postgresql.auto.conf'), "shared_preload_libraries = 'no_such_library'\n");
      await ScratchCluster.with({ parentDir: own, initdbCacheDir: own }, async (cluster) => {
        const result = await runClient(cluster, 'psql', ['-Atc', 'select system_identifier from pg_control_system()', 'postgres']);
        expect(result.stdout.trim()).toMatch(/^\d+$/);
        expect(result.stdout.trim()).not.toBe(id);
      });
    } finally {
      rmSync(own, { recursive: true, force: true });
    }
  });

  it('starts under a directory too deep for a unix socket, with its socket in a short private directory', async () => {
    const deep = join(mkdtempSync(join(tmpdir(), 'bh-deep-')), 'a-drill-directory-whose-path-is-long-enough'.repeat(2));
    mkdirSync(deep, { recursive: true });
    chmodSync(dirname(deep), 0o755);
    chmodSync(deep, 0o755);
    try {
      const cluster = await ScratchCluster.start({ parentDir: deep });
      expect(cluster.socketDir).not.toBe(cluster.dir);
      expect(Buffer.byteLength(join(cluster.socketDir, '.s.PGSQL.5432'))).toBeLessThan(108);
      expect((await runClient(cluster, 'psql', ['-Atc', 'select 1', 'postgres'])).stdout.trim()).toBe('1');
      await cluster.stop();
      expect(existsSync(cluster.socketDir)).toBe(false);
    } finally {
      rmSync(dirname(deep), { recursive: true, force: true });
    }
  });

  it('drills racing to make the cache each get a superuser that exists in their copy', async () => {
    const own = mkdtempSync(join(tmpdir(), 'bh-scratch-race-'));
    chmodSync(own, 0o755);
    try {
      const start = async () => ScratchCluster.start({ jail: await DrillJail.create(own), initdbCacheDir: own });
      // Two make the cache at once (one's rename loses), then two start from whatever won.
      for (const pair of [await Promise.all([start(), start()]), await Promise.all([start(), start()])]) {
        for (const cluster of pair) {
          expect(cluster.superuser).toMatch(/^bh_super_[0-9a-f]{16}$/);
          const who = await runClient(cluster, 'psql', ['-Atc', 'select current_user, (select rolsuper from pg_roles where rolname = current_user)', 'postgres']);
          expect(who.stdout.trim()).toBe(`${cluster.superuser}|t`);
          await cluster.stop();
        }
      }
      expect(readdirSync(join(own, INITDB_CACHE_DIR))).toHaveLength(1);
    } finally {
      rmSync(own, { recursive: true, force: true });
    }
  });

  it('ignores a cache other users could write to', async () => {
    const shared = mkdtempSync(join(tmpdir(), 'bh-scratch-shared-'));
    chmodSync(shared, 0o755);
    mkdirSync(join(shared, INITDB_CACHE_DIR), { mode: 0o777 });
    chmodSync(join(shared, INITDB_CACHE_DIR), 0o777);
    try {
      await ScratchCluster.with({ parentDir: shared, initdbCacheDir: shared }, async (cluster) => {
        expect((await runClient(cluster, 'psql', ['-Atc', 'select 1', 'postgres'])).stdout.trim()).toBe('1');
      });
      expect(readdirSync(join(shared, INITDB_CACHE_DIR))).toEqual([]);
    } finally {
      rmSync(shared, { recursive: true, force: true });
    }
  });
});

describe('PostgreSQL installations', () => {
  it('reads versions the way the binaries print them', () => {
    expect(parseVersionLine('postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)')).toEqual({ major: 15, version: '15.18 (Debian 15.18-0+deb12u1)' });
    expect(parseVersionLine('pg_restore (PostgreSQL) 17beta1')).toEqual({ major: 17, version: '17beta1' });
    expect(parseVersionLine('postgres (PostgreSQL) 9.6.24')).toEqual({ major: 9.6, version: '9.6.24' });
    expect(parseVersionLine('something else')).toBeNull();
  });

  it('names the version to install when none is new enough', async () => {
    await expect(pickPostgresInstall({ minMajor: 99 })).rejects.toThrow(/needs PostgreSQL 99 or newer, but only .* is installed; install postgresql-99/);
  });
});
