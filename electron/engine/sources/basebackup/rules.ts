// Rules only a basebackup source has, besides the generic backup rules (health/backup-rules.ts) and WAL
// continuity (health/, shared with every kind that keeps WAL):
// - the archive is stale: no archived segment newer than maxArchiveAge (a warning, measured at the latest
//   poll, so time the app was not running is not counted against the archive);
// - an older base backup that cannot be restored (no backup_label): the generic rule names the newest only;
// - size, like with like: a tar.gz run is a fraction of a plain one, so the newest run is compared with the
//   runs of the same format and compression only (a job moved from plain to -Ft -z must not look broken).
import type { BaseBackupSourceConfig } from '../../../../shared/config';
import type { Finding, ObservedBackup } from '../../../../shared/model';
import { formatBytes, formatDuration, utcWords } from '../../../../shared/units';
import { byNewest } from '../../../../shared/newest-backup';
import { redact } from '../../errors';
import { ageAt } from '../../health/age';
import { judgeSize, medianLimit } from '../../health/size';
import type { EvaluationInput, Rule } from '../../health/types';
import { archiveLocation, BASEBACKUP_WORDS } from './words';

/** "2026-12-04 03:04 UTC": unambiguous whatever the desktop's time zone. */
function basebackup(input: EvaluationInput): BaseBackupSourceConfig | null {
  return input.source.kind === 'basebackup' ? input.source : null;
}

/** No archived segment newer than maxArchiveAge: archive_command stopped, or the server writes nothing and has no archive_timeout. */
export const archiveAge: Rule = (input) => {
  const source = basebackup(input);
  const metrics = input.latest?.ok ? input.latest.metrics : null;
  if (!source || metrics?.kind !== 'basebackup') return [];
  const maxArchiveAge = source.maxArchiveAge ?? input.defaults.maxArchiveAge;
  if (metrics.newestSegmentAt === null) {
    return [
      {
        rule: 'wal-archiving',
        status: 'warning',
        message: `no WAL segment in the archive ${archiveLocation(source)}: check that archive_command copies into it (SELECT pg_switch_wal() on the server tests it)`,
        observed: null,
        limit: maxArchiveAge,
      },
    ];
  }
  const age = ageAt(input, metrics.newestSegmentAt);
  if (age <= maxArchiveAge) return [];
  return [
    {
      rule: 'wal-archiving',
      status: 'warning',
      message: `the newest WAL segment in ${archiveLocation(source)}, ${metrics.newestSegment ?? 'unnamed'}, was archived ${formatDuration(age)} ago (${utcWords(metrics.newestSegmentAt, 'minute')}), over the ${formatDuration(maxArchiveAge)} maxArchiveAge: check archive_command and the server log (pg_stat_archiver), or set archive_timeout if the server is idle`,
      observed: age,
      limit: maxArchiveAge,
    },
  ];
};

/** Base backups other than the newest that cannot be restored (the newest is backup-unreadable's finding). */
export const olderUnrestorable: Rule = (input) => {
  const source = basebackup(input);
  if (!source) return [];
  const [, ...older] = byNewest(input.backups);
  const broken = older.filter((b) => !b.readable);
  if (broken.length === 0) return [];
  const named = broken.slice(0, 3).map((b) => `${b.key} ${redact(b.problem ?? 'cannot be restored')}`);
  const more = broken.length > 3 ? `; and ${broken.length - 3} more` : '';
  const finding: Finding = {
    rule: 'backup-unreadable',
    status: 'warning',
    message: `${broken.length === 1 ? 'an older base backup' : `${broken.length} older base backups`}: ${named.join('; ')}${more}; restores must use another one: check the pg_basebackup job's log for those runs`,
    observed: broken.length,
    limit: 0,
  };
  return [finding];
};

/** Why the archive could not be judged (listed, or its segment size known): unknown is never shown as fine. */
export const archiveUnjudged: Rule = (input) => {
  const source = basebackup(input);
  const metrics = input.latest?.ok ? input.latest.metrics : null;
  if (!source || metrics?.kind !== 'basebackup' || !metrics.walArchiveError) return [];
  return [{ rule: 'wal-continuity', status: 'unknown', message: `WAL continuity of ${archiveLocation(source)} not checked: ${redact(metrics.walArchiveError)}`, observed: null, limit: null }];
};

/** "tar, gzip" / "plain": how a run was written, for the size rule's words. */
function writtenAs(backup: ObservedBackup): string {
  const compression = backup.meta?.compression;
  return `${String(backup.meta?.format ?? 'unknown')}${compression && compression !== 'none' ? ` ${String(compression)}` : ''}`;
}

/** The newest run against minSize and against earlier runs written the same way (format and compression). */
export const baseBackupSize: Rule = (input) => {
  const source = basebackup(input);
  const newest = source ? byNewest(input.backups)[0] : undefined;
  // An empty run is backup-unreadable's finding.
  if (!source || !newest || newest.sizeBytes === 0) return [];
  const sameWay = input.history.filter((b) => b.meta?.format === newest.meta?.format && b.meta?.compression === newest.meta?.compression);
  const { tooSmall, median, belowMedian } = judgeSize(newest, sameWay, source.minSize);
  if (tooSmall === null) return [];
  const what = `newest base backup ${newest.key} is ${formatBytes(newest.sizeBytes)}`;
  const medianText = median ? `the ${formatBytes(median.value)} median of the previous ${median.count} ${writtenAs(newest)} base backups` : '';
  const check = BASEBACKUP_WORDS.small(source);
  if (tooSmall === 'minSize') {
    return [{ rule: 'backup-size', status: 'critical', message: `${what}, below the ${formatBytes(source.minSize!)} minSize${belowMedian ? ` and less than half ${medianText}` : ''}: ${check}`, observed: newest.sizeBytes, limit: source.minSize! }];
  }
  return [{ rule: 'backup-size', status: 'critical', message: `${what}, less than half ${medianText}: ${check}`, observed: newest.sizeBytes, limit: medianLimit(median!) }];
};

/** A .history file that cannot be read: recovery may not find its way through that timeline switch. */
export const unreadableHistories: Rule = (input) => {
  const source = basebackup(input);
  const metrics = input.latest?.ok ? input.latest.metrics : null;
  if (!source || metrics?.kind !== 'basebackup' || !metrics.walHistoryProblems?.length) return [];
  return metrics.walHistoryProblems.map((problem) => ({ rule: 'wal-continuity', status: 'warning', message: `in ${archiveLocation(source)}: ${redact(problem)}`, observed: null, limit: null }));
};

export const BASEBACKUP_RULES: Rule[] = [archiveAge, olderUnrestorable, archiveUnjudged, baseBackupSize, unreadableHistories];
