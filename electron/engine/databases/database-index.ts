// One row per database Backup Health knows (issue 15): from the postgres sources (each server's databases and
// sizes) and from what the backup sources hold (dump headers and `dbname`; a physical backup holds the whole
// cluster). Each row lists the routines that hold it, what their drills proved of it, and its own findings
// (objectives.ts). Pure: the engine gathers the inputs (engine.ts databases()).
import type { Config, PostgresSourceConfig } from '../../../shared/config';
import { DEFAULT_DRILL_AGE_MS, type DatabaseRoutine, type DatabaseSummary, type ProvenRestore } from '../../../shared/databases';
import { STATUS_SEVERITY, worstStatus, type DatabaseSize, type Drill, type SourceSummary } from '../../../shared/model';
import { coverageIgnored, namesHeld } from '../health/postgres-rules';
import type { BackupSourceConfig } from '../health/kind-words';
import { databaseFindings } from './objectives';

export interface DatabaseInputs {
  now: number;
  config: Pick<Config, 'sources' | 'databases'>;
  /** A source's summary (status, findings, name, host, newest backup), as the overview shows it. */
  summaryOf(id: string): Pick<SourceSummary, 'status' | 'findings' | 'name' | 'host' | 'bucketUrl' | 'newestBackup'>;
  /** A server's databases at its latest successful poll; null when it has none yet. */
  serverDatabases(id: string): readonly DatabaseSize[] | null;
  /** What a backup source's present backups hold: 'cluster', or the database names its dumps give ([]: none named). */
  holds(source: BackupSourceConfig): readonly string[] | 'cluster';
  /** A source's drills, newest first (enough to cover the longest drillAge). */
  drillsOf(id: string): readonly Drill[];
  /** When the backup a drill restored finished, for a dump's recovery point; null when not known. */
  backupFinishedAt(sourceId: string, key: string): number | null;
}

interface Row {
  key: string;
  name: string | null;
  server: PostgresSourceConfig | null;
  sizeBytes: number | null;
  routines: Map<string, { source: BackupSourceConfig; holds: 'cluster' | 'dumps'; only: boolean }>;
}

export function databaseIndex(inputs: DatabaseInputs): DatabaseSummary[] {
  const { config } = inputs;
  const servers = new Map(config.sources.filter((s): s is PostgresSourceConfig => s.kind === 'postgres').map((s) => [s.id, s]));
  const rows = new Map<string, Row>();
  const rowFor = (key: string, name: string | null, server: PostgresSourceConfig | null): Row => {
    let row = rows.get(key);
    if (!row) rows.set(key, (row = { key, name, server, sizeBytes: null, routines: new Map() }));
    return row;
  };

  for (const server of servers.values()) {
    const ignored = coverageIgnored(server);
    for (const db of inputs.serverDatabases(server.id) ?? []) {
      if (!ignored.has(db.name)) rowFor(`${server.id}/${db.name}`, db.name, server).sizeBytes = db.sizeBytes;
    }
  }
  for (const objective of config.databases) {
    const server = servers.get(objective.server);
    if (server) rowFor(`${server.id}/${objective.name}`, objective.name, server);
  }

  const backupSources = config.sources.filter((s): s is BackupSourceConfig => s.kind !== 'postgres');
  const clusterOf = new Map<string, BackupSourceConfig[]>();
  for (const source of backupSources) {
    const held = inputs.holds(source);
    const server = source.database ? (servers.get(source.database) ?? null) : null;
    if (held === 'cluster') {
      if (server) clusterOf.set(server.id, [...(clusterOf.get(server.id) ?? []), source]);
      else rowFor(`cluster:${source.id}`, null, null).routines.set(source.id, { source, holds: 'cluster', only: true });
      continue;
    }
    const names = server ? namesHeld(held, server) : [...held];
    if (names.length === 0) {
      rowFor(`source:${source.id}`, null, server).routines.set(source.id, { source, holds: 'dumps', only: true });
      continue;
    }
    const ignored = server ? coverageIgnored(server) : new Set<string>();
    for (const name of names) {
      if (ignored.has(name)) continue;
      rowFor(server ? `${server.id}/${name}` : `~/${name}`, name, server).routines.set(source.id, { source, holds: 'dumps', only: names.length === 1 });
    }
  }
  // A whole-cluster backup holds every database of its server, whichever way each became known.
  for (const row of rows.values()) {
    for (const source of (row.server && clusterOf.get(row.server.id)) ?? []) row.routines.set(source.id, { source, holds: 'cluster', only: false });
  }

  const drillCache = new Map<string, readonly Drill[]>();
  const drillsOf = (id: string) => {
    let drills = drillCache.get(id);
    if (!drills) drillCache.set(id, (drills = inputs.drillsOf(id)));
    return drills;
  };
  return [...rows.values()].map((row) => summarize(row, inputs, drillsOf)).sort(worstFirst);
}

function summarize(row: Row, inputs: DatabaseInputs, drillsOf: (id: string) => readonly Drill[]): DatabaseSummary {
  const objective = row.server && row.name !== null ? inputs.config.databases.find((d) => d.server === row.server!.id && d.name === row.name) : undefined;
  const objectives = objective ? { rpoMs: objective.rpo ?? null, rtoMs: objective.rto ?? null, drillAgeMs: objective.drillAge } : null;
  const proofs: ProvenRestore[] = [];
  const routines: DatabaseRoutine[] = [...row.routines.values()].map(({ source, holds, only }) => {
    const summary = inputs.summaryOf(source.id);
    // A drill of a dump proves the database it restored; a physical drill restores the whole cluster.
    const everyDrill = holds === 'cluster' || only;
    const ofThis = drillsOf(source.id).filter((d) => restoredIt(d, everyDrill, row.name));
    const last = ofThis[0] ?? null;
    const passing = ofThis.filter((d) => d.outcome === 'pass').map((d) => proven(d, inputs));
    proofs.push(...passing);
    return {
      sourceId: source.id,
      name: summary.name,
      kind: source.kind,
      ...(summary.host ? { host: summary.host } : {}),
      ...(summary.bucketUrl ? { bucketUrl: summary.bucketUrl } : {}),
      status: summary.status,
      finding: summary.status === 'ok' ? null : ([...summary.findings].sort((a, b) => STATUS_SEVERITY[b.status] - STATUS_SEVERITY[a.status])[0]?.message ?? null),
      holds,
      everyDrill,
      newestBackupAt: summary.newestBackup?.finishedAt ?? null,
      lastDrill: last && { at: last.finishedAt, outcome: last.outcome, message: last.message },
      lastRestore: passing[0] ?? null,
    };
  });
  routines.sort((a, b) => STATUS_SEVERITY[b.status] - STATUS_SEVERITY[a.status] || a.sourceId.localeCompare(b.sourceId));
  const lastRestore = proofs.reduce<ProvenRestore | null>((newest, p) => (newest === null || p.at > newest.at ? p : newest), null);
  const window = objectives?.drillAgeMs ?? DEFAULT_DRILL_AGE_MS;
  const recent = proofs.filter((p) => p.at >= inputs.now - window);
  const bestRecoveryPoint = recent.reduce<ProvenRestore | null>((best, p) => (p.recoveryPointMs !== null && (best === null || p.recoveryPointMs < best.recoveryPointMs!) ? p : best), null);
  const label = row.name === null ? `what ${[...row.routines.keys()].join(', ')} holds` : row.server ? `${row.name} on ${row.server.id}` : row.name;
  const findings = databaseFindings({ label, now: inputs.now, objectives, routines, recent, lastRestore });
  const server = row.server && serverProtection(row.server, inputs);
  return {
    key: row.key,
    label,
    name: row.name,
    server,
    sizeBytes: row.sizeBytes,
    routines,
    lastRestore,
    bestRecoveryPoint,
    objectives,
    findings,
    status: worstStatus([...findings.map((f) => f.status), ...routines.map((r) => r.status), server?.status ?? 'ok']),
  };
}

/** The rules of a server that judge what it does to protect its databases: archiving WAL, feeding standbys. */
const PROTECTION_RULES = new Set(['wal-archiving', 'replication']);

/** The server, with the status of its own protection (its other findings, a probe error say, are the server's, not its databases'). */
function serverProtection(server: PostgresSourceConfig, inputs: Pick<DatabaseInputs, 'summaryOf'>): NonNullable<DatabaseSummary['server']> {
  const summary = inputs.summaryOf(server.id);
  const findings = summary.findings.filter((f) => PROTECTION_RULES.has(f.rule));
  return { id: server.id, name: summary.name, status: worstStatus(findings.map((f) => f.status), 'ok'), findings };
}

/** Whether a routine's drill restored the database: every drill does when the routine holds it alone or the whole cluster. */
export function restoredIt(drill: Pick<Drill, 'database'>, everyDrill: boolean, name: string | null): boolean {
  return everyDrill || (name !== null && drill.database === name);
}

/** What a passing drill proved: its restore time, and how much data a restore from it would have lost. */
export function proven(drill: Drill, inputs: Pick<DatabaseInputs, 'backupFinishedAt'>): ProvenRestore {
  let recoveryPointMs: number | null;
  if (drill.recovery) recoveryPointMs = drill.recovery.idle ? 0 : drill.recovery.recoveryPointMs;
  else {
    const finishedAt = inputs.backupFinishedAt(drill.sourceId, drill.backupKey);
    recoveryPointMs = finishedAt === null ? null : Math.max(0, drill.startedAt - finishedAt);
  }
  return { sourceId: drill.sourceId, at: drill.finishedAt, backupKey: drill.backupKey, restoreMs: drill.restoreMs, recoveryPointMs };
}

function worstFirst(a: DatabaseSummary, b: DatabaseSummary): number {
  return STATUS_SEVERITY[b.status] - STATUS_SEVERITY[a.status] || (a.server?.id ?? '~').localeCompare(b.server?.id ?? '~') || (a.name ?? '').localeCompare(b.name ?? '') || a.key.localeCompare(b.key);
}

