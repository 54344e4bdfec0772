// pgBackRest WAL continuity across a timeline switch, with the real tools: a stanza with a full backup and
// segments archived after it on timeline 1, then a point-in-time restore of that backup (pgbackrest restore
// --type=immediate --target-action=promote) starting timeline 2, which archives 00000002.history and its own
// segments into the same stanza. Timeline 1's segments after the branch point are a dead end, archived before
// timeline 2's; the probe reads the history with repo-get and follows 1 -> 2 without a false gap.
import { chownSync, mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PgBackRestMetrics } from '../../../shared/model';
import { describeFailure, run } from '../../../electron/engine/exec';
import { pgbackrestProbe } from '../../../electron/engine/sources/pgbackrest/index';
import { probeContext, removeTestParentDir, scratchDirsIn, sql, testParentDir, waitFor } from '../../support/postgres-fixtures';
import { judgeObservation, pgbackrestSource, startPgBackRestCluster, type PgBackRestSetup } from '../../support/pgbackrest-fixtures';

const parent = testParentDir('pgbackrest-wal-timeline');
const S16 = 16 * 1024 * 1024;
let setup: PgBackRestSetup;
let restarted = false;
let backupStartSegment: string;
let timeline1Newest: string;
let timeline2Newest: string;

async function switchWal(times: number): Promise<string> {
  let name = '';
  for (let i = 0; i < times; i++) name = await sql(setup.cluster, 'INSERT INTO orders SELECT g FROM generate_series(1, 100) g; SELECT pg_walfile_name(pg_switch_wal());');
  await waitFor(`${name} archived`, async () => (await sql(setup.cluster, 'SELECT last_archived_wal FROM pg_stat_archiver')) === name);
  return name;
}

/** pg_ctl as the cluster's user. */
async function pgCtl(args: string[]): Promise<void> {
  const result = await run(setup.cluster.tool('pg_ctl'), ['-D', setup.cluster.dataDir, ...args], { timeoutMs: 60_000, ...setup.cluster.owner });
  if (result.code !== 0) throw new Error(describeFailure(result, 'pg_ctl'));
}

/** postmaster.opts' arguments after -D: the settings the scratch cluster was started with. */
function startSettings(): string {
  const opts = readFileSync(join(setup.cluster.dataDir, 'postmaster.opts'), 'utf8').trim();
  const args = [...opts.matchAll(/"([^"]*)"/g)].map((m) => m[1]!);
  const settings = args.slice(args.indexOf('-D') + 2);
  return settings.map((arg) => `'${arg}'`).join(' ');
}

beforeAll(async () => {
  setup = await startPgBackRestCluster(parent);
  await sql(setup.cluster, 'CREATE TABLE orders (id int)');
  await setup.backup('full');
  const info = JSON.parse((await setup.pgbackrest(['info', '--output=json'])).stdout) as { backup: { archive: { start: string } }[] }[];
  backupStartSegment = info[0]!.backup[0]!.archive.start;
  timeline1Newest = await switchWal(6);

  // The point-in-time restore: stop, restore to the backup's consistency point, promote onto timeline 2.
  const settings = startSettings();
  await pgCtl(['stop', '-m', 'fast', '-w']);
  restarted = true;
  // restore clears the async archive spool; the fixture's config sets none, so one of its own.
  const spool = join(setup.dir, 'spool');
  mkdirSync(spool);
  if (setup.cluster.owner) chownSync(spool, setup.cluster.owner.uid, setup.cluster.owner.gid);
  // In the config file, not on the command line: restore copies its options into restore_command, and
  // archive-get refuses spool-path there without archive-async.
  writeFileSync(setup.configPath, readFileSync(setup.configPath, 'utf8').replace('[global]\n', `[global]\nspool-path=${spool}\n`));
  const restored = await setup.pgbackrest(['restore', '--delta', '--type=immediate', '--target-action=promote']);
  if (restored.code !== 0) throw new Error(describeFailure(restored, 'pgbackrest restore'));
  const log = join(setup.dir, 'restored.log');
  await run('touch', [log]);
  if (setup.cluster.owner) chownSync(log, setup.cluster.owner.uid, setup.cluster.owner.gid);
  await pgCtl(['start', '-w', '-t', '60', '-l', log, '-o', settings]).catch((err: Error) => {
    throw new Error(`${err.message}\n${readFileSync(log, 'utf8').split('\n').slice(-15).join('\n')}`);
  });
  await waitFor('promotion to timeline 2', async () => (await sql(setup.cluster, 'SELECT pg_walfile_name(pg_current_wal_lsn())')).startsWith('00000002'), { timeoutMs: 60_000 });
  timeline2Newest = await switchWal(3);
}, 240_000);

afterAll(async () => {
  if (restarted) await pgCtl(['stop', '-m', 'immediate', '-w']).catch(() => {});
  await setup?.stop();
  expect(scratchDirsIn(parent)).toEqual([]);
  removeTestParentDir(parent);
});

describe('pgBackRest WAL continuity across a timeline switch', () => {
  it('follows timeline 1 to the branch point and timeline 2 after it, reading 00000002.history with repo-get', async () => {
    expect(timeline2Newest.startsWith('00000002')).toBe(true);
    // Timeline 1 went on past the branch point (the backup's end, in its start segment): a dead end.
    expect(parseInt(timeline1Newest.slice(16), 16)).toBeGreaterThan(parseInt(backupStartSegment.slice(16), 16));
    const source = pgbackrestSource({ configPath: setup.configPath });
    const observation = await pgbackrestProbe.observe(source, probeContext({ timeoutMs: 30_000 }));
    const m = observation.metrics as PgBackRestMetrics;
    expect(m.walArchiveError).toBeUndefined();
    expect(m.walArchive).toMatchObject({
      segmentSize: S16,
      timeline: 2,
      chain: [1, 2],
      startSegment: backupStartSegment,
      gapCount: 0,
      missingSegments: 0,
      missingHistories: [],
      otherTimelines: [],
    });
    expect(m.walArchive!.newestSegment! >= timeline2Newest).toBe(true);
    // Timeline 2 began inside the backup's start segment, so recovery reads that segment, and all after it,
    // from timeline 2 (its copy holds timeline 1's records up to the switch): nothing is read from timeline 1.
    const start2 = `00000002${backupStartSegment.slice(8)}`;
    expect(m.walArchive!.windows.map((w) => [w.timeline, w.fromSegment, w.toSegment])).toEqual([[2, start2, m.walArchive!.newestSegment]]);
    expect(m.walArchive!.segmentsPresent).toBe(m.walArchive!.segmentsExpected);
    expect(judgeObservation(source, observation).findings.filter((f) => f.rule === 'wal-continuity')).toEqual([]);
  });

  it('follows timeline 2 even when timeline 1 has the most recently archived segment, as a restore to the latest point does', async () => {
    // The old primary archived one more segment of its dead end after the promotion (an archive_command that
    // overwrites gives it a new time): by archive time timeline 1 is the newest, but recovery with
    // recovery_target_timeline = 'latest' (pgBackRest's and every drill's) follows 00000002.history.
    const dir = join(setup.repoPath, 'archive', 'demo');
    const archiveId = readdirSync(dir).find((name) => /^\d+-\d+$/.test(name))!;
    const folder = join(dir, archiveId, timeline1Newest.slice(0, 16));
    const file = readdirSync(folder).find((name) => name.startsWith(timeline1Newest))!;
    const later = new Date(Date.now() + 3_600_000);
    utimesSync(join(folder, file), later, later);
    const source = pgbackrestSource({ configPath: setup.configPath });
    const m = (await pgbackrestProbe.observe(source, probeContext({ timeoutMs: 30_000 }))).metrics as PgBackRestMetrics;
    expect(m.walArchive).toMatchObject({ timeline: 2, chain: [1, 2], gapCount: 0, missingHistories: [] });
    expect(m.walArchive!.newestSegment! >= timeline2Newest).toBe(true);
  });
});
