// The generic backup rules (no-backups, backup-unreadable, backup-age, backup-size, probe-error) judged through
// evaluate() on restic, borg and pgBackRest sources, the rules each kind really runs: what fires, with which
// status, observed and limit, and, as much, what must stay silent (a backup exactly at maxAge or at half the
// median, too few earlier backups for a median, a small pgBackRest incremental, stale backups behind a failed
// poll). The words each kind hears are kind-words.test.ts's; here it is which findings, and their numbers.
// Also pgBackRest's own verdicts on a stanza: status 2 ("no valid backups") and no readable full backup.
import { describe, expect, it } from 'vitest';
import { borgSourceSchema, pgbackrestSourceSchema, resticSourceSchema } from '../../../shared/config';
import type { BackupRecord, BackupType, Finding, Poll } from '../../../shared/model';
import { evaluate, judgeable } from '../../../electron/engine/sources/evaluate';
import type { EvaluationInput } from '../../../electron/engine/health/types';
import { DAY, HOUR, MB, NOW, defaults, failedPoll, okPoll } from './fixtures';

const sources = {
  restic: resticSourceSchema.parse({ id: 'orders-restic', kind: 'restic', repo: '/srv/restic/orders', passwordFile: '/etc/bh/restic.pass' }),
  borg: borgSourceSchema.parse({ id: 'orders-borg', kind: 'borg', repo: '/srv/borg/orders' }),
  pgbackrest: pgbackrestSourceSchema.parse({ id: 'orders-pgbackrest', kind: 'pgbackrest', stanza: 'main' }),
};
type Kind = keyof typeof sources;
const KINDS = Object.keys(sources) as Kind[];

/** What each kind's probe calls one backup, and its type. */
const BACKUP_TYPE: Record<Kind, BackupType> = { restic: 'snapshot', borg: 'snapshot', pgbackrest: 'full' };

/** The `n`th backup of the kind (0 = newest), finished `ago` before NOW. */
function backup(kind: Kind, n: number, ago: number, sizeBytes = 100 * MB, extra: Partial<BackupRecord> = {}): BackupRecord {
  const key = kind === 'restic' ? `${String(n).padStart(2, '0')}f9a7c2e1b3d5f60718293a4b5c6d7e8f9011223344556677889900aabbccdd` : kind === 'borg' ? `orders-${n}` : `202405${String(20 - n).padStart(2, '0')}-010000F`;
  return { sourceId: sources[kind].id, key, type: BACKUP_TYPE[kind], finishedAt: NOW - ago, firstSeenAt: NOW - ago, sizeBytes, readable: true, problem: null, ...extra };
}

/** `count` earlier backups of 100 MB, a day apart, the first a day before the newest (2 h ago). */
function earlier(kind: Kind, count: number): BackupRecord[] {
  return Array.from({ length: count }, (_, i) => backup(kind, i + 1, 2 * HOUR + (i + 1) * DAY));
}

function metricsOf(kind: Kind, count: number, stanzaStatus = { code: 0, message: 'ok' }): Poll['metrics'] {
  if (kind === 'restic') return { kind, snapshotCount: count, repoSizeBytes: null, restoreSizeBytes: null, sizesPending: 0 };
  if (kind === 'borg') return { kind, archiveCount: count, encryption: 'none', repoSizeBytes: null };
  return { kind, stanzaStatus, archiveMin: null, archiveMax: null, backupCount: count, backupLockHeld: false };
}

/** A successful poll at NOW that saw `backups` (newest first), with `history` as the store keeps it. */
function polled(kind: Kind, backups: BackupRecord[], overrides: Partial<EvaluationInput> = {}): EvaluationInput {
  return judgeable({ source: sources[kind], defaults, now: NOW, latest: okPoll(sources[kind].id, metricsOf(kind, backups.length)), consecutiveFailures: 0, backups, history: backups, ...overrides });
}

/** The findings as a sysadmin's dashboard sorts them, without the words. */
const judged = (input: EvaluationInput) => evaluate(input).findings.map(({ rule, status, observed, limit }): Partial<Finding> => ({ rule, status, observed, limit }));

describe.each(KINDS)('the generic backup rules on a %s source', (kind) => {
  it('a healthy history: ok, no finding', () => {
    const backups = [backup(kind, 0, 2 * HOUR), ...earlier(kind, 7)];
    expect(evaluate(polled(kind, backups))).toEqual({ status: 'ok', findings: [] });
  });

  it('no backup at all: no-backups, critical, and nothing else', () => {
    expect(judged(polled(kind, []))).toEqual([{ rule: 'no-backups', status: 'critical', observed: 0, limit: 1 }]);
  });

  it('the newest older than maxAge: backup-age, critical, with its age and the limit; exactly maxAge is still fine', () => {
    const stale = polled(kind, [backup(kind, 0, 3 * DAY)]);
    expect(judged(stale)).toEqual([{ rule: 'backup-age', status: 'critical', observed: 3 * DAY, limit: defaults.maxAge }]);
    expect(evaluate(polled(kind, [backup(kind, 0, defaults.maxAge)])).findings).toEqual([]);
    const ownMaxAge = { ...stale, source: { ...sources[kind], maxAge: 4 * DAY } };
    expect(evaluate(ownMaxAge).findings).toEqual([]);
  });

  it('the newest unreadable: backup-unreadable, and the age judged on the newest readable one', () => {
    const broken = backup(kind, 0, 2 * HOUR, 100 * MB, { readable: false, problem: 'its directory is missing' });
    expect(judged(polled(kind, [broken, backup(kind, 1, 3 * DAY)]))).toEqual([
      { rule: 'backup-unreadable', status: 'critical', observed: 100 * MB, limit: null },
      { rule: 'backup-age', status: 'critical', observed: 3 * DAY, limit: defaults.maxAge },
    ]);
    // only unreadable ones: the age cannot be judged, and is not said twice
    expect(judged(polled(kind, [broken]))).toEqual([{ rule: 'backup-unreadable', status: 'critical', observed: 100 * MB, limit: null }]);
  });

  it('an empty newest backup (0 bytes) is unreadable, not also "too small"', () => {
    const empty = backup(kind, 0, 2 * HOUR, 0);
    expect(judged(polled(kind, [empty, ...earlier(kind, 7)], { source: { ...sources[kind], minSize: MB } }))).toEqual([
      { rule: 'backup-unreadable', status: 'critical', observed: 0, limit: null },
    ]);
  });

  it('under minSize: backup-size, critical, with minSize as the limit', () => {
    const source = { ...sources[kind], minSize: 200 * MB };
    expect(judged(polled(kind, [backup(kind, 0, 2 * HOUR)], { source }))).toEqual([{ rule: 'backup-size', status: 'critical', observed: 100 * MB, limit: 200 * MB }]);
  });

  it('under half the median of the 7 before: backup-size, critical; exactly half, or fewer than 3 before, is silent', () => {
    const shrunk = [backup(kind, 0, 2 * HOUR, 30 * MB), ...earlier(kind, 7)];
    expect(judged(polled(kind, shrunk))).toEqual([{ rule: 'backup-size', status: 'critical', observed: 30 * MB, limit: 50 * MB }]);
    expect(evaluate(polled(kind, [backup(kind, 0, 2 * HOUR, 50 * MB), ...earlier(kind, 7)])).findings).toEqual([]);
    expect(evaluate(polled(kind, [backup(kind, 0, 2 * HOUR, 30 * MB), ...earlier(kind, 2)])).findings).toEqual([]);
  });

  it('a failed poll is judged alone: stale backups seen earlier are not judged on its stale data', () => {
    const refused = { code: 'refused' as const, message: 'backup1 refused the ssh connection', host: 'backup1' };
    const stale = [backup(kind, 0, 3 * DAY, 30 * MB), ...earlier(kind, 7)];
    const once = polled(kind, stale, { latest: failedPoll(sources[kind].id, refused), consecutiveFailures: 1 });
    expect(judged(once)).toEqual([{ rule: 'probe-error', status: 'unknown', observed: 1, limit: defaults.failuresBeforeCritical }]);
    const fiveTimes = { ...once, consecutiveFailures: 5 };
    expect(judged(fiveTimes)).toEqual([{ rule: 'probe-error', status: 'critical', observed: 5, limit: defaults.failuresBeforeCritical }]);
  });
});

describe('pgBackRest: sizes compare like with like', () => {
  it('a small incremental after big fulls is not a size problem; a small full after them is', () => {
    const incr = backup('pgbackrest', 0, HOUR, 2 * MB, { key: '20240519-010000F_20240520-010000I', type: 'incr' });
    expect(evaluate(polled('pgbackrest', [incr, ...earlier('pgbackrest', 7)])).findings).toEqual([]);
    const smallFull = backup('pgbackrest', 0, HOUR, 30 * MB);
    expect(judged(polled('pgbackrest', [smallFull, ...earlier('pgbackrest', 7)]))).toEqual([{ rule: 'backup-size', status: 'critical', observed: 30 * MB, limit: 50 * MB }]);
  });
});

describe("pgBackRest's verdicts on the stanza", () => {
  const withStatus = (input: EvaluationInput, code: number, message: string): EvaluationInput => ({
    ...input,
    latest: okPoll(sources.pgbackrest.id, metricsOf('pgbackrest', input.backups.length, { code, message })),
  });

  it('status 2 ("no valid backups") with none listed is the no-backups finding alone, not said twice', () => {
    const health = evaluate(withStatus(polled('pgbackrest', []), 2, 'no valid backups'));
    expect(health.findings.map((f) => [f.rule, f.status])).toEqual([['no-backups', 'critical']]);
    expect(health.findings[0]!.message).toContain('no backups in pgBackRest stanza main');
  });

  it('status 2 while backups are listed (a repository that lost them) is critical in pgBackRest\'s words', () => {
    const health = evaluate(withStatus(polled('pgbackrest', [backup('pgbackrest', 0, 2 * HOUR)]), 2, 'no valid backups'));
    expect(health.status).toBe('critical');
    expect(health.findings).toEqual([
      expect.objectContaining({ rule: 'stanza-status', status: 'critical', observed: 2, limit: 0, message: expect.stringContaining('pgBackRest reports stanza main: no valid backups (status 2)') }),
    ]);
  });

  it('no readable full backup, with maxFullAge set: critical, whether the fulls are gone or unreadable', () => {
    const source = { ...sources.pgbackrest, maxFullAge: 7 * DAY };
    const incr = (n: number, ago: number) => backup('pgbackrest', n, ago, 2 * MB, { key: `20240501-010000F_2024050${n}-010000I`, type: 'incr' });
    const onlyIncrementals = polled('pgbackrest', [incr(2, HOUR), incr(1, DAY)], { source });
    const lostFull = polled('pgbackrest', [incr(2, HOUR), backup('pgbackrest', 3, 2 * DAY, 100 * MB, { readable: false, problem: 'its directory is missing from repository 1; pgbackrest cannot restore it' })], { source });
    for (const input of [onlyIncrementals, lostFull]) {
      expect(judged(input)).toEqual([{ rule: 'backup-age', status: 'critical', observed: null, limit: 7 * DAY }]);
      expect(evaluate(input).findings[0]!.message).toContain('stanza main has no readable full backup');
    }
    // without maxFullAge the stanza's fulls are not judged on their own
    expect(evaluate({ ...onlyIncrementals, source: sources.pgbackrest }).findings).toEqual([]);
  });
});
