// A pgBackRest stanza read and drilled over ssh through a real sshd on 127.0.0.1 (the "repository host" is
// this machine, so its temp dir is ours to inspect): the same observation as the local probe, pgBackRest's
// own verdicts, ssh's failures as findings, and a restore drill that restores on the host, copies the result
// here, recovers and counts it, and leaves no temp dir on either side, cancelled or not.
import { chownSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PgBackRestSourceConfig } from '../../../shared/config';
import type { DrillProgress, ObservedBackup } from '../../../shared/model';
import { REMOTE_DIR_PREFIX } from '../../../electron/engine/sources/pgbackrest/remote-copy';
import { runPgBackRestDrill } from '../../../electron/engine/sources/pgbackrest/drill';
import { pgbackrestProbe } from '../../../electron/engine/sources/pgbackrest/index';
import type { Observation } from '../../../electron/engine/sources/probe';
import { ProbeError } from '../../../electron/engine/errors';
import { probeContext, removeTestParentDir, scratchDirsIn, sql, testParentDir, waitFor } from '../../support/postgres-fixtures';
import { judgeObservation, judgeProbeError, pgbackrestSource, startPgBackRestCluster, STANZA, type PgBackRestSetup } from '../../support/pgbackrest-fixtures';
import { postgresProcessesUsing } from '../../support/processes';
import { startSshd, type TestSshd } from '../../support/sshd';
import { expectToolVersion } from '../../support/tool-version';

const sourceParent = testParentDir('pgbackrest-ssh-source');
const drillParent = testParentDir('pgbackrest-ssh-drills');
let sshd: TestSshd;
let setup: PgBackRestSetup;
let fullLabel: string;
let incrLabel: string;
/** The stanza's config as a dedicated repository host has it: pg1-host names the database server. */
let repoHostConfig: string;

function local(fields: Record<string, unknown> = {}): PgBackRestSourceConfig {
  return pgbackrestSource({ configPath: setup.configPath, ...fields });
}

function remote(fields: Record<string, unknown> = {}): PgBackRestSourceConfig {
  return local({ host: sshd.host, sshOptions: sshd.sshOptions, ...fields });
}

function observe(source: PgBackRestSourceConfig): Promise<Observation> {
  return pgbackrestProbe.observe(source, probeContext({ timeoutMs: 30_000 }));
}

async function observeError(source: PgBackRestSourceConfig): Promise<ProbeError> {
  const err = await observe(source).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ProbeError);
  return err as ProbeError;
}

/** The copy scripts' temp dirs on the "host" (ssh logins here have no TMPDIR: /tmp). */
function remoteTempDirs(): string[] {
  return readdirSync(tmpdir()).filter((name) => name.startsWith(REMOTE_DIR_PREFIX));
}

/** A drill source on the repository host. */
function repoHost(fields: Record<string, unknown> = {}): PgBackRestSourceConfig {
  return remote({ configPath: repoHostConfig, ...fields });
}

async function newestBackup(): Promise<ObservedBackup> {
  return (await observe(remote())).backups.find((b) => b.key === incrLabel)!;
}

beforeAll(async () => {
  [sshd, setup] = await Promise.all([startSshd(), startPgBackRestCluster(sourceParent)]);
  repoHostConfig = join(setup.dir, 'repo-host.conf');
  writeFileSync(repoHostConfig, readFileSync(setup.configPath, 'utf8').replace(`[${STANZA}]\n`, `[${STANZA}]\npg1-host=db-server.invalid\n`));
  // A tablespace outside the data directory: its link names the host's temp dir until the drill relinks it.
  const tablespace = join(setup.dir, 'tablespace');
  mkdirSync(tablespace);
  if (setup.cluster.owner) chownSync(tablespace, setup.cluster.owner.uid, setup.cluster.owner.gid);
  await sql(setup.cluster, `CREATE TABLESPACE archive_space LOCATION '${tablespace}'`);
  await sql(setup.cluster, 'CREATE DATABASE shop');
  await sql(
    setup.cluster,
    `CREATE TABLE customers AS SELECT g AS id, md5(g::text) AS name FROM generate_series(1, 40000) g;
     CREATE TABLE old_orders TABLESPACE archive_space AS SELECT g AS id FROM generate_series(1, 1234) g;`,
    'shop',
  );
  fullLabel = await setup.backup('full');
  await sql(setup.cluster, 'INSERT INTO customers SELECT g, md5(g::text) FROM generate_series(40001, 40500) g', 'shop');
  incrLabel = await setup.backup('incr');
  // Written after the newest backup: a restore to the end of that backup must not have them.
  await sql(setup.cluster, "INSERT INTO customers SELECT g, 'late' FROM generate_series(40501, 40600) g", 'shop');
});

afterAll(async () => {
  await Promise.all([setup?.stop(), sshd?.stop()]);
  expect(scratchDirsIn(sourceParent)).toEqual([]);
  expect(scratchDirsIn(drillParent)).toEqual([]);
  removeTestParentDir(sourceParent);
  removeTestParentDir(drillParent);
});

describe('pgbackrest probe over ssh', () => {
  it('observes exactly what the local probe observes: the same backups, sizes and WAL range', async () => {
    const [here, there] = await Promise.all([observe(local()), observe(remote())]);
    expect(there.backups.map((b) => [b.key, b.type, b.readable])).toEqual([
      [fullLabel, 'full', true],
      [incrLabel, 'incr', true],
    ]);
    expect(there.backups).toEqual(here.backups);
    expect(there.metrics).toEqual(here.metrics);
    expect(there.metrics).toMatchObject({ kind: 'pgbackrest', stanzaStatus: { code: 0 }, backupCount: 2, archiveMin: expect.stringMatching(/^[0-9A-F]{24}$/) });
  });

  it("a stanza missing on the host is critical, in pgBackRest's words", async () => {
    const source = remote({ stanza: 'nosuch' });
    const observation = await observe(source);
    expect(observation.backups).toEqual([]);
    const health = judgeObservation(source, observation);
    expect(health.status).toBe('critical');
    expect(health.findings).toContainEqual(expect.objectContaining({ rule: 'stanza-status', message: expect.stringContaining('pgBackRest reports stanza nosuch: missing stanza path (status 1)') }));
  });

  it('a configPath missing on the host is a config error naming the host and the file', async () => {
    const missing = join(setup.dir, 'nope.conf');
    const err = await observeError(remote({ configPath: missing }));
    expect(err.code).toBe('config');
    expect(err.message).toBe(`pgbackrest on ${sshd.host} cannot read its config file: unable to open missing file '${missing}' for read; check configPath`);
  });

  it('a key the host refuses becomes an auth-failed finding; an unknown host key says how to accept it', async () => {
    const refusedSource = remote({ sshOptions: sshd.wrongKeyOptions });
    const refused = await observeError(refusedSource);
    expect(refused.code).toBe('auth-failed');
    const health = judgeProbeError(refusedSource, refused);
    expect(health.findings).toEqual([
      expect.objectContaining({ rule: 'probe-error', status: 'unknown', message: expect.stringMatching(/^could not observe .*127\.0\.0\.1.*: 127\.0\.0\.1 refused the ssh login .*Permission denied \(publickey\)/) }),
    ]);
    const unknown = await observeError(remote({ sshOptions: sshd.unknownHostOptions }));
    expect(unknown).toMatchObject({ code: 'config', message: `the host key of 127.0.0.1 is not known or changed: connect once with ssh ${sshd.host} to check and accept it` });
  });

  it('archive_command broken: over ssh as here, no new backup and the archive stopped where it was', async () => {
    const before = await observe(remote());
    await setup.setArchiveStanza('wrong');
    try {
      await sql(setup.cluster, 'SELECT pg_switch_wal();');
      expect(await waitFor('an archiver failure', async () => Number(await sql(setup.cluster, 'SELECT failed_count FROM pg_stat_archiver')) > 0)).toBe(true);
      const backup = await setup.pgbackrest(['--type=incr', '--archive-timeout=2', 'backup']);
      expect(backup.code).not.toBe(0);
      const [here, there] = await Promise.all([observe(local()), observe(remote())]);
      expect(there).toEqual(here);
      expect(there.backups.map((b) => b.key)).toEqual([fullLabel, incrLabel]);
      expect(there.metrics).toMatchObject({ stanzaStatus: { code: 0 }, archiveMax: (before.metrics as { archiveMax: string }).archiveMax });
    } finally {
      await setup.setArchiveStanza(STANZA);
    }
  });
});

describe('pgbackrest restore drill over ssh', () => {
  it('restores on the repository host, copies it here, recovers to the end of the backup and counts exactly', async () => {
    const progress: DrillProgress[] = [];
    const backup = await newestBackup();
    const drill = await runPgBackRestDrill({ sourceId: 'demo-backups', source: repoHost(), backup, checks: [], parentDir: drillParent, timeoutMs: 120_000, onProgress: (p) => progress.push(p) });
    expect(drill.message).toMatch(new RegExp(`^restored incr backup ${incrLabel} \\(restored on ${sshd.host} and copied here\\) and recovered it to consistency: 2 databases, 2 tables, 41,734 rows`));
    expect(drill.outcome).toBe('pass');
    expect(drill.tableDetails).toEqual([
      { schema: 'shop.public', name: 'customers', rows: 40500 },
      { schema: 'shop.public', name: 'old_orders', rows: 1234 },
    ]);
    // The copy is reported in bytes, against the backup's database size, and counted in the restore time.
    const copied = progress.filter((p) => p.phase === 'copy' && p.unit === 'bytes');
    expect(copied.length).toBeGreaterThan(0);
    expect(copied.at(-1)!.done).toBeGreaterThan(Number(backup.meta?.databaseSize) / 2);
    expect(copied.at(-1)!.total).toBeGreaterThanOrEqual(Number(backup.meta?.databaseSize));
    expect(progress.map((p) => p.phase).filter((phase, i, all) => phase !== all[i - 1])).toEqual(['copy', 'replay', 'verify', 'cleanup']);
    expect(drill.phases.copy).toBeGreaterThan(0);
    expect(drill.restoreMs).toBe(drill.phases.copy! + drill.phases.replay! + drill.phases.verify!);
    expect(remoteTempDirs()).toEqual([]);
    // The evidence: pgbackrest and the tar that sent the restored tree ran on the host (asked there over ssh), tar unpacked it here.
    const { tools } = drill.provenance!;
    expect(Object.keys(tools).sort()).toEqual(['pgbackrest@127.0.0.1', 'tar', 'tar@127.0.0.1']);
    await expectToolVersion(tools['pgbackrest@127.0.0.1'], 'pgbackrest', ['version'], sshd);
    await expectToolVersion(tools['tar@127.0.0.1'], 'tar', ['--version'], sshd);
    await expectToolVersion(tools.tar, 'tar');
    expect(scratchDirsIn(drillParent)).toEqual([]);
    expect(postgresProcessesUsing(drillParent)).toEqual([]);
  });

  it('to the end of the archive: the WAL archived after the backup is fetched on the host and replayed here', async () => {
    const switched = await sql(setup.cluster, 'SELECT pg_walfile_name(pg_switch_wal())');
    await waitFor('the switched segment in the archive', async () => (await sql(setup.cluster, 'SELECT last_archived_wal FROM pg_stat_archiver')) >= switched);
    const drill = await runPgBackRestDrill({ sourceId: 'demo-backups', source: repoHost(), backup: await newestBackup(), mode: 'end-of-archive', checks: [], parentDir: drillParent, timeoutMs: 120_000 });
    expect(drill.outcome, drill.message).toBe('pass');
    expect(drill.tableDetails).toContainEqual({ schema: 'shop.public', name: 'customers', rows: 40600 });
    expect(drill.recovery).toMatchObject({ mode: 'end-of-archive', lastReplayedSegment: switched });
    expect(drill.message).toMatch(/\(restored on .* and copied here\) and replayed its WAL to the end of the archive: restorable up to /);
    expect(remoteTempDirs()).toEqual([]);
    expect(scratchDirsIn(drillParent)).toEqual([]);
  });

  it('a drill cancelled while the host restores or copies cleans up both sides', async () => {
    const cancel = new AbortController();
    const drill = runPgBackRestDrill({ sourceId: 'demo-backups', source: repoHost(), backup: await newestBackup(), checks: [], parentDir: drillParent, timeoutMs: 120_000, signal: cancel.signal });
    await waitFor('the temp dir of the restore on the host', () => remoteTempDirs().some((d) => existsSync(join(tmpdir(), d, 'data'))), { intervalMs: 10 });
    cancel.abort();
    const result = await drill;
    expect(result).toMatchObject({ outcome: 'error', message: 'the drill was cancelled during the copy phase' });
    expect(remoteTempDirs()).toEqual([]);
    expect(scratchDirsIn(drillParent)).toEqual([]);
  });

  it('an ssh login the host refuses is a drill error saying so, not a failed backup', async () => {
    const drill = await runPgBackRestDrill({ sourceId: 'demo-backups', source: repoHost({ sshOptions: sshd.wrongKeyOptions }), backup: await newestBackup(), checks: [], parentDir: drillParent, timeoutMs: 60_000 });
    expect(drill.outcome).toBe('error');
    expect(drill.message).toMatch(/^the copy phase failed: 127\.0\.0\.1 refused the ssh login .*Permission denied \(publickey\)/);
    expect(scratchDirsIn(drillParent)).toEqual([]);
  });

  it('a backup whose WAL is gone from the archive fails before anything is copied', async () => {
    const full = (await observe(remote())).backups.find((b) => b.key === fullLabel)!;
    const walDir = join(setup.repoPath, 'archive', STANZA, '15-1', String(full.meta?.archiveStop).slice(0, 16));
    for (const f of readdirSync(walDir)) if (f.startsWith(String(full.meta?.archiveStop))) rmSync(join(walDir, f));
    const drill = await runPgBackRestDrill({ sourceId: 'demo-backups', source: repoHost(), backup: full, checks: [], parentDir: drillParent, timeoutMs: 60_000 });
    expect(drill).toMatchObject({ outcome: 'fail', message: `the WAL ${fullLabel} needs to be consistent is missing from the archive on ${sshd.host}: ${String(full.meta?.archiveStop)}` });
    expect(remoteTempDirs()).toEqual([]);
    expect(scratchDirsIn(drillParent)).toEqual([]);
  });
});

describe('a damaged repository over ssh', () => {
  it('a backup directory deleted from the repository is caught over ssh as it is here', async () => {
    rmSync(join(setup.repoPath, 'backup', STANZA, incrLabel), { recursive: true });
    const [here, there] = await Promise.all([observe(local()), observe(remote())]);
    expect(there.backups).toEqual(here.backups);
    expect(there.backups.find((b) => b.key === incrLabel)).toMatchObject({ readable: false, problem: 'its directory is missing from repository 1; pgbackrest cannot restore it' });
    const health = judgeObservation(remote(), there);
    expect(health.status).toBe('critical');
    expect(health.findings[0]).toMatchObject({ rule: 'backup-unreadable' });
  });

  it('drilling the deleted backup over ssh fails in pgbackrest restore, and leaves nothing behind', async () => {
    const gone = (await observe(remote())).backups.find((b) => b.key === incrLabel)!;
    const drill = await runPgBackRestDrill({ sourceId: 'demo-backups', source: repoHost(), backup: gone, checks: [], parentDir: drillParent, timeoutMs: 60_000 });
    expect(drill.outcome).toBe('fail');
    expect(drill.message).toMatch(new RegExp(`^the backup does not restore: pgbackrest restore on ${sshd.host} failed: `));
    expect(remoteTempDirs()).toEqual([]);
    expect(scratchDirsIn(drillParent)).toEqual([]);
  });
});
