// The rules a postgres source is judged by: WAL archiving, replication, and coverage (every database has a
// backup source of some kind holding it).
import { SOURCE_KINDS, type PostgresSourceConfig } from '../../../shared/config';
import type { Finding, PostgresMetrics } from '../../../shared/model';
import { formatBytes, formatDuration, utcWords } from '../../../shared/units';
import { urlDatabase } from '../postgres/url';
import { ageAt } from './age';
import { sourceName } from './kind-words';
import type { EvaluationInput, Rule } from './types';

function postgres(input: EvaluationInput): { source: PostgresSourceConfig; metrics: PostgresMetrics } | null {
  const { source, latest } = input;
  if (source.kind !== 'postgres' || !latest?.ok || latest.metrics?.kind !== 'postgres') return null;
  return { source, metrics: latest.metrics };
}

/** "2024-05-02 03:04 UTC": unambiguous whatever the desktop's time zone. */
export const walArchiving: Rule = (input) => {
  const pg = postgres(input);
  const archiver = pg?.metrics.archiver;
  if (!pg || !archiver) return [];
  const { source, metrics } = pg;
  // A standby archives only with archive_mode = always; otherwise the primary does it.
  if (metrics.inRecovery && archiver.archiveMode !== 'always') return [];
  if (archiver.archiveMode === 'off') {
    if (source.maxArchiveAge === undefined) return [];
    return [
      {
        rule: 'wal-archiving',
        status: 'warning',
        message: `WAL archiving is off (archive_mode = off) but maxArchiveAge is set: turn archiving on or remove maxArchiveAge`,
        observed: 'off',
        limit: source.maxArchiveAge,
      },
    ];
  }
  const { lastArchivedAt, lastFailedAt } = archiver;
  const failedSinceSuccess =
    (lastFailedAt !== null && (lastArchivedAt === null || lastFailedAt > lastArchivedAt)) ||
    (archiver.failedCount > 0 && lastArchivedAt === null);
  if (failedSinceSuccess) {
    const wal = archiver.lastFailedWal ?? 'a WAL segment';
    const when = lastFailedAt !== null ? ` ${formatDuration(ageAt(input, lastFailedAt))} ago (${utcWords(lastFailedAt, 'minute')})` : '';
    const since = lastArchivedAt === null ? 'no WAL has ever been archived' : `nothing has been archived since ${archiver.lastArchivedWal ?? 'then'}`;
    return [
      {
        rule: 'wal-archiving',
        status: 'critical',
        message: `archiving ${wal} failed${when} and ${since}: check archive_command and the server log`,
        observed: archiver.lastFailedWal,
        limit: archiver.lastArchivedWal,
      },
    ];
  }
  const maxArchiveAge = source.maxArchiveAge ?? input.defaults.maxArchiveAge;
  if (lastArchivedAt === null) {
    return [
      {
        rule: 'wal-archiving',
        status: 'warning',
        message: `archive_mode is ${archiver.archiveMode} but no WAL has been archived yet: check archive_command, or run SELECT pg_switch_wal() to test it`,
        observed: null,
        limit: maxArchiveAge,
      },
    ];
  }
  const age = ageAt(input, lastArchivedAt);
  if (age <= maxArchiveAge) return [];
  return [
    {
      rule: 'wal-archiving',
      status: 'warning',
      message: `the last WAL archived, ${archiver.lastArchivedWal ?? 'unnamed'}, is ${formatDuration(age)} old, over the ${formatDuration(maxArchiveAge)} maxArchiveAge: check archive_command, or set archive_timeout if the server is idle`,
      observed: age,
      limit: maxArchiveAge,
    },
  ];
};

export const replication: Rule = (input) => {
  const pg = postgres(input);
  if (!pg) return [];
  const { source, metrics } = pg;
  const maxLag = source.maxReplicationLag ?? input.defaults.maxReplicationLag;
  const findings: Finding[] = [];
  const connected = new Set(metrics.standbys.map((s) => s.applicationName));
  for (const name of source.standbys ?? []) {
    if (connected.has(name)) continue;
    findings.push({
      rule: 'replication',
      status: 'critical',
      message: `standby ${name} is not connected to ${sourceName(input)}: check that it is running and its primary_conninfo`,
      observed: 'not connected',
      limit: null,
    });
  }
  for (const standby of metrics.standbys) {
    if (standby.replayLagMs === null || standby.replayLagMs <= maxLag) continue;
    const address = standby.clientAddr ? ` (${standby.clientAddr})` : '';
    const state = standby.state && standby.state !== 'streaming' ? `, state ${standby.state}` : '';
    findings.push({
      rule: 'replication',
      status: 'warning',
      message: `standby ${standby.applicationName}${address} is ${formatDuration(standby.replayLagMs)} behind on replay${state}, over the ${formatDuration(maxLag)} maxReplicationLag`,
      observed: standby.replayLagMs,
      limit: maxLag,
    });
  }
  if (metrics.inRecovery && metrics.replayDelayMs !== null && metrics.replayDelayMs > maxLag) {
    findings.push({
      rule: 'replication',
      status: 'warning',
      message: `this standby last replayed a transaction ${formatDuration(metrics.replayDelayMs)} ago, over the ${formatDuration(maxLag)} maxReplicationLag: check its connection to the primary (an idle primary also causes this)`,
      observed: metrics.replayDelayMs,
      limit: maxLag,
    });
  }
  return findings;
};

// Template databases hold nothing to restore; nobody dumps them.
const NEVER_COVERED = ['template0', 'template1'];

/** "dump-dir, restic, borg or pgbackrest": every kind a `database:` link can come from, from the one kinds list. */
const LINKABLE_KINDS = ((kinds) => `${kinds.slice(0, -1).join(', ')} or ${kinds.at(-1)}`)(SOURCE_KINDS.filter((kind) => kind !== 'postgres'));

/** The databases of a server no backup is asked for: its coverageIgnore (["postgres"] by default) and the templates. */
export function coverageIgnored(source: Pick<PostgresSourceConfig, 'coverageIgnore'>): Set<string> {
  return new Set([...(source.coverageIgnore ?? ['postgres']), ...NEVER_COVERED]);
}

/**
 * The databases a covering source's dumps hold on a server: what they name, or, when they name none (plain SQL
 * without a header), the one the postgres source connects to.
 */
export function namesHeld(databases: readonly string[], server: Pick<PostgresSourceConfig, 'url'>): string[] {
  if (databases.length > 0) return [...databases];
  const urlDb = urlDatabase(server.url);
  return urlDb === null ? [] : [urlDb];
}

/**
 * Every database on the server must be held by a backup source linked to it with `database:`: a pgBackRest
 * stanza holds the whole cluster; a dump-dir, restic or borg source holds the databases its dumps name.
 */
export const coverage: Rule = (input) => {
  const pg = postgres(input);
  if (!pg) return [];
  const { source, metrics } = pg;
  const linked = input.coveringSources ?? [];
  if (linked.some((s) => s.databases === 'cluster')) return [];
  const ignored = coverageIgnored(source);
  const covered = new Set<string>();
  for (const { databases } of linked) if (databases !== 'cluster') for (const name of namesHeld(databases, source)) covered.add(name);
  const missing = metrics.databases.filter((db) => !ignored.has(db.name) && !covered.has(db.name));
  if (missing.length === 0) return [];
  const list = missing.map((db) => (db.sizeBytes === null ? db.name : `${db.name} (${formatBytes(db.sizeBytes)})`)).join(', ');
  const subject = missing.length === 1 ? `database ${list}` : `databases ${list}`;
  const verb = missing.length === 1 ? 'has' : 'have';
  const them = missing.length === 1 ? 'it' : 'them';
  const message =
    linked.length === 0
      ? `${subject} on ${source.id} ${verb} no backup: no backup source is linked to ${source.id}; link a ${LINKABLE_KINDS} source with database: ${source.id}`
      : `${subject} on ${source.id} ${verb} no dump in ${linked.map((s) => s.id).join(', ')}: dump ${them} too, or add ${them} to coverageIgnore`;
  return [{ rule: 'coverage', status: 'warning', message, observed: missing.map((db) => db.name).join(', '), limit: null }];
};
