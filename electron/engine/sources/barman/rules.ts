// Rules only a barman source has, besides the generic backup rules (health/backup-rules.ts) and WAL
// continuity (health/wal-rules.ts, from xlog.db):
// - each failing `barman check` item, in Barman's words with its hint, and what to do;
// - the newest backup Barman lists is FAILED (critical), with Barman's error;
// - a backup WAITING_FOR_WALS longer than maxWaitingForWals (warning): its WAL is not arriving;
// - no WAL archived within maxArchiveAge (warning, measured at the latest poll);
// - what could not be judged (check, xlog.db, .history files): unknown or a warning, never fine.
// A streaming-only server whose `WAL archive` check fails only because no complete WAL file has arrived yet
// is explained, not alarmed (Barman #87, #88, #298: archive_command is not used there at all).
import type { BarmanSourceConfig } from '../../../../shared/config';
import type { BarmanCheckFailure, BarmanMetrics, Finding, Status } from '../../../../shared/model';
import { formatDuration, utcWords } from '../../../../shared/units';
import { redact } from '../../errors';
import { ageAt } from '../../health/age';
import type { EvaluationInput, Rule } from '../../health/types';
import { barmanLocation } from './words';

/** How long a backup may wait for its WAL before it is named (WAL should arrive within minutes). */
export const DEFAULT_MAX_WAITING_FOR_WALS_MS = 3_600_000;

function barman(input: EvaluationInput): { source: BarmanSourceConfig; metrics: BarmanMetrics | null } | null {
  if (input.source.kind !== 'barman') return null;
  const metrics = input.latest?.ok && input.latest.metrics?.kind === 'barman' ? input.latest.metrics : null;
  return { source: input.source, metrics };
}

/** "2026-12-04 03:04 UTC". */
/** Barman's console names of its check items (barman/server.py), by the key its JSON gives them. */
const CHECK_LABELS: Record<string, string> = {
  wal_archive: 'WAL archive',
  receive_wal_running: 'receive-wal running',
  replication_slot: 'replication slot',
  archiver_errors: 'archiver errors',
  failed_backups: 'failed backups',
  backup_maximum_age: 'backup maximum age',
  backup_minimum_size: 'backup minimum size',
  wal_maximum_age: 'wal maximum age',
  minimum_redundancy_requirements: 'minimum redundancy requirements',
  postgresql: 'PostgreSQL',
  postgresql_streaming: 'PostgreSQL streaming',
  systemid_coherence: 'systemid coherence',
  pg_receivexlog: 'pg_receivexlog',
  pg_basebackup: 'pg_basebackup',
};

/** What to do about a failing item, and how bad it is: WAL or backups not being kept is critical. */
function advice(check: BarmanCheckFailure, server: string): { status: Status; todo: string } {
  switch (check.name) {
    case 'wal_archive':
      return { status: 'critical', todo: `Barman holds no complete WAL file for the server: with archiver = on check the server's archive_command (barman-wal-archive), with streaming_archiver that receive-wal runs; barman switch-wal --force --archive ${server} forces one` };
    case 'receive_wal_running':
      return { status: 'critical', todo: `WAL is not being streamed to Barman: barman cron (run every minute) starts it; check that cron runs it, and Barman's log` };
    case 'replication_slot':
      return { status: 'critical', todo: /doesn't exist|not exist/i.test(check.hint) ? `create it with barman receive-wal --create-slot ${server}` : `the slot keeps WAL on the server for Barman; check that receive-wal runs` };
    case 'archiver_errors':
      return { status: 'critical', todo: `files Barman could not archive are in the server's errors directory; see Barman's log` };
    case 'failed_backups':
      return { status: 'warning', todo: `barman list-backups ${server} lists them; read why with barman show-backup ${server} <id>, then barman delete them` };
    case 'postgresql':
    case 'postgresql_streaming':
      return { status: 'critical', todo: 'Barman cannot connect to PostgreSQL: check conninfo / streaming_conninfo in its configuration and that the server is up' };
    case 'backup_maximum_age':
    case 'backup_minimum_size':
    case 'wal_maximum_age':
    case 'minimum_redundancy_requirements':
    case 'systemid_coherence':
    case 'directories':
      return { status: 'critical', todo: `as Barman's own limits for ${server} say` };
    default:
      return { status: 'warning', todo: `see barman check ${server}` };
  }
}

/** Each failing `barman check` item, with Barman's hint. */
export const barmanCheck: Rule = (input) => {
  const found = barman(input);
  if (!found?.metrics) return [];
  const { source, metrics } = found;
  if (metrics.checkFailures === null) {
    return [{ rule: 'barman-status', status: 'unknown', message: `barman check ${barmanLocation(source)} could not run: ${redact(metrics.checkError ?? 'no answer')}`, observed: null, limit: null }];
  }
  const failing = new Set(metrics.checkFailures.map((c) => c.name));
  return metrics.checkFailures.flatMap((check): Finding[] => {
    // The newest backup FAILED is its own critical finding (newestFailed), with Barman's error.
    if (check.name === 'failed_backups' && metrics.newestBackup?.status === 'FAILED') return [];
    const said = `barman check ${barmanLocation(source)}: ${CHECK_LABELS[check.name] ?? check.name.replace(/_/g, ' ')}: FAILED${check.hint ? ` (${redact(check.hint)})` : ''}`;
    // Barman #87: on a streaming-only server the check means only that no complete WAL file has arrived yet;
    // archive_command is not used there. While receive-wal streams through its slot, one arrives when a
    // segment fills or is switched.
    if (check.name === 'wal_archive' && metrics.streamingOnly && !failing.has('receive_wal_running') && !failing.has('replication_slot')) {
      return [
        {
          rule: 'barman-status',
          status: 'ok',
          message: `${said}: this server streams its WAL (streaming_archiver, no archive_command), and Barman has not received a complete WAL file yet; receive-wal is running, so one arrives when PostgreSQL fills or switches a segment (barman switch-wal --force --archive ${source.server} forces it). Barman will not start a backup until then`,
          observed: check.name,
          limit: null,
        },
      ];
    }
    const { status, todo } = advice(check, source.server);
    return [{ rule: 'barman-status', status, message: `${said}; ${todo}`, observed: check.name, limit: null }];
  });
};

/** The newest backup Barman lists is FAILED: the last backup job did not produce a backup. */
export const newestFailed: Rule = (input) => {
  const found = barman(input);
  const newest = found?.metrics?.newestBackup;
  if (!found || newest?.status !== 'FAILED') return [];
  const why = newest.error ? `: ${redact(newest.error)}` : '';
  return [
    {
      rule: 'barman-status',
      status: 'critical',
      message: `the newest backup of Barman server ${barmanLocation(found.source)}, ${newest.id}, FAILED${why}; see Barman's log and barman check ${found.source.server}, then take a new one (barman backup ${found.source.server})`,
      observed: newest.id,
      limit: null,
    },
  ];
};

/** Backups waiting for their WAL longer than maxWaitingForWals: the WAL they need is not reaching Barman. */
export const waitingForWals: Rule = (input) => {
  const found = barman(input);
  if (!found?.metrics) return [];
  const limit = found.source.maxWaitingForWals ?? DEFAULT_MAX_WAITING_FOR_WALS_MS;
  return found.metrics.waitingForWals.flatMap((backup): Finding[] => {
    if (backup.endedAt === null) return [];
    const age = ageAt(input, backup.endedAt);
    if (age <= limit) return [];
    return [
      {
        rule: 'barman-status',
        status: 'warning',
        message: `backup ${backup.id} of Barman server ${barmanLocation(found.source)} has been WAITING_FOR_WALS for ${formatDuration(age)} since its copy ended (${utcWords(backup.endedAt, 'minute')}), over the ${formatDuration(limit)} maxWaitingForWals: the WAL it needs is not reaching Barman; check barman check ${found.source.server} (receive-wal, archive_command) and that barman cron runs`,
        observed: age,
        limit,
      },
    ];
  });
};

/** No WAL archived by Barman within maxArchiveAge: receive-wal or archive_command stopped, or the server is idle. */
export const archiveAge: Rule = (input) => {
  const found = barman(input);
  if (!found?.metrics || found.metrics.walArchiveError) return [];
  const { source, metrics } = found;
  const maxArchiveAge = source.maxArchiveAge ?? input.defaults.maxArchiveAge;
  if (metrics.newestSegmentAt === null) {
    return [{ rule: 'wal-archiving', status: 'warning', message: `Barman server ${barmanLocation(source)} holds no WAL segment: check barman check ${source.server} (receive-wal, archive_command)`, observed: null, limit: maxArchiveAge }];
  }
  const age = ageAt(input, metrics.newestSegmentAt);
  if (age <= maxArchiveAge) return [];
  return [
    {
      rule: 'wal-archiving',
      status: 'warning',
      message: `the newest WAL segment Barman holds for ${barmanLocation(source)}, ${metrics.newestSegment ?? 'unnamed'}, was archived ${formatDuration(age)} ago (${utcWords(metrics.newestSegmentAt, 'minute')}), over the ${formatDuration(maxArchiveAge)} maxArchiveAge: check that receive-wal runs (barman cron) or archive_command on the server, or set archive_timeout if the server is idle`,
      observed: age,
      limit: maxArchiveAge,
    },
  ];
};

/** Why xlog.db could not be judged, and .history files that could not be read: never shown as fine. */
export const archiveUnjudged: Rule = (input) => {
  const found = barman(input);
  if (!found?.metrics) return [];
  const { source, metrics } = found;
  const findings: Finding[] = [];
  if (metrics.walArchiveError) findings.push({ rule: 'wal-continuity', status: 'unknown', message: `WAL continuity of Barman server ${barmanLocation(source)} not checked: ${redact(metrics.walArchiveError)}`, observed: null, limit: null });
  for (const problem of metrics.walHistoryProblems ?? []) findings.push({ rule: 'wal-continuity', status: 'warning', message: `Barman server ${barmanLocation(source)}: ${redact(problem)}`, observed: null, limit: null });
  return findings;
};

export const BARMAN_RULES: Rule[] = [barmanCheck, newestFailed, waitingForWals, archiveAge, archiveUnjudged];
