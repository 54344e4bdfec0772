// Restore drills of real pgBackRest backups: restore the backup set into a scratch data directory, replay the
// archived WAL to consistency, promote, count every row of every database, run the user's checks, clean up.
import { rmSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ObservedBackup } from '../../../shared/model';
import { runPgBackRestDrill } from '../../../electron/engine/sources/pgbackrest/drill';
import { pgbackrestProbe } from '../../../electron/engine/sources/pgbackrest/index';
import { validateConfig, type PgBackRestSourceConfig } from '../../../shared/config';
import { probeContext, removeTestParentDir, scratchDirsIn, sql, testParentDir, waitFor } from '../../support/postgres-fixtures';
import { startPgBackRestCluster, STANZA, type PgBackRestSetup } from '../../support/pgbackrest-fixtures';
import { postgresProcessesUsing } from '../../support/processes';
import { expectToolVersion } from '../../support/tool-version';
import { sha256sumOf } from '../../support/sha256sum';

const sourceParent = testParentDir('pgbackrest-drill-source');
const drillParent = testParentDir('pgbackrest-drill-runs');
let setup: PgBackRestSetup;
let source: PgBackRestSourceConfig;
let backups: ObservedBackup[];

beforeAll(async () => {
  setup = await startPgBackRestCluster(sourceParent);
  await sql(setup.cluster, 'CREATE DATABASE shop');
  await sql(
    setup.cluster,
    `CREATE TABLE customers AS SELECT g AS id, 'c' || g AS name FROM generate_series(1, 3000) g;
     CREATE SCHEMA "my schema"; CREATE TABLE "my schema".orders AS SELECT g AS id FROM generate_series(1, 5000) g;`,
    'shop',
  );
  await sql(setup.cluster, 'CREATE TABLE notes AS SELECT g AS id FROM generate_series(1, 7) g');
  await setup.backup('full');
  await sql(setup.cluster, 'INSERT INTO customers SELECT g, \'c\' || g FROM generate_series(3001, 3500) g', 'shop');
  await setup.backup('incr');
  // Written after the newest backup: a restore to the end of that backup must not have them.
  await sql(setup.cluster, 'INSERT INTO customers SELECT g, \'late\' FROM generate_series(3501, 3600) g', 'shop');
  const parsed = validateConfig({ sources: [{ id: 'demo', kind: 'pgbackrest', stanza: STANZA, configPath: setup.configPath }] });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  source = parsed.config.sources[0] as PgBackRestSourceConfig;
  backups = (await pgbackrestProbe.observe(source, probeContext({ timeoutMs: 30_000 }))).backups;
});

afterAll(async () => {
  await setup?.stop();
  expect(scratchDirsIn(sourceParent)).toEqual([]);
  removeTestParentDir(sourceParent);
  removeTestParentDir(drillParent);
});

function drill(backup: ObservedBackup, checks: { name?: string; sql: string }[] = []) {
  return runPgBackRestDrill({ sourceId: 'demo', source, backup, checks, parentDir: drillParent, timeoutMs: 60_000 });
}

describe('pgbackrest restore drill', () => {
  it('restores the newest (incremental) backup, recovers to its end, and counts exactly what it held', async () => {
    const newest = backups.at(-1)!;
    expect(newest.type).toBe('incr');
    const result = await drill(newest, [{ name: 'customers are there', sql: 'select count(*) = 3500 from customers' }]);
    expect(result.message).toMatch(new RegExp(`^restored incr backup ${newest.key} and recovered it to consistency: 2 databases, 3 tables, 8,507 rows`));
    expect(result.outcome).toBe('pass');
    expect(result.tableDetails).toEqual([
      { schema: 'postgres.public', name: 'notes', rows: 7 },
      { schema: 'shop.my schema', name: 'orders', rows: 5000 },
      { schema: 'shop.public', name: 'customers', rows: 3500 },
    ]);
    expect(result).toMatchObject({ tables: 3, rows: 8507, restoredWith: expect.stringMatching(/^15\./), checks: [{ name: 'customers are there', passed: true, detail: 'true' }] });
    expect(result.phases.restore).toBeGreaterThan(0);
    expect(result.restoreMs).toBeGreaterThan(0);
    expect(scratchDirsIn(drillParent)).toEqual([]);
    expect(postgresProcessesUsing(drillParent)).toEqual([]);
    // The scratch cluster archived nothing into the real stanza: only the source's WAL is there.
    const archived = readdirSync(join(setup.repoPath, 'archive', STANZA, '15-1', '0000000100000000'));
    expect(archived.every((f) => f.startsWith('00000001'))).toBe(true);
    // The evidence: pgBackRest's version as `pgbackrest version` prints it, beside the scratch server's.
    expect(Object.keys(result.provenance!.tools)).toEqual(['pgbackrest']);
    await expectToolVersion(result.provenance!.tools.pgbackrest, 'pgbackrest', ['version']);
    // The set's checksum: its backup.manifest in the repository, as sha256sum gives it.
    const manifest = join(setup.repoPath, 'backup', STANZA, newest.key, 'backup.manifest');
    expect(result.provenance?.checksum).toEqual({ algorithm: 'sha256', of: 'backup-manifest', file: 'backup.manifest', hex: sha256sumOf(manifest), bytes: statSync(manifest).size });
    expect(result.provenance!.scratchServer).toMatch(/^15\./);
  });

  it('fails, naming the check, when a check does not hold', async () => {
    const result = await drill(backups.at(-1)!, [{ name: 'late rows', sql: "select count(*) > 0 from customers where name = 'late'" }]);
    expect(result).toMatchObject({ outcome: 'fail', message: `check "late rows" returned false: select count(*) > 0 from customers where name = 'late'` });
    expect(scratchDirsIn(drillParent)).toEqual([]);
  });

  it('a cancel during a long check stops the drill at once and cleans up', async () => {
    const cancel = new AbortController();
    const running = runPgBackRestDrill({ sourceId: 'demo', source, backup: backups.at(-1)!, checks: [{ name: 'slow', sql: 'select pg_sleep(600) is not null' }], parentDir: drillParent, timeoutMs: 30 * 60_000, signal: cancel.signal });
    // The check is running in the scratch cluster (a drill that waited for it would outlive this test's timeout).
    await waitFor('the slow check to run', async () => {
      const [dir] = scratchDirsIn(drillParent);
      if (!dir) return false;
      const scratch = { dir: join(drillParent, dir), port: 5432, tool: (name: string) => setup.cluster.tool(name), clientArgs: () => ['-h', join(drillParent, dir), '-p', '5432', '-U', 'postgres'] };
      return (await sql(scratch, "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'select pg_sleep(600)%'")) === '1';
    });
    cancel.abort();
    expect(await running).toMatchObject({ outcome: 'error', message: 'the drill was cancelled during the verify phase' });
    expect(scratchDirsIn(drillParent)).toEqual([]);
    expect(postgresProcessesUsing(drillParent)).toEqual([]);
  });

  it('to the end of the archive: replays every segment archived after the backup, and measures the recovery point', async () => {
    // A commit after the newest backup, its segment forced out and archived: what a restore to the end must bring.
    const committedAt = Number(await sql(setup.cluster, "INSERT INTO customers VALUES (3601, 'newest'); SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint", 'shop'));
    // The server's position as the segment closed: an idle server's (it may write a bookkeeping record later).
    const [serverLsn, switched] = (await sql(setup.cluster, "SELECT l || ' ' || pg_walfile_name(l) FROM pg_switch_wal() l")).split(' ') as [string, string];
    await waitFor('the archiver to archive the switched segment', async () => (await sql(setup.cluster, 'SELECT last_archived_wal FROM pg_stat_archiver')) >= switched);
    const archivedBy = Date.now();

    const idle = await runPgBackRestDrill({
      sourceId: 'demo', source, backup: backups.at(-1)!, mode: 'end-of-archive', parentDir: drillParent, timeoutMs: 120_000,
      checks: [{ name: 'the newest commit is there', sql: "select count(*) = 1 from customers where name = 'newest'" }],
      serverPosition: async () => ({ lsn: serverLsn, at: Date.now() }),
    });
    expect(idle.outcome, idle.message).toBe('pass');
    expect(idle.tableDetails).toContainEqual({ schema: 'shop.public', name: 'customers', rows: 3601 });
    const recovery = idle.recovery!;
    expect(recovery).toMatchObject({ mode: 'end-of-archive', idle: true, recoveryPointMs: 0, behindServerBytes: 0, lastReplayedSegment: switched });
    // Measured, not assumed: the last replayed commit is the one made above, to the clock's precision.
    expect(Math.abs(recovery.lastCommitAt! - committedAt)).toBeLessThan(1000);
    expect(recovery.recoveredTo).toBeGreaterThanOrEqual(recovery.lastCommitAt!);
    // Bounded by what the test saw, not by how long archiving took: the segment was in the archive by then.
    expect(recovery.recoveredTo).toBeLessThanOrEqual(archivedBy);
    expect(recovery.walReplayed).toBeGreaterThan(0);
    expect(idle.phases.replay).toBeGreaterThan(0);
    expect(idle.message).toMatch(/ and replayed its WAL to the end of the archive: restorable up to \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC \(recovery point 0: the server had written nothing newer when the drill started; replayed \d+ WAL segments? in \d+s\); 2 databases, 3 tables, 8,608 rows/);

    // Without a linked server, or with one that wrote more since: the recovery point is the drill's start minus
    // the time the replay reached, and the bytes of WAL it stayed behind are counted.
    await sql(setup.cluster, "SET synchronous_commit = on; INSERT INTO customers VALUES (3602, 'not archived yet')", 'shop');
    const behind = await runPgBackRestDrill({
      sourceId: 'demo', source, backup: backups.at(-1)!, mode: 'end-of-archive', parentDir: drillParent, timeoutMs: 120_000, checks: [],
      serverPosition: async () => ({ lsn: await sql(setup.cluster, 'SELECT pg_current_wal_lsn()'), at: Date.now() }),
    });
    expect(behind.outcome, behind.message).toBe('pass');
    expect(behind.recovery).toMatchObject({ idle: false, lastReplayedSegment: switched });
    expect(behind.recovery!.behindServerBytes).toBeGreaterThan(0);
    expect(behind.recovery!.recoveryPointMs).toBe(behind.startedAt - behind.recovery!.recoveredTo!);
    expect(behind.message).toMatch(/\(recovery point \d+s behind the drill's start; replayed/);
    expect(scratchDirsIn(drillParent)).toEqual([]);
    expect(postgresProcessesUsing(drillParent)).toEqual([]);
  });

  it('fails when the WAL the backup needs is gone from the archive', async () => {
    const full = backups[0]!;
    const walDir = join(setup.repoPath, 'archive', STANZA, '15-1', '0000000100000000');
    for (const f of readdirSync(walDir)) if (f.startsWith(String(full.meta?.archiveStart))) rmSync(join(walDir, f));
    const result = await drill(full);
    expect(result.outcome).toBe('fail');
    // Found before any cluster starts: the archive no longer lists the segment the backup begins with.
    expect(result.message).toMatch(/the WAL .* needs to be consistent is missing from the archive here: /);
    expect(scratchDirsIn(drillParent)).toEqual([]);
    expect(postgresProcessesUsing(drillParent)).toEqual([]);
  });
});
