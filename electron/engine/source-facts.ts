// What the engine knows of each source between polls, and the facts it gathers from that, the config and the
// history for one source's judgement (health/types.ts SourceFacts): its latest poll, the backups present and
// stored, its drills, the server it links to, and, for a server, every backup source covering it.
import type { Config, DrillConfig, SourceConfig } from '../../shared/config';
import type { DatabaseSize, ObservedBackup, Poll, SourceHealth, SourceSummary } from '../../shared/model';
import { newestFirst } from '../../shared/newest-backup';
import type { BackupSourceConfig } from './health/kind-words';
import type { SourceFacts } from './health/types';
import type { DatabaseInputs } from './databases/database-index';
import { coveringSource } from './sources/covered-databases';
import type { HistoryStore } from './store/types';

/** How many stored backups a health evaluation looks at (the size rule needs the previous 7). */
export const HISTORY_DEPTH = 16;

/** What the engine knows of a source between polls. */
export interface SourceState {
  poll: Poll | null;
  /** Backups present at that poll. */
  backups: ObservedBackup[];
  consecutiveFailures: number;
  health: SourceHealth | null;
  /** True once `poll` is in the history: a poll joined by two callers is recorded once. */
  recorded: boolean;
  /** The newest of the source's stored status changes this process has told its subscribers (0: none). */
  heard: number;
  /** A postgres source's databases at its latest successful poll (kept through failed ones); null before one. */
  serverDatabases: DatabaseSize[] | null;
}

/** A poll's databases when it is a postgres source's successful poll, else what was known before. */
export function serverDatabasesAfter(poll: Poll | null, before: DatabaseSize[] | null): DatabaseSize[] | null {
  return poll?.ok && poll.metrics?.kind === 'postgres' ? poll.metrics.databases : before;
}

export interface FactsContext {
  config: Config;
  store: Pick<HistoryStore, 'backups' | 'drills' | 'lastPassingDrill'>;
  now: number;
  state: (id: string) => SourceState;
}

/** The `drill:` section of a backup source, whatever its kind: what every kind's drill settings share. */
export function drillSettings(source: SourceConfig): Pick<DrillConfig, 'every' | 'maxAge' | 'timeout' | 'checks'> | undefined {
  return 'drill' in source ? source.drill : undefined;
}

/** Everything one source's judgement needs. */
export function gatherFacts(source: SourceConfig, { config, store, now, state: stateOf }: FactsContext): SourceFacts {
  const state = stateOf(source.id);
  const facts: SourceFacts = {
    source,
    defaults: config.defaults,
    now,
    latest: state.poll,
    consecutiveFailures: state.consecutiveFailures,
    backups: state.backups,
    history: mergeBackups(source.id, state.backups, store.backups(source.id, { limit: HISTORY_DEPTH }), state.poll?.at ?? now),
  };
  if (drillSettings(source)) {
    facts.drills = { last: store.drills(source.id, { limit: 1 })[0] ?? null, lastPassing: store.lastPassingDrill(source.id) };
  }
  if (source.kind !== 'postgres' && source.database) {
    facts.linkedPostgres = { id: source.database, metrics: lastPostgresMetrics(stateOf(source.database)) };
  }
  if (source.kind === 'postgres') {
    facts.coveringSources = config.sources
      .filter((s): s is BackupSourceConfig => s.kind !== 'postgres' && s.database === source.id)
      .map((linked) => coveringSource(linked, stateOf(linked.id).backups));
  }
  return facts;
}

/**
 * The databases a source holds or backs up, by name, from its latest poll: a server's own databases; what a
 * backup source's dumps name (or its `dbname`); for a physical backup of a whole cluster, the databases of the
 * server it is linked to. An alert channel's `databases:` filter matches on these.
 */
export function databasesOf(source: SourceConfig, { config, state: stateOf }: Pick<FactsContext, 'config' | 'state'>): string[] {
  if (source.kind === 'postgres') {
    const metrics = lastPostgresMetrics(stateOf(source.id));
    return metrics ? metrics.databases.map((d) => d.name) : [];
  }
  const held = heldBy(source, stateOf);
  if (held === 'cluster') {
    const server = source.database ? config.sources.find((s) => s.id === source.database) : undefined;
    return server ? databasesOf(server, { config, state: stateOf }) : [];
  }
  return [...held];
}

/** What a backup source's present backups hold: 'cluster', the names its dumps give, else its `dbname` ([]: none named). */
function heldBy(source: BackupSourceConfig, stateOf: FactsContext['state']): readonly string[] | 'cluster' {
  const held = coveringSource(source, stateOf(source.id).backups).databases;
  if (held === 'cluster' || held.length > 0) return held;
  return 'dbname' in source && source.dbname ? [source.dbname] : [];
}

/** How many of a source's drills, newest first, the databases view reads: enough for weeks of daily drills. */
const DATABASE_DRILLS = 200;

/** What the databases view (databases/database-index.ts) reads of the engine's state and history. */
export function databaseInputs({ config, store, now, state: stateOf }: FactsContext, summaryOf: (id: string) => SourceSummary): DatabaseInputs {
  const finished = new Map<string, Map<string, number>>();
  return {
    now,
    config,
    summaryOf,
    serverDatabases: (id) => stateOf(id).serverDatabases,
    holds: (source) => heldBy(source, stateOf),
    drillsOf: (id) => store.drills(id, { limit: DATABASE_DRILLS }),
    backupFinishedAt(sourceId, key) {
      let byKey = finished.get(sourceId);
      if (!byKey) {
        byKey = new Map();
        // Oldest first, so the newest of two backups with one key (a name reused) wins.
        for (const backup of store.backups(sourceId, { limit: 1000 }).reverse()) byKey.set(backup.key, backup.finishedAt);
        finished.set(sourceId, byKey);
      }
      return byKey.get(key) ?? null;
    },
  };
}

/** The linked server's metrics from its latest poll; null when that poll failed (stale data is not judged). */
function lastPostgresMetrics(state: SourceState) {
  const poll = state.poll;
  return poll?.ok && poll.metrics?.kind === 'postgres' ? poll.metrics : null;
}

/** Present backups (maybe not stored yet) and stored history, newest first, each backup once. */
export function mergeBackups(sourceId: string, present: ObservedBackup[], stored: SourceFacts['history'], at: number, limit = HISTORY_DEPTH): SourceFacts['history'] {
  const seen = new Set<string>();
  const merged: SourceFacts['history'] = [];
  for (const backup of [...present.map((b) => ({ ...b, sourceId, firstSeenAt: at })), ...stored]) {
    const id = `${backup.key}\0${backup.finishedAt}`;
    if (seen.has(id)) continue;
    seen.add(id);
    merged.push(backup);
  }
  return merged.sort(newestFirst).slice(0, limit);
}
