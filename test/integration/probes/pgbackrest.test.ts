// The pgbackrest probe against the real pgBackRest 2.x: a cluster archiving into stanza "demo", a full and an
// incremental backup, then the faults a sysadmin meets: a stanza that does not exist, a config path that is
// wrong, archive_command pushing to the wrong stanza, a backup directory deleted from the repository.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PgBackRestSourceConfig } from '../../../shared/config';
import type { ObservedBackup } from '../../../shared/model';
import { pgbackrestProbe } from '../../../electron/engine/sources/pgbackrest/index';
import type { Observation } from '../../../electron/engine/sources/probe';
import { ProbeError } from '../../../electron/engine/errors';
import { probeContext, removeTestParentDir, scratchDirsIn, sql, testParentDir, waitFor } from '../../support/postgres-fixtures';
import { judgeObservation, pgbackrestSource, startPgBackRestCluster, STANZA, type PgBackRestSetup } from '../../support/pgbackrest-fixtures';
import { postgresProcessesUsing } from '../../support/processes';

const parent = testParentDir('pgbackrest-probe');
let setup: PgBackRestSetup;
let fullLabel: string;
let incrLabel: string;
let before: number;
let after: number;

function source(fields: Record<string, unknown> = {}): PgBackRestSourceConfig {
  return pgbackrestSource({ configPath: setup.configPath, ...fields });
}

function observe(src = source()): Promise<Observation> {
  return pgbackrestProbe.observe(src, probeContext({ timeoutMs: 30_000 }));
}

beforeAll(async () => {
  setup = await startPgBackRestCluster(parent);
  before = Date.now();
  await sql(setup.cluster, 'CREATE TABLE orders AS SELECT g AS id, md5(g::text) AS note FROM generate_series(1, 20000) g');
  fullLabel = await setup.backup('full');
  await sql(setup.cluster, 'INSERT INTO orders SELECT g, md5(g::text) FROM generate_series(20001, 20100) g');
  incrLabel = await setup.backup('incr');
  after = Date.now();
});

afterAll(async () => {
  await setup?.stop();
  expect(scratchDirsIn(parent)).toEqual([]);
  expect(postgresProcessesUsing(parent)).toEqual([]);
  removeTestParentDir(parent);
});

describe('pgbackrest probe', () => {
  it('observes every backup set: label, type, times, what it added to the repository', async () => {
    const { backups, metrics } = await observe();
    expect(backups.map((b) => [b.key, b.type, b.readable])).toEqual([
      [fullLabel, 'full', true],
      [incrLabel, 'incr', true],
    ]);
    expect(fullLabel).toMatch(/^\d{8}-\d{6}F$/);
    expect(incrLabel).toMatch(new RegExp(`^${fullLabel}_\\d{8}-\\d{6}I$`));
    const [full, incr] = backups as [ObservedBackup, ObservedBackup];
    // pgBackRest's timestamps are whole seconds.
    expect(full.startedAt).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(full.finishedAt).toBeGreaterThanOrEqual(full.startedAt!);
    expect(incr.startedAt).toBeGreaterThanOrEqual(full.finishedAt);
    expect(incr.finishedAt).toBeLessThanOrEqual(after);
    // The full holds the whole cluster (compressed); the incremental only what changed since.
    expect(full.sizeBytes).toBeGreaterThan(500_000);
    expect(incr.sizeBytes).toBeGreaterThan(0);
    expect(incr.sizeBytes).toBeLessThan(full.sizeBytes / 4);
    expect(full.meta).toMatchObject({ repoDelta: full.sizeBytes, repoSize: full.sizeBytes, pgVersion: '15', repoKey: 1, reference: null });
    expect(full.meta?.databaseSize as number).toBeGreaterThan(full.sizeBytes);
    expect(incr.meta).toMatchObject({ prior: fullLabel, reference: [fullLabel] });
    // What the repository holds for them: the full, plus what the incremental added.
    expect(metrics).toMatchObject({ kind: 'pgbackrest', stanzaStatus: { code: 0, message: 'ok' }, backupCount: 2, backupLockHeld: false, repoSizeBytes: full.sizeBytes + incr.sizeBytes });
    if (metrics.kind !== 'pgbackrest') throw new Error('wrong metrics');
    expect(metrics.archiveMin).toMatch(/^[0-9A-F]{24}$/);
    expect(metrics.archiveMax! >= metrics.archiveMin!).toBe(true);
  });

  it('judges a healthy stanza ok, and the tiny incremental is not a size problem', async () => {
    const observation = await observe();
    expect(judgeObservation(source({ maxAge: '1h', maxFullAge: '1d' }), observation)).toEqual({ status: 'ok', findings: [] });
  });

  it('flags a newest full older than maxFullAge and a full under minSize', async () => {
    const observation = await observe();
    const health = judgeObservation(source({ maxAge: '1h', maxFullAge: '1h', minSize: '1GB' }), observation, Date.now() + 2 * 3_600_000);
    expect(health.status).toBe('critical');
    const messages = health.findings.map((f) => `${f.rule}: ${f.message}`);
    expect(messages).toContainEqual(expect.stringMatching(new RegExp(`^backup-age: newest backup ${incrLabel} finished 2h ago, over the 1h maxAge`)));
    expect(messages).toContainEqual(expect.stringMatching(new RegExp(`^backup-age: newest full backup ${fullLabel} finished 2h ago, over the 1h maxFullAge`)));
    expect(messages).toContainEqual(expect.stringMatching(new RegExp(`^backup-size: newest full backup ${fullLabel} added .* below the 1.0 GB minSize`)));
  });

  it('a stanza that does not exist is a critical finding in pgBackRest\'s words, not a probe error', async () => {
    const src = source({ stanza: 'nosuch' });
    const observation = await observe(src);
    expect(observation.backups).toEqual([]);
    expect(observation.metrics).toMatchObject({ stanzaStatus: { code: 1, message: 'missing stanza path' } });
    const health = judgeObservation(src, observation);
    expect(health.status).toBe('critical');
    expect(health.findings).toContainEqual(
      expect.objectContaining({ rule: 'stanza-status', status: 'critical', message: expect.stringContaining('pgBackRest reports stanza nosuch: missing stanza path (status 1); create it with pgbackrest stanza-create') }),
    );
    expect(health.findings.map((f) => f.rule)).toContain('no-backups');
  });

  it('a wrong configPath is a config error naming the file', async () => {
    const missing = join(setup.dir, 'nope.conf');
    const error = await observe(source({ configPath: missing })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProbeError);
    expect(error).toMatchObject({ code: 'config', message: expect.stringContaining(`unable to open missing file '${missing}' for read`) });
  });

  it('archive_command pushing to the wrong stanza: WAL piles up unarchived, the next backup fails, the probe sees the archive stall', async () => {
    const { metrics: was } = await observe();
    await setup.setArchiveStanza('wrong');
    await sql(setup.cluster, "INSERT INTO orders VALUES (0, 'after'); SELECT pg_switch_wal();");
    const failed = await waitFor('an archiver failure', async () => Number(await sql(setup.cluster, 'SELECT failed_count FROM pg_stat_archiver')) > 0);
    expect(failed).toBe(true);
    const backup = await setup.pgbackrest(['--type=incr', '--archive-timeout=2', 'backup']);
    expect(backup.code).not.toBe(0);
    expect(backup.stderr).toMatch(/was not archived before the 2000ms timeout/);
    // What pgBackRest itself reports: the stanza is fine, no new backup, the archive stopped where it was.
    // The failure shows in the linked postgres source's wal-archiving rule and, once maxAge passes, backup-age.
    const { backups, metrics } = await observe();
    expect(backups.map((b) => b.key)).toEqual([fullLabel, incrLabel]);
    expect(metrics).toMatchObject({ stanzaStatus: { code: 0 }, archiveMax: (was as { archiveMax: string }).archiveMax });
    await setup.setArchiveStanza(STANZA);
  });

  it('a backup directory deleted from the repository: info still lists it, the probe marks it unreadable', async () => {
    const info = await setup.pgbackrest(['info', '--output=json']);
    expect((JSON.parse(info.stdout) as { status: { code: number } }[])[0]!.status.code).toBe(0); // pgBackRest's info does not notice
    rmSync(join(setup.repoPath, 'backup', STANZA, incrLabel), { recursive: true });
    const observation = await observe();
    const incr = observation.backups.find((b) => b.key === incrLabel);
    expect(incr).toMatchObject({ readable: false, problem: 'its directory is missing from repository 1; pgbackrest cannot restore it' });
    const health = judgeObservation(source(), observation);
    expect(health.status).toBe('critical');
    expect(health.findings[0]).toMatchObject({ rule: 'backup-unreadable', message: expect.stringContaining(`newest backup ${incrLabel}`) });

    rmSync(join(setup.repoPath, 'backup', STANZA, fullLabel), { recursive: true });
    const again = await observe();
    expect(again.backups.find((b) => b.key === incrLabel)?.problem).toBe('its directory is missing from repository 1; pgbackrest cannot restore it');
    expect(again.backups.find((b) => b.key === fullLabel)?.readable).toBe(false);
  });

  it('pgbackrest not installed is a not-found probe error', async () => {
    const path = process.env.PATH;
    // A directory that is there and empty: /nonexistent may exist after all (a tool run as a system user with
    // that home can make it), and then, unreadable to an ordinary user, PATH lookups say EACCES, not ENOENT.
    const empty = mkdtempSync(join(tmpdir(), 'backup-health-test-no-tools-'));
    process.env.PATH = empty;
    try {
      await expect(observe()).rejects.toMatchObject({ code: 'not-found', message: expect.stringContaining('pgbackrest is not installed') });
    } finally {
      process.env.PATH = path;
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
