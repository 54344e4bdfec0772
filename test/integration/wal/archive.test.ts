// The WAL library against a real PostgreSQL archiving with archive_command = cp into a directory: a base
// backup, segments closed with pg_switch_wal(), the archive listed here and over ssh (the same listing), and
// continuity from the backup's start segment. Then a promotion (a standby made with pg_basebackup -R takes
// over and archives timeline 2 into the same archive): followed through 00000002.history, no false gap, the
// old timeline not taken for the newest. Then a segment deleted in the middle is the gap found.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readWalArchive, type WalArchiveListing } from '../../../electron/engine/wal/archive-listing';
import { walContinuity } from '../../../electron/engine/wal/continuity';
import { judgeWalArchive } from '../../../electron/engine/health/wal-rules';
import { ProbeError } from '../../../electron/engine/errors';
import { removeTestParentDir, scratchDirsIn, testParentDir } from '../../support/postgres-fixtures';
import { startBaseBackupSetup, type BaseBackupFacts, type BaseBackupSetup } from '../../support/basebackup-fixtures';
import { startSshd, type TestSshd } from '../../support/sshd';

const parent = testParentDir('wal-archive');
const S16 = 16 * 1024 * 1024;
let setup: BaseBackupSetup;
let sshd: TestSshd;
let backup: BaseBackupFacts;
let lastSwitched: string;

const byName = (listing: WalArchiveListing) => [...listing.entries].sort((a, b) => (a.name < b.name ? -1 : 1));

beforeAll(async () => {
  [setup, sshd] = await Promise.all([startBaseBackupSetup({ parentDir: parent }), startSshd()]);
  backup = await setup.backup({ format: 'plain' });
  for (let i = 0; i < 5; i++) {
    await setup.writeLoad(500);
    lastSwitched = (await setup.switchAndWait()).segment;
  }
}, 180_000);

afterAll(async () => {
  await Promise.all([setup?.stop(), sshd?.stop()]);
  expect(scratchDirsIn(parent)).toEqual([]);
  removeTestParentDir(parent);
});

describe('a real WAL archive', () => {
  it('is listed here and over ssh alike, and whole from the base backup to the last segment switched out', async () => {
    const local = await readWalArchive({ path: setup.walArchive });
    const remote = await readWalArchive({ path: setup.walArchive, host: sshd.host, sshOptions: sshd.sshOptions });
    expect(byName(remote)).toEqual(byName(local));
    const names = local.entries.map((e) => e.name);
    expect(names).toContain(backup.startSegment);
    expect(names).toContain(lastSwitched);
    expect(names.some((n) => n.endsWith('.backup'))).toBe(true);
    // Sizes and archive times are the files' own.
    expect(local.entries.find((e) => e.name === lastSwitched)).toMatchObject({ sizeBytes: S16, mtimeMs: expect.any(Number) });

    const summary = walContinuity({ listing: local.entries, segmentSize: S16, startSegment: backup.startSegment, histories: local.histories });
    expect(summary).toMatchObject({ timeline: 1, chain: [1], newestSegment: setup.archivedSegments().at(-1), gapCount: 0, missingSegments: 0, truncatedCount: 0, newestPartial: null });
    expect(summary.newestSegment! >= lastSwitched).toBe(true);
    expect(summary.segmentsPresent).toBe(summary.segmentsExpected);
    expect(judgeWalArchive(summary)).toEqual([]);
  });

  it('follows the promotion to timeline 2 through 00000002.history: no false gap', async () => {
    const timeline = await setup.faults.promote();
    expect(timeline).toBe(2);
    for (let i = 0; i < 3; i++) {
      await setup.writeLoad(200);
      lastSwitched = (await setup.switchAndWait()).segment;
    }
    expect(lastSwitched.startsWith('00000002'), lastSwitched).toBe(true);
    const listing = await readWalArchive({ path: setup.walArchive });
    const names = listing.entries.map((e) => e.name);
    expect(names).toContain('00000002.history');
    // No .partial of timeline 1 here: the standby's walreceiver marked its last segment done when it stopped
    // (archive_mode = on), so PostgreSQL 15 does not archive it as .partial; the unit tests cover one.
    expect(listing.histories.map((h) => h.timeline)).toEqual([2]);
    expect(listing.historyProblems).toEqual([]);

    const summary = walContinuity({ listing: listing.entries, segmentSize: S16, startSegment: backup.startSegment, histories: listing.histories });
    expect(summary).toMatchObject({ timeline: 2, chain: [1, 2], gapCount: 0, missingSegments: 0, newestPartial: null, missingHistories: [] });
    expect(summary.newestSegment! >= lastSwitched, `${summary.newestSegment} ${lastSwitched}`).toBe(true);
    expect(summary.windows.map((w) => w.timeline)).toEqual([1, 2]);
    expect(summary.windows[1]!.fromSegment).toBe(backup.startSegment);

    // Over ssh the .history file comes along in the same round trip.
    const remote = await readWalArchive({ path: setup.walArchive, host: sshd.host, sshOptions: sshd.sshOptions });
    expect(remote.histories).toEqual(listing.histories);
  });

  it('a segment deleted in the middle is the gap, named with the segment before it', async () => {
    const deleted = setup.faults.deleteMiddleSegment();
    const listing = await readWalArchive({ path: setup.walArchive });
    const summary = walContinuity({ listing: listing.entries, segmentSize: S16, startSegment: backup.startSegment, histories: listing.histories });
    expect(summary.gapCount).toBe(1);
    expect(summary.gaps[0]).toMatchObject({ firstMissing: deleted, missing: 1, afterArchivedAt: expect.any(Number) });
    const [finding] = judgeWalArchive(summary);
    expect(finding).toMatchObject({ rule: 'wal-continuity', status: 'critical', message: expect.stringMatching(new RegExp(`^point-in-time recovery stops at ${summary.gaps[0]!.after} \\(archived [^)]+\\): 1 segment missing after it; restores to later times are impossible$`)) });
  });

  it('says what to fix when the directory is missing or not a directory, here and over ssh', async () => {
    const scratch = mkdtempSync(join(parent, 'not-archive-'));
    const file = join(scratch, 'a-file');
    writeFileSync(file, 'x');
    try {
      for (const where of [{}, { host: sshd.host, sshOptions: sshd.sshOptions }]) {
        const missing = await readWalArchive({ path: join(scratch, 'nope'), ...where }).catch((e: unknown) => e);
        expect(missing).toBeInstanceOf(ProbeError);
        expect(missing).toMatchObject({ code: 'not-found', message: expect.stringMatching(/^no WAL archive directory .*nope.*: set walArchive to the directory archive_command copies WAL into$/) });
        const notDir = await readWalArchive({ path: file, ...where, field: 'archive' }).catch((e: unknown) => e);
        expect(notDir).toMatchObject({ code: 'config', message: expect.stringContaining('is a file, not a directory: set archive to') });
      }
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});
