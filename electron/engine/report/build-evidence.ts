// The evidence of a period (issue 17), gathered from the history and the engine's view of the databases: per source
// its policies, the drill schedule kept, every drill and status change; per database its objectives over time, each
// restore judged by the objectives of its time, its status changes, and a summary row. The judging is pure
// (schedule.ts, policy-periods.ts, status-changes.ts: each failure fixed when its finding span closed); this file
// reads and assembles.
import type { Config } from '../../../shared/config';
import type { DatabaseSummary, ProvenRestore } from '../../../shared/databases';
import type { Drill, SourceSummary } from '../../../shared/model';
import { proven, restoredIt } from '../databases/database-index';
import type { HistoryStore } from '../store/types';
import { EVIDENCE_FORMAT, type DatabaseEvidence, type DatabaseSummaryRow, type DrillEvidence, type Evidence, type ProvenRestoreRow, type SourceEvidence } from './evidence-model';
import { databaseSubject, policiesOf, sourceSubject } from './policy';
import { iso, policyAt, policyPeriods, policySpans, type PolicySpan } from './policy-periods';
import { scheduleKept } from './schedule';
import { findingsOf, statusChanges } from './status-changes';

/** Points of the backup-age chart per source: enough for a year on a printed page. */
const AGE_POINTS = 240;

export interface EvidenceSelection {
  /** Source ids; empty: as the databases ask, or all. */
  sources: readonly string[];
  /** Database names or keys (orders, orders-db/orders); empty: as the sources ask, or all. */
  databases: readonly string[];
}

export interface EvidenceInputs {
  from: number;
  to: number;
  now: number;
  config: Config;
  store: Pick<HistoryStore, 'evidence' | 'backupAgeSeries'>;
  /** The engine's rows (Engine.databases()) and source summaries (Engine.summaries()). */
  databases: readonly DatabaseSummary[];
  summaries: readonly SourceSummary[];
  selection: EvidenceSelection;
  generator: Evidence['generator'];
  signingKey: string;
}

/** Why a selection names nothing known, for a usage error; null when it is fine. */
export function selectionProblem(selection: EvidenceSelection, config: Config, databases: readonly DatabaseSummary[], names = { sources: '--source', databases: '--database' }): string | null {
  const ids = new Set(config.sources.map((s) => s.id));
  const unknown = selection.sources.filter((id) => !ids.has(id));
  if (unknown.length) return `${names.sources}: no source ${unknown.map((id) => `"${id}"`).join(', ')} in the config (sources: ${[...ids].join(', ') || 'none configured'})`;
  const missing = selection.databases.filter((name) => !databases.some((db) => matchesDatabase(db, name)));
  const known = [...new Set(databases.flatMap((db) => (db.name === null ? [] : [db.name])))];
  if (missing.length) return `${names.databases}: no database ${missing.map((n) => `"${n}"`).join(', ')} is known (databases: ${known.join(', ') || 'none known yet'})`;
  return null;
}

const matchesDatabase = (db: DatabaseSummary, name: string) => db.name === name || db.key === name;

export function buildEvidence(inputs: EvidenceInputs): Evidence {
  const { from, to, config, store, selection } = inputs;
  const { sourceIds, databases } = selected(inputs);
  const changes = store.evidence.policyChanges(to);
  const current = new Map(policiesOf(config).map((entry) => [entry.subject, entry.policy]));
  const spansOf = (subject: string) => policySpans(changes.filter((c) => c.subject === subject), from, to, current.get(subject) ?? null);

  const backupFinishedAt = (sourceId: string, key: string, startedAt = to) => store.evidence.backupOf(sourceId, key, startedAt)?.finishedAt ?? null;
  const drillsBySource = new Map<string, Drill[]>();
  const sources: SourceEvidence[] = sourceIds.map((id) => {
    const source = config.sources.find((s) => s.id === id)!;
    const summary = inputs.summaries.find((s) => s.id === id);
    const record = store.evidence.sourceRecord(id, from, to);
    drillsBySource.set(id, record.drills);
    const spans = spansOf(sourceSubject(id));
    const schedule = scheduleKept(spans, record.drills.map((d) => d.finishedAt), record.drillBefore?.finishedAt ?? null, to);
    return {
      id,
      name: source.name ?? id,
      kind: source.kind,
      status: summary?.status ?? 'unknown',
      databases: databases.filter((db) => db.routines.some((r) => r.sourceId === id) || db.server?.id === id).map((db) => db.key),
      policies: policyPeriods(spans, to),
      schedule,
      drills: record.drills.map((drill) => drillEvidence(drill, source.kind, store)),
      statusAtStart: record.eventBefore?.to ?? null,
      statusChanges: statusChanges(record.events, record.eventsAfter, record.findingSpans),
      findings: findingsOf(record.findingSpans),
      backupAge: source.kind === 'postgres' ? [] : store.backupAgeSeries(id, { from, to, maxPoints: AGE_POINTS }).map((p) => ({ at: iso(p.at), ageMs: p.value })),
    };
  });

  const databaseEvidence: DatabaseEvidence[] = databases.map((db) => {
    const spans = db.server && db.name !== null ? spansOf(databaseSubject(db.server.id, db.name)) : [];
    const restores = db.routines.flatMap((routine) =>
      (drillsBySource.get(routine.sourceId) ?? store.evidence.sourceRecord(routine.sourceId, from, to).drills)
        .filter((drill) => restoredIt(drill, routine.everyDrill, db.name))
        .map((drill) => judged(drill, proven(drill, { backupFinishedAt: (sourceId, key) => backupFinishedAt(sourceId, key, drill.startedAt) }), spans)),
    );
    restores.sort((a, b) => a.finishedAt.localeCompare(b.finishedAt));
    const record = store.evidence.databaseRecord(db.key, from, to);
    return {
      key: db.key,
      label: db.label,
      name: db.name,
      server: db.server?.id ?? null,
      routines: db.routines.map((r) => r.sourceId),
      policies: spans.length ? policyPeriods(spans, to) : [],
      restores,
      statusAtStart: record.eventBefore?.to ?? null,
      statusChanges: statusChanges(record.events, record.eventsAfter, record.findingSpans),
      findings: findingsOf(record.findingSpans),
    };
  });

  return {
    format: EVIDENCE_FORMAT,
    generatedAt: iso(inputs.now),
    generator: inputs.generator,
    signingKey: inputs.signingKey,
    period: { from: iso(from), to: iso(to) },
    selection: { sources: selection.sources.length ? [...selection.sources] : null, databases: selection.databases.length ? [...selection.databases] : null },
    summary: databases.map((db, i) => summaryRow(db, databaseEvidence[i]!, sources)),
    databases: databaseEvidence,
    sources,
    notes: [
      'Each drill names the machine it ran on (host), its tools and scratch server; drills recorded before Backup Health kept these have host null.',
      "A drill's backup.sha256 was read alongside its restore, or while the backup was copied: of the dump file (sha256Of file: sha256sum FILE); of a directory-format dump's files or a tar-format base backup's run (sha256Of directory-manifest: the SHA-256 of their sha256sum lines sorted by name, (cd DIR && LC_ALL=C ls | xargs sha256sum) | sha256sum); or, for a physical backup restored from a tree (pgBackRest, a plain base backup, Barman), of its own manifest (sha256Of backup-manifest, the file in sha256File), which lists every file with the checksum the restore or pg_verifybackup checks. Where none was computed, backup.sha256Missing says why.",
    ],
  };
}

/** The sources and databases a selection asks for: a database brings its routines and server, a source its databases. */
function selected(inputs: EvidenceInputs): { sourceIds: string[]; databases: DatabaseSummary[] } {
  const { config, selection } = inputs;
  if (selection.sources.length === 0 && selection.databases.length === 0) return { sourceIds: config.sources.map((s) => s.id), databases: [...inputs.databases] };
  const wanted = new Set(selection.sources);
  const databases = inputs.databases.filter(
    (db) => selection.databases.some((name) => matchesDatabase(db, name)) || (selection.databases.length === 0 && db.routines.some((r) => wanted.has(r.sourceId))),
  );
  for (const db of databases) {
    if (selection.databases.length === 0) continue;
    for (const routine of db.routines) wanted.add(routine.sourceId);
    if (db.server) wanted.add(db.server.id);
  }
  return { sourceIds: config.sources.map((s) => s.id).filter((id) => wanted.has(id)), databases };
}

/** Kinds whose drills restore a physical backup: before Backup Health hashed their manifests and tar runs, they kept no checksum. */
const PHYSICAL_KINDS: ReadonlySet<string> = new Set(['pgbackrest', 'barman', 'basebackup']);

function drillEvidence(drill: Drill, kind: string, store: Pick<HistoryStore, 'evidence'>): DrillEvidence {
  const backup = store.evidence.backupOf(drill.sourceId, drill.backupKey, drill.startedAt);
  const header = backup?.meta?.header;
  const run = drill.provenance;
  const checksum = run?.checksum ?? null;
  return {
    id: drill.id!,
    startedAt: iso(drill.startedAt),
    finishedAt: iso(drill.finishedAt),
    outcome: drill.outcome,
    backup: {
      key: drill.backupKey,
      type: backup?.type ?? null,
      finishedAt: backup ? iso(backup.finishedAt) : null,
      sizeBytes: backup?.sizeBytes ?? null,
      pgDumpVersion: header?.pgDumpVersion ?? null,
      serverVersion: header?.serverVersion ?? null,
      sha256: checksum?.hex ?? null,
      sha256Of: checksum?.of ?? null,
      sha256File: checksum?.file ?? null,
      sha256Missing: checksum ? null : whyNoChecksum(run, kind),
    },
    database: drill.database ?? null,
    restoredWith: drill.restoredWith ?? null,
    sandboxed: drill.safety?.sandboxed ?? null,
    restoreMs: drill.restoreMs,
    recoveryPointMs: proven(drill, { backupFinishedAt: () => backup?.finishedAt ?? null }).recoveryPointMs,
    tables: drill.tables,
    rows: drill.rows,
    restoredBytes: drill.restoredBytes,
    phases: drill.phases,
    checks: drill.checks.map(({ name, sql, passed, detail }) => ({ name, sql, passed, detail })),
    warnings: drill.warnings ?? [],
    message: drill.message,
    host: run?.host ?? null,
    tools: { ...run?.tools },
    scratchServer: run?.scratchServer ?? null,
  };
}

/** Why a drill has no checksum: as the drill said, else as its age or kind tells. */
function whyNoChecksum(run: Drill['provenance'], kind: string): string {
  if (run?.checksumMissing) return run.checksumMissing;
  if (!run) return 'not recorded for this drill (recorded before Backup Health kept checksums, or decided without a restore)';
  if (PHYSICAL_KINDS.has(kind)) return `not recorded for this drill (drills of ${kind} recorded before Backup Health hashed physical backups kept none)`;
  return 'not computed (the drill did not reach the restore of a dump)';
}

function judged(drill: Drill, proof: ProvenRestore, spans: readonly PolicySpan[]): DatabaseEvidence['restores'][number] {
  const objectives = policyAt(spans, drill.startedAt) as { rpo?: number; rto?: number } | null;
  const pass = drill.outcome === 'pass';
  return {
    drillId: drill.id!,
    sourceId: drill.sourceId,
    finishedAt: iso(drill.finishedAt),
    outcome: drill.outcome,
    restoreMs: proof.restoreMs,
    recoveryPointMs: proof.recoveryPointMs,
    rpoMet: objectives?.rpo === undefined ? null : pass && proof.recoveryPointMs !== null && proof.recoveryPointMs <= objectives.rpo,
    rtoMet: objectives?.rto === undefined ? null : pass && proof.restoreMs !== null && proof.restoreMs <= objectives.rto,
  };
}

function summaryRow(db: DatabaseSummary, evidence: DatabaseEvidence, sources: readonly SourceEvidence[]): DatabaseSummaryRow {
  const routines = sources.filter((s) => evidence.routines.includes(s.id));
  const restores = evidence.restores;
  return {
    key: db.key,
    label: db.label,
    status: db.status,
    objectives: db.objectives && { ...db.objectives },
    objectivesMet: db.objectives === null ? null : !db.findings.some((f) => f.rule === 'database-objectives'),
    findings: [...db.findings.map((f) => f.message), ...db.routines.filter((r) => r.finding).map((r) => `${r.sourceId}: ${r.finding}`)],
    lastProvenRestore: db.lastRestore && provenRow(db.lastRestore),
    drills: {
      passed: restores.filter((r) => r.outcome === 'pass').length,
      failed: restores.filter((r) => r.outcome !== 'pass').length,
      missedWindows: routines.reduce((n, s) => n + (s.schedule?.missed.length ?? 0), 0),
    },
  };
}

function provenRow(p: ProvenRestore): ProvenRestoreRow {
  return { at: iso(p.at), sourceId: p.sourceId, backupKey: p.backupKey, restoreMs: p.restoreMs, recoveryPointMs: p.recoveryPointMs };
}
