// WAL continuity of a real pgBackRest stanza: a cluster archiving into stanza "demo" with archive-push, a full
// backup, segments closed with pg_switch_wal(); the probe lists the archive with repo-ls and finds it whole,
// here and over ssh alike.
// Then a segment deleted from the repository in the middle is a gap, named with the segment before it and
// its archive time, critical.
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PgBackRestMetrics } from '../../../shared/model';
import { pgbackrestProbe } from '../../../electron/engine/sources/pgbackrest/index';
import { archiveToCheck, segmentSizeOf } from '../../../electron/engine/sources/pgbackrest/archive-continuity';
import { parseWalFileName, segmentName } from '../../../electron/engine/wal/names';
import { probeContext, removeTestParentDir, scratchDirsIn, sql, testParentDir, waitFor } from '../../support/postgres-fixtures';
import { judgeObservation, pgbackrestSource, startPgBackRestCluster, STANZA, type PgBackRestSetup } from '../../support/pgbackrest-fixtures';
import { startSshd, type TestSshd } from '../../support/sshd';

const parent = testParentDir('pgbackrest-wal');
const S16 = 16 * 1024 * 1024;
let setup: PgBackRestSetup;
let sshd: TestSshd;
let lastSwitched: string;

async function switchWal(times: number): Promise<string> {
  let name = '';
  for (let i = 0; i < times; i++) {
    name = await sql(setup.cluster, `INSERT INTO orders SELECT g FROM generate_series(1, 100) g; SELECT pg_walfile_name(pg_switch_wal());`);
  }
  // archive-push runs in archive_command: the segment is in the repository once the archiver says so.
  await waitFor(`${name} archived`, async () => (await sql(setup.cluster, 'SELECT last_archived_wal FROM pg_stat_archiver')) >= name);
  return name;
}

function observe(fields: Record<string, unknown> = {}) {
  return pgbackrestProbe.observe(pgbackrestSource({ configPath: setup.configPath, ...fields }), probeContext({ timeoutMs: 30_000 }));
}

beforeAll(async () => {
  [setup, sshd] = await Promise.all([startPgBackRestCluster(parent), startSshd()]);
  await sql(setup.cluster, 'CREATE TABLE orders (id int)');
  await setup.backup('full');
  lastSwitched = await switchWal(8);
});

afterAll(async () => {
  await Promise.all([setup?.stop(), sshd?.stop()]);
  expect(scratchDirsIn(parent)).toEqual([]);
  removeTestParentDir(parent);
});

describe('pgBackRest WAL continuity', () => {
  it('lists the archive with repo-ls and finds every segment from the oldest backup to the newest', async () => {
    const { metrics } = await observe();
    const m = metrics as PgBackRestMetrics;
    expect(m.walArchiveError).toBeUndefined();
    expect(m.walArchive).toMatchObject({ segmentSize: S16, timeline: 1, chain: [1], gapCount: 0, missingSegments: 0, truncatedCount: 0 });
    // The newest full segment is the last one switched out (or a later one, if a checkpoint closed another).
    expect(m.walArchive!.newestSegment! >= lastSwitched).toBe(true);
    expect(m.walArchive!.segmentsPresent).toBe(m.walArchive!.segmentsExpected);
    expect(m.walArchive!.segmentsExpected).toBeGreaterThanOrEqual(9);
    expect(m.walArchive!.newestArchivedAt).toBeGreaterThan(Date.now() - 120_000);
    expect(pgbackrestProbe.describe(m, null, Date.now())).not.toContain('missing');
  });

  it('reads wal_segment_size from the backups: the start location and the archive start agree for one size only', () => {
    expect(segmentSizeOf([{ label: 'x', type: 'full', timestamp: { start: 0, stop: 0 }, info: { size: 0, delta: 0, repository: { size: 0, delta: 0 } }, archive: { start: '000000010000000000000002', stop: null }, lsn: { start: '0/2000028', stop: null } }])).toBe(S16);
    expect(segmentSizeOf([{ label: 'x', type: 'full', timestamp: { start: 0, stop: 0 }, info: { size: 0, delta: 0, repository: { size: 0, delta: 0 } }, archive: { start: '000000010000000000000020', stop: null }, lsn: { start: '0/2000028', stop: null } }])).toBe(1024 * 1024);
  });

  it('over ssh, repo-ls and repo-get run on the host and give the same summary', async () => {
    const [here, there] = await Promise.all([observe(), observe({ host: sshd.host, sshOptions: sshd.sshOptions })]);
    expect((there.metrics as PgBackRestMetrics).walArchive).toEqual((here.metrics as PgBackRestMetrics).walArchive);
    expect((there.metrics as PgBackRestMetrics).walArchive).toMatchObject({ gapCount: 0, segmentSize: S16 });
  });

  it('after a major upgrade, checks the current database’s archive from its own oldest backup', () => {
    const backup = (label: string, id: number, start: string) => ({ label, type: 'full' as const, timestamp: { start: 0, stop: 0 }, info: { size: 0, delta: 0, repository: { size: 0, delta: 0 } }, archive: { start, stop: start }, database: { id, 'repo-key': 1 } });
    const stanza = {
      name: 'demo',
      status: { code: 0, message: 'ok' },
      archive: [
        { id: '15-1', min: null, max: null, database: { id: 1, 'repo-key': 1 } },
        { id: '16-2', min: null, max: null, database: { id: 2, 'repo-key': 1 } },
      ],
      backup: [backup('old', 1, '000000010000000000000002'), backup('new1', 2, '000000010000000000000004'), backup('new2', 2, '000000010000000000000009')],
    };
    const chosen = archiveToCheck(stanza, undefined);
    expect(chosen).toMatchObject({ repoKey: 1, archive: { id: '16-2', databaseId: 2 } });
    expect((chosen as { backups: { label: string }[] }).backups.map((b) => b.label)).toEqual(['new1', 'new2']);
    expect(archiveToCheck(stanza, 2)).toEqual({ missing: 2 });
    expect(archiveToCheck({ ...stanza, backup: [] }, undefined)).toBeNull();
  });

  it('a segment deleted from the repository is a gap: critical, naming where recovery stops', async () => {
    const dir = join(setup.repoPath, 'archive', STANZA, '15-1', '0000000100000000');
    const files = readdirSync(dir).filter((n) => parseWalFileName(n, S16)?.kind === 'segment').sort();
    // Delete one in the middle of what was switched after the backup.
    const victim = files[files.length - 4]!;
    const before = files[files.length - 5]!;
    rmSync(join(dir, victim));
    const observation = await observe();
    const m = observation.metrics as PgBackRestMetrics;
    const missing = parseWalFileName(victim, S16)!;
    expect(m.walArchive!.gaps).toEqual([
      { after: before.slice(0, 24), afterArchivedAt: expect.any(Number), missing: 1, firstMissing: segmentName(1, missing.segment, S16) },
    ]);
    expect(pgbackrestProbe.describe(m, null, Date.now())).toMatch(/, 1 WAL segment missing$/);
    const health = judgeObservation(pgbackrestSource({ configPath: setup.configPath }), observation);
    expect(health.status).toBe('critical');
    expect(health.findings).toContainEqual(
      expect.objectContaining({
        rule: 'wal-continuity',
        status: 'critical',
        message: expect.stringMatching(new RegExp(`^point-in-time recovery stops at ${before.slice(0, 24)} \\(archived \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC\\): 1 segment missing after it; restores to later times are impossible$`)),
      }),
    );
  });
});
