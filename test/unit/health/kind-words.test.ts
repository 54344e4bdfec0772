// Every backup rule speaks the kind's own words: a stale restic repository is told about its restic backup
// job, a borg repository about its borg create timer, a pgBackRest stanza about its pgbackrest cron, and only a
// dump-dir about a dump job. Same rule ids for every kind.
import { describe, expect, it } from 'vitest';
import { basebackupSourceSchema, borgSourceSchema, pgbackrestSourceSchema, resticSourceSchema, type SourceConfig } from '../../../shared/config';
import type { BackupRecord, BackupType, Poll } from '../../../shared/model';
import { evaluate, judgeable } from '../../../electron/engine/sources/evaluate';
import { backupAge, backupSize, backupUnreadable, noBackups, probeError, restoreDrill, type Rule } from '../../../electron/engine/health/rules';
import type { EvaluationInput } from '../../../electron/engine/health/types';
import { DAY, HOUR, MB, NOW, dailyDumps, defaults, dumpDirSource, failedPoll, okPoll } from './fixtures';

const SNAPSHOT_ID = '4f9a7c2e1b3d5f60718293a4b5c6d7e8f9011223344556677889900aabbccdd';

const sources = {
  'dump-dir': dumpDirSource({ minSize: '1MB' }),
  restic: resticSourceSchema.parse({ id: 'orders-restic', kind: 'restic', repo: '/srv/restic/orders', passwordFile: '/etc/bh/restic.pass', snapshotTag: 'orders', minSize: '1MB' }),
  borg: borgSourceSchema.parse({ id: 'orders-borg', kind: 'borg', repo: '/srv/borg/orders', pattern: 'orders-*', minSize: '1MB' }),
  pgbackrest: pgbackrestSourceSchema.parse({ id: 'orders-pgbackrest', kind: 'pgbackrest', stanza: 'main', minSize: '1MB' }),
  basebackup: basebackupSourceSchema.parse({ id: 'orders-base', kind: 'basebackup', path: '/backup/orders/base', walArchive: '/backup/orders/wal', minSize: '1MB' }),
} satisfies Record<string, SourceConfig>;
type Kind = keyof typeof sources;

/** One backup of the kind, as its probe reports it, finished `ago` before NOW. */
function backupOf(kind: Kind, ago: number, sizeBytes: number, extra: Partial<BackupRecord> = {}): BackupRecord {
  const keys: Record<Kind, string> = { 'dump-dir': '/var/backups/orders/orders-30.dump', restic: SNAPSHOT_ID, borg: 'orders-2024-05-02', pgbackrest: '20240502-010000F', basebackup: '2024-05-02' };
  const types: Record<Kind, BackupType> = { 'dump-dir': 'dump', restic: 'snapshot', borg: 'snapshot', pgbackrest: 'full', basebackup: 'base' };
  return { sourceId: sources[kind].id, key: keys[kind], type: types[kind], finishedAt: NOW - ago, firstSeenAt: NOW - ago, sizeBytes, readable: true, problem: null, ...extra };
}

function inputOf(kind: Kind, backups: BackupRecord[], history: BackupRecord[] = backups): EvaluationInput {
  const metrics: Record<Kind, Poll['metrics']> = {
    'dump-dir': { kind: 'dump-dir', fileCount: backups.length, totalBytes: 0, inProgress: 0 },
    restic: { kind: 'restic', snapshotCount: backups.length, repoSizeBytes: null, restoreSizeBytes: null, sizesPending: 0 },
    borg: { kind: 'borg', archiveCount: backups.length, encryption: 'none', repoSizeBytes: null },
    pgbackrest: { kind: 'pgbackrest', stanzaStatus: { code: 0, message: 'ok' }, archiveMin: null, archiveMax: null, backupCount: backups.length, backupLockHeld: false },
    basebackup: { kind: 'basebackup', backupCount: backups.length, backupBytes: 0, archiveBytes: 0, archiveFiles: 0, newestSegment: null, newestSegmentAt: null, walSegmentSize: null, walArchive: null },
  };
  return judgeable({ source: sources[kind], defaults, now: NOW, latest: okPoll(sources[kind].id, metrics[kind]), consecutiveFailures: 0, backups, history });
}

/** Seven earlier backups of 100 MB, a day apart, before one of `sizeBytes` two hours ago. */
function shrunk(kind: Kind, sizeBytes: number): EvaluationInput {
  const newest = backupOf(kind, 2 * HOUR, sizeBytes);
  const earlier = dailyDumps(7, 100 * MB, DAY + 2 * HOUR).map((d, i) => ({ ...backupOf(kind, NOW - d.finishedAt, d.sizeBytes), key: `${newest.key}-${i}`, meta: {} }));
  return inputOf(kind, [newest], [newest, ...earlier]);
}

interface Case {
  kind: Kind;
  rule: Rule;
  ruleId: string;
  input: EvaluationInput;
  /** What the message must say, in the kind's words. */
  says: string[];
  /** Words of other kinds it must not say. */
  never: RegExp;
}

const NOT_DUMP_JOB = /dump job/;
const stale = (kind: Kind) => inputOf(kind, [backupOf(kind, 3 * DAY, 100 * MB)]);

const cases: Case[] = [
  // backup-age: what to check when the newest backup is older than maxAge.
  { kind: 'dump-dir', rule: backupAge, ruleId: 'backup-age', input: stale('dump-dir'), says: ['newest backup orders-30.dump finished 3d ago', 'check that the dump job still runs'], never: /restic|borg|pgbackrest/ },
  { kind: 'restic', rule: backupAge, ruleId: 'backup-age', input: stale('restic'), says: ['newest snapshot 4f9a7c2e finished 3d ago', 'check that the restic backup job still runs (its systemd timer or cron) and can reach the repository'], never: NOT_DUMP_JOB },
  { kind: 'borg', rule: backupAge, ruleId: 'backup-age', input: stale('borg'), says: ['newest archive orders-2024-05-02 finished 3d ago', 'check that the borg create timer or cron job still runs'], never: NOT_DUMP_JOB },
  { kind: 'pgbackrest', rule: backupAge, ruleId: 'backup-age', input: stale('pgbackrest'), says: ['newest backup 20240502-010000F finished 3d ago', 'check that the pgbackrest backup cron for stanza main still runs'], never: NOT_DUMP_JOB },
  { kind: 'basebackup', rule: backupAge, ruleId: 'backup-age', input: stale('basebackup'), says: ['newest base backup 2024-05-02 finished 3d ago', 'check that the pg_basebackup job (its cron or systemd timer) still runs and writes into /backup/orders/base'], never: NOT_DUMP_JOB },
  // backup-size against the median of the previous backups (pgBackRest judges fulls with its own rule, below).
  { kind: 'dump-dir', rule: backupSize, ruleId: 'backup-size', input: shrunk('dump-dir', 30 * MB), says: ['newest backup orders-30.dump is 30.0 MB, less than half the 100 MB median of the previous 7 backups', "check the dump job's log"], never: /restic|borg/ },
  { kind: 'restic', rule: backupSize, ruleId: 'backup-size', input: shrunk('restic', 30 * MB), says: ['newest snapshot 4f9a7c2e is 30.0 MB', 'median of the previous 7 snapshots', "check the restic backup job's log"], never: NOT_DUMP_JOB },
  { kind: 'borg', rule: backupSize, ruleId: 'backup-size', input: shrunk('borg', 30 * MB), says: ['newest archive orders-2024-05-02 is 30.0 MB', 'median of the previous 7 archives', "check the borg create job's log"], never: NOT_DUMP_JOB },
  // backup-size under minSize.
  { kind: 'restic', rule: backupSize, ruleId: 'backup-size', input: inputOf('restic', [backupOf('restic', HOUR, 500_000)]), says: ['below the 1.0 MB minSize', "check the restic backup job's log"], never: NOT_DUMP_JOB },
  { kind: 'borg', rule: backupSize, ruleId: 'backup-size', input: inputOf('borg', [backupOf('borg', HOUR, 500_000)]), says: ['below the 1.0 MB minSize', "check the borg create job's log"], never: NOT_DUMP_JOB },
  // backup-unreadable: an empty backup.
  { kind: 'dump-dir', rule: backupUnreadable, ruleId: 'backup-unreadable', input: inputOf('dump-dir', [backupOf('dump-dir', HOUR, 0, { readable: false })]), says: ['newest backup orders-30.dump is empty (0 bytes): the dump job failed or is still running'], never: /restic|borg/ },
  { kind: 'restic', rule: backupUnreadable, ruleId: 'backup-unreadable', input: inputOf('restic', [backupOf('restic', HOUR, 0)]), says: ['newest snapshot 4f9a7c2e is empty (0 bytes): the restic backup job saved no data: check the paths it backs up'], never: NOT_DUMP_JOB },
  { kind: 'borg', rule: backupUnreadable, ruleId: 'backup-unreadable', input: inputOf('borg', [backupOf('borg', HOUR, 0)]), says: ['newest archive orders-2024-05-02 is empty (0 bytes): borg create saved no files'], never: NOT_DUMP_JOB },
  { kind: 'pgbackrest', rule: backupUnreadable, ruleId: 'backup-unreadable', input: inputOf('pgbackrest', [backupOf('pgbackrest', HOUR, 0)]), says: ['newest backup 20240502-010000F is empty (0 bytes)', 'pgbackrest backup log for stanza main'], never: NOT_DUMP_JOB },
  // backup-unreadable without the probe saying why: never "not a pg_dump archive" for a snapshot.
  { kind: 'restic', rule: backupUnreadable, ruleId: 'backup-unreadable', input: inputOf('restic', [backupOf('restic', HOUR, 5 * MB, { readable: false })]), says: ['newest snapshot 4f9a7c2e (5.0 MB) cannot be read', 'run restic check'], never: /pg_dump/ },
  { kind: 'borg', rule: backupUnreadable, ruleId: 'backup-unreadable', input: inputOf('borg', [backupOf('borg', HOUR, 5 * MB, { readable: false })]), says: ['newest archive orders-2024-05-02 (5.0 MB) cannot be read', 'run borg check'], never: /pg_dump/ },
  // no-backups: what is missing, and where to look.
  { kind: 'dump-dir', rule: noBackups, ruleId: 'no-backups', input: inputOf('dump-dir', []), says: ['no file matching "*.dump" in /var/backups/orders'], never: /restic|borg/ },
  { kind: 'restic', rule: noBackups, ruleId: 'no-backups', input: inputOf('restic', []), says: ['no snapshots matching snapshotTag orders in restic repository /srv/restic/orders', 'check that the restic backup job runs'], never: NOT_DUMP_JOB },
  { kind: 'borg', rule: noBackups, ruleId: 'no-backups', input: inputOf('borg', []), says: ['no archives matching "orders-*" in borg repository /srv/borg/orders', 'borg create timer or cron job'], never: NOT_DUMP_JOB },
  { kind: 'pgbackrest', rule: noBackups, ruleId: 'no-backups', input: inputOf('pgbackrest', []), says: ['no backups in pgBackRest stanza main', 'pgbackrest --stanza=main --type=full backup'], never: NOT_DUMP_JOB },
  { kind: 'basebackup', rule: noBackups, ruleId: 'no-backups', input: inputOf('basebackup', []), says: ['no base backups in /backup/orders/base', 'check that the pg_basebackup job runs and writes one directory per run into /backup/orders/base'], never: NOT_DUMP_JOB },
  { kind: 'basebackup', rule: backupUnreadable, ruleId: 'backup-unreadable', input: inputOf('basebackup', [backupOf('basebackup', HOUR, 0)]), says: ['newest base backup 2024-05-02 is empty (0 bytes): pg_basebackup wrote nothing'], never: NOT_DUMP_JOB },
];

describe('the backup rules in each kind\'s words', () => {
  it.each(cases.map((c) => ({ ...c, name: `${c.ruleId} on ${c.kind}` })))('$name', ({ rule, ruleId, input, says, never }) => {
    const findings = rule(input);
    expect(findings).toHaveLength(1);
    const [finding] = findings;
    expect(finding).toMatchObject({ rule: ruleId, status: 'critical' });
    for (const text of says) expect(finding!.message).toContain(text);
    expect(finding!.message).not.toMatch(never);
  });

  it('a restic repository URL with a password is never printed with it', () => {
    const source = resticSourceSchema.parse({ id: 'r', kind: 'restic', repo: 'rest:https://backup:s3cret@rest.example.com/orders', passwordEnv: 'RESTIC_PW' });
    const [finding] = noBackups({ ...inputOf('restic', []), source });
    expect(finding!.message).toContain('rest:https://backup:***@rest.example.com/orders');
    expect(finding!.message).not.toContain('s3cret');
  });

  it('pgBackRest\'s own full-backup rules name the stanza\'s cron and command', () => {
    const source = pgbackrestSourceSchema.parse({ id: 'orders-pgbackrest', kind: 'pgbackrest', stanza: 'main', maxFullAge: '7d' });
    const incr = backupOf('pgbackrest', HOUR, 5 * MB, { key: '20240502-010000F_20240502-020000I', type: 'incr' });
    const staleFull = { ...inputOf('pgbackrest', [backupOf('pgbackrest', 9 * DAY, 100 * MB), incr]), source };
    expect(evaluate(staleFull).findings).toContainEqual(
      expect.objectContaining({ rule: 'backup-age', message: expect.stringContaining('over the 7d maxFullAge: check that the pgbackrest backup --type=full cron for stanza main still runs') }),
    );
    const noFull = { ...inputOf('pgbackrest', [incr]), source };
    expect(evaluate(noFull).findings).toContainEqual(
      expect.objectContaining({ rule: 'backup-age', message: 'stanza main has no readable full backup: run pgbackrest --stanza=main backup --type=full' }),
    );
    const smallFull = { ...inputOf('pgbackrest', [backupOf('pgbackrest', HOUR, 500_000)]), source: { ...source, minSize: MB } };
    expect(evaluate(smallFull).findings).toContainEqual(
      expect.objectContaining({ rule: 'backup-size', message: expect.stringContaining('below the 1.0 MB minSize: check the pgbackrest backup log for stanza main') }),
    );
  });

  it('a restore drill of a snapshot names it by restic\'s short id', () => {
    const source = { ...sources.restic, drill: resticSourceSchema.shape.drill.unwrap().parse({ every: '7d' }) };
    const drill = { id: 1, sourceId: source.id, backupKey: SNAPSHOT_ID, startedAt: NOW - 2 * HOUR, finishedAt: NOW - HOUR, outcome: 'fail' as const, phases: {}, restoreMs: null, tables: [], checks: [], restoredBytes: null, message: 'restic check found errors' };
    const [finding] = restoreDrill({ ...inputOf('restic', [backupOf('restic', HOUR, 5 * MB)]), source, drills: { last: drill as never, lastPassing: null } });
    expect(finding!.message).toBe('the last restore drill (4f9a7c2e, 1h ago) failed: restic check found errors');
  });

  it('a refused ssh login is not told to check PostgreSQL; a refused PostgreSQL still is', () => {
    const refused = { code: 'refused' as const, message: 'backup1 refused the ssh connection: is sshd running there, and on the port you use?', host: 'backup1' };
    for (const kind of ['dump-dir', 'restic', 'borg', 'pgbackrest', 'basebackup'] as const) {
      const [finding] = probeError({ ...inputOf(kind, []), latest: failedPoll(sources[kind].id, refused), consecutiveFailures: 1 });
      expect(finding!.message).toBe(`could not observe backup1: ${refused.message}`);
    }
  });
});
