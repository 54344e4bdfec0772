// The rules every kind holding backups is judged by: there is one, it is readable, recent, big enough, and
// made by a pg_dump as new as its server. Each speaks the kind's own words (kind-words.ts): a stale restic
// repository is told about its restic backup job, not about a dump job.
import { dumpDirPlace, type DumpDirSourceConfig } from '../../../shared/config';
import type { Finding, ObservedBackup, PostgresMetrics } from '../../../shared/model';
import { formatBytes, formatDuration } from '../../../shared/units';
import { byNewest } from '../../../shared/newest-backup';
import { majorOfVersion, majorOfVersionNum } from '../postgres/version';
import { redact } from '../errors';
import { ageAt } from './age';
import { backupWords, type BackupSourceConfig } from './kind-words';
import { isReadable, judgeSize, medianLimit } from './size';
import type { EvaluationInput, Rule } from './types';

export function backupSource(input: EvaluationInput): BackupSourceConfig | null {
  return input.source.kind === 'postgres' ? null : input.source;
}

function newestBackup(input: EvaluationInput): ObservedBackup | undefined {
  return byNewest(input.backups)[0];
}

function newestReadableBackup(input: EvaluationInput): ObservedBackup | undefined {
  return byNewest(input.backups).find(isReadable);
}

export const noBackups: Rule = (input) => {
  const source = backupSource(input);
  if (!source || input.backups.length > 0) return [];
  const words = backupWords(input);
  const lastSeen = input.history[0];
  const before = lastSeen
    ? ` (the newest one seen before, ${words.name(lastSeen.key)}, finished ${formatDuration(ageAt(input, lastSeen.finishedAt))} ago)`
    : '';
  const settling = source.kind === 'dump-dir' && input.latest?.metrics?.kind === 'dump-dir' ? input.latest.metrics.inProgress : 0;
  if (source.kind === 'dump-dir' && settling > 0) {
    // The files are there, only too fresh to judge (a copy, a dump under way): unknown, never ok, not critical.
    return [
      {
        rule: 'no-backups',
        status: 'unknown',
        message: `no settled backup yet: ${stillBeingWritten(source, settling)}; judged at the first poll after ${settling === 1 ? 'it has' : 'they have'} been unchanged for ${formatDuration(source.settle)} (settle)${lastSeen ? `; the newest backup seen before, ${words.name(lastSeen.key)}, finished ${formatDuration(ageAt(input, lastSeen.finishedAt))} ago` : ''}`,
        observed: 0,
        limit: 1,
      },
    ];
  }
  const hint = words.noneHint(source);
  return [{ rule: 'no-backups', status: 'critical', message: `${words.none(source)}${before}${hint ? `: ${hint}` : ''}`, observed: 0, limit: 1 }];
};

/** "9 files matching "*.dump" in /backups changed in the last 1m and are still being written" (dump-dir settle). */
export function stillBeingWritten(source: Pick<DumpDirSourceConfig, 'path' | 'url' | 'pattern' | 'settle' | 'host'>, count: number): string {
  const where = dumpDirPlace(source);
  const files = count === 1 ? '1 file' : `${count.toLocaleString('en-US')} files`;
  return `${files} matching "${source.pattern}" in ${where} changed in the last ${formatDuration(source.settle)} and ${count === 1 ? 'is' : 'are'} still being written`;
}

export const backupAge: Rule = (input) => {
  const source = backupSource(input);
  if (!source) return [];
  const newest = newestBackup(input);
  const newestReadable = newestReadableBackup(input);
  if (!newest || !newestReadable) return []; // no-backups or backup-unreadable says so
  const maxAge = source.maxAge ?? input.defaults.maxAge;
  const age = ageAt(input, newestReadable.finishedAt);
  if (age <= maxAge) return [];
  const words = backupWords(input);
  const which = newestReadable === newest ? `newest ${words.noun}` : `newest readable ${words.noun}`;
  return [
    {
      rule: 'backup-age',
      status: 'critical',
      message: `${which} ${words.name(newestReadable.key)} finished ${formatDuration(age)} ago, over the ${formatDuration(maxAge)} maxAge: ${words.stale(source)}`,
      observed: age,
      limit: maxAge,
    },
  ];
};

export const backupSize: Rule = (input) => {
  const source = backupSource(input);
  const newest = newestBackup(input);
  // An empty file is backup-unreadable's finding; saying it twice adds nothing.
  if (!source || !newest || newest.sizeBytes === 0) return [];
  const { tooSmall, median, belowMedian } = judgeSize(newest, input.history, source.minSize);
  if (tooSmall === null) return [];
  const words = backupWords(input);
  const what = `newest ${words.noun} ${words.name(newest.key)} is ${formatBytes(newest.sizeBytes)}`;
  const medianText = median ? `the ${formatBytes(median.value)} median of the previous ${median.count} ${words.noun}s` : '';
  if (tooSmall === 'minSize') {
    return [
      {
        rule: 'backup-size',
        status: 'critical',
        message: `${what}, below the ${formatBytes(source.minSize!)} minSize${belowMedian ? ` and less than half ${medianText}` : ''}: ${words.small(source)}`,
        observed: newest.sizeBytes,
        limit: source.minSize!,
      },
    ];
  }
  return [{ rule: 'backup-size', status: 'critical', message: `${what}, less than half ${medianText}: ${words.small(source)}`, observed: newest.sizeBytes, limit: medianLimit(median!) }];
};

export const backupUnreadable: Rule = (input) => {
  const source = backupSource(input);
  const newest = source ? newestBackup(input) : undefined;
  if (!source || !newest || isReadable(newest)) return [];
  const words = backupWords(input);
  const name = `newest ${words.noun} ${words.name(newest.key)}`;
  // A FIFO or a symlink out of the directory is never opened (pg-dump/contained-file.ts words it so), so its
  // size is 0 without it being empty: say what it is instead.
  const neverOpened = /(, not a dump file|; not read)$/.test(newest.problem ?? '');
  const message = neverOpened
    ? `${name} cannot be read: ${redact(newest.problem!)}`
    : newest.sizeBytes === 0
      ? `${name} is empty (0 bytes): ${words.empty(source)}`
      : `${name} (${formatBytes(newest.sizeBytes)}) cannot be read: ${newest.problem ? redact(newest.problem) : words.unreadable}`;
  return [{ rule: 'backup-unreadable', status: 'critical', message, observed: newest.sizeBytes, limit: null }];
};

export const dumpVersion: Rule = (input) => {
  const source = backupSource(input);
  const newest = source ? newestReadableBackup(input) : undefined;
  const header = newest?.meta?.header;
  if (!source || !newest || !header) return [];
  const name = backupWords(input).name(newest.key);
  const dumpedServer = parseMajor(header.serverVersion);
  const pgDump = parseMajor(header.pgDumpVersion);
  const findings: Finding[] = [];
  if (dumpedServer && pgDump && pgDump.rank < dumpedServer.rank) {
    findings.push({
      rule: 'dump-version',
      status: 'critical',
      message: `${name} was made by pg_dump ${pgDump.label}, older than the PostgreSQL ${dumpedServer.label} server it dumped: run pg_dump ${dumpedServer.label} or newer (install postgresql-client-${dumpedServer.label})`,
      observed: pgDump.label,
      limit: dumpedServer.label,
    });
  }
  const linked = input.linkedPostgres;
  const running = linked?.metrics ? serverMajor(linked.metrics) : null;
  if (linked && dumpedServer && running && dumpedServer.rank !== running.rank) {
    findings.push({
      rule: 'dump-version',
      status: 'warning',
      message: `dumps come from PostgreSQL ${dumpedServer.label} (${name}) but ${linked.id} runs ${running.label}: the job may dump an old or wrong server`,
      observed: dumpedServer.label,
      limit: running.label,
    });
  }
  return findings;
};

export interface MajorVersion {
  /** For ordering: 9.6 < 10 < 15. */
  rank: number;
  /** As PostgreSQL names it: "9.6", "15". */
  label: string;
}

/** "15.18 (Debian 15.18-0+deb12u1)" -> 15, "9.6.24" -> 9.6 (before 10 a major is two numbers), "17beta1" -> 17. */
export function parseMajor(version: string | null | undefined): MajorVersion | null {
  const major = majorOfVersion(version);
  return major === undefined ? null : { rank: major, label: String(major) };
}

function serverMajor(metrics: PostgresMetrics): MajorVersion | null {
  const num = metrics.serverVersionNum;
  if (Number.isInteger(num) && num >= 10_000) return parseMajor(String(majorOfVersionNum(num)));
  return parseMajor(metrics.serverVersion) ?? parseMajor(String(metrics.serverMajor));
}

/** What every kind holding backups is judged by (restore-drill is added for all kinds in evaluate()). */
export const BACKUP_RULES: Rule[] = [noBackups, backupUnreadable, backupAge, backupSize, dumpVersion];
