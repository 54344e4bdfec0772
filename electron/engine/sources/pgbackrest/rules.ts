// Rules only a pgBackRest stanza has: pgBackRest's own status, the age of the newest full backup, a size
// rule that compares like with like, and the continuity of its WAL archive.
//
// Why size is judged on full backups only: a full's size follows the database, so a full much smaller than
// the fulls before it (or under minSize) means a broken backup. A diff or incr holds only what changed since
// its reference, which follows the write load: a 100 kB incremental after a quiet night is normal, and
// judging it against fulls, or even against other incrementals, would cry wolf. The plain backup-size rule
// (newest backup of any type against the median of all) is therefore not used for this kind.
import type { PgBackRestSourceConfig } from '../../../../shared/config';
import type { Finding, ObservedBackup } from '../../../../shared/model';
import { formatBytes, formatDuration } from '../../../../shared/units';
import { byNewest } from '../../../../shared/newest-backup';
import { redact } from '../../errors';
import { ageAt } from '../../health/age';
import { PGBACKREST_WORDS } from './words';
import { isReadable, judgeSize, medianLimit } from '../../health/size';
import type { EvaluationInput, Rule } from '../../health/types';
import { judgeWalArchive } from '../../health/wal-rules';

const STANZA_HINTS: Record<number, string> = {
  1: 'create it with pgbackrest stanza-create, or check stanza and configPath',
  3: 'the repository lost its backup.info / archive.info: run pgbackrest stanza-create, or check the repository',
  4: 'the repositories disagree: run pgbackrest info to see each one',
  5: 'the repositories back up different databases: check the stanza on each repository',
  6: 'the requested backup set does not exist',
};

function pgbackrest(input: EvaluationInput): PgBackRestSourceConfig | null {
  return input.source.kind === 'pgbackrest' ? input.source : null;
}

/** The newest readable backup (of `type`), by the one definition of newest (shared/newest-backup.ts). */
function newest(backups: readonly ObservedBackup[], type?: ObservedBackup['type']): ObservedBackup | undefined {
  return byNewest(backups).find((b) => isReadable(b) && (type === undefined || b.type === type));
}

/** pgBackRest's own verdict on the stanza (missing stanza path, missing stanza data, ...), in its words. */
export const stanzaStatus: Rule = (input) => {
  const source = pgbackrest(input);
  const metrics = input.latest?.ok ? input.latest.metrics : null;
  if (!source || metrics?.kind !== 'pgbackrest') return [];
  const { code, message } = metrics.stanzaStatus;
  // "no valid backups" with none listed is the no-backups rule's finding; saying it twice adds nothing.
  if (code === 0 || (code === 2 && input.backups.length === 0)) return [];
  const hint = STANZA_HINTS[code];
  return [
    {
      rule: 'stanza-status',
      status: 'critical',
      message: `pgBackRest reports stanza ${source.stanza}: ${redact(message)} (status ${code})${hint ? `; ${hint}` : ''}`,
      observed: code,
      limit: 0,
    },
  ];
};

/** The newest readable full backup is older than maxFullAge (or there is none): every restore replays more. */
export const fullBackupAge: Rule = (input) => {
  const source = pgbackrest(input);
  if (!source || source.maxFullAge === undefined || input.backups.length === 0) return [];
  const full = newest(input.backups, 'full');
  if (!full) {
    return [{ rule: 'backup-age', status: 'critical', message: `stanza ${source.stanza} has no readable full backup: run pgbackrest --stanza=${source.stanza} backup --type=full`, observed: null, limit: source.maxFullAge }];
  }
  const age = ageAt(input, full.finishedAt);
  if (age <= source.maxFullAge) return [];
  return [
    {
      rule: 'backup-age',
      status: 'critical',
      message: `newest full backup ${full.key} finished ${formatDuration(age)} ago, over the ${formatDuration(source.maxFullAge)} maxFullAge: check that the pgbackrest backup --type=full cron for stanza ${source.stanza} still runs`,
      observed: age,
      limit: source.maxFullAge,
    },
  ];
};

/** The newest full backup, judged against minSize and against the fulls before it (never against a diff or incr). */
export const fullBackupSize: Rule = (input) => {
  const source = pgbackrest(input);
  const full = source ? newest(input.backups, 'full') : undefined;
  if (!source || !full) return [];
  const size = formatBytes(full.sizeBytes);
  const { tooSmall, median, belowMedian } = judgeSize(
    full,
    input.history.filter((b) => b.type === 'full'),
    source.minSize,
  );
  const medianText = median ? `the ${formatBytes(median.value)} median of the previous ${median.count} full backups` : '';
  const checkLog = PGBACKREST_WORDS.small(source);
  const findings: Finding[] = [];
  if (tooSmall === 'minSize') {
    findings.push({
      rule: 'backup-size',
      status: 'critical',
      message: `newest full backup ${full.key} added ${size} to the repository, below the ${formatBytes(source.minSize!)} minSize${belowMedian ? ` and less than half ${medianText}` : ''}: ${checkLog}`,
      observed: full.sizeBytes,
      limit: source.minSize!,
    });
  } else if (tooSmall === 'median') {
    findings.push({
      rule: 'backup-size',
      status: 'critical',
      message: `newest full backup ${full.key} added ${size} to the repository, less than half ${medianText}: ${checkLog}, and whether data was dropped`,
      observed: full.sizeBytes,
      limit: medianLimit(median!),
    });
  }
  return findings;
};

/**
 * WAL continuity of the stanza's archive (health/wal-rules.ts judges the summary); an archive that could not
 * be listed is unknown, never green.
 */
export const archiveContinuity: Rule = (input) => {
  const metrics = input.latest?.ok ? input.latest.metrics : null;
  if (!pgbackrest(input) || metrics?.kind !== 'pgbackrest') return [];
  if (metrics.walArchive) return judgeWalArchive(metrics.walArchive);
  if (metrics.walArchiveError) {
    return [{ rule: 'wal-continuity', status: 'unknown', message: `WAL continuity not checked: ${redact(metrics.walArchiveError)}`, observed: null, limit: null }];
  }
  return [];
};

/**
 * maxArchiveAge, when set: no segment in the stanza's archive newer than it is a warning (the archive listing's
 * newest segment, measured at the poll like every age rule). Unset, pgBackRest's own check judges archiving.
 */
export const archiveAge: Rule = (input) => {
  const source = input.source.kind === 'pgbackrest' ? input.source : null;
  const metrics = input.latest?.ok ? input.latest.metrics : null;
  if (!source || source.maxArchiveAge === undefined || metrics?.kind !== 'pgbackrest' || !metrics.walArchive) return [];
  const newestAt = metrics.walArchive.newestArchivedAt;
  const age = newestAt === null ? null : ageAt(input, newestAt);
  if (age !== null && age <= source.maxArchiveAge) return [];
  return [
    {
      rule: 'wal-archiving',
      status: 'warning',
      message:
        age === null
          ? `stanza ${source.stanza} has no WAL segment archived: check archive_command (pgbackrest check tests it)`
          : `the newest WAL segment archived in stanza ${source.stanza}, ${metrics.walArchive.newestSegment ?? 'unnamed'}, is ${formatDuration(age)} old, over the ${formatDuration(source.maxArchiveAge)} maxArchiveAge: check archive_command and pg_stat_archiver, or set archive_timeout if the server is idle`,
      observed: age,
      limit: source.maxArchiveAge,
    },
  ];
};

export const PGBACKREST_RULES: Rule[] = [stanzaStatus, fullBackupAge, fullBackupSize, archiveContinuity, archiveAge];
