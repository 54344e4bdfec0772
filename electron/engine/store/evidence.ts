// What an audit report reads of the history (report/): a source's drills, status changes and backups over a
// period, with the last one before it (how things stood when the period began), a database's status changes, the
// finding spans of each, and the policy changes. Each read is one seek in the index the table already has
// (drills_by_source_time, events_by_source_time, backups_by_source_finished, database_events_by_key_time,
// finding_spans_by_subject_time).
import type { Database, Statement } from 'better-sqlite3';
import type { BackupRecord } from '../../../shared/model';
import { toDatabaseStatusEvent, type DatabaseEventRow } from './database-events';
import { fromRow, type DrillRow } from './drills';
import { FindingSpanTable, databaseSpanSubject } from './finding-spans';
import { PolicyTable, type PolicyChange, type PolicyEntry } from './policies';
import { toBackupRecord, type BackupRow } from './polls';
import { toStatusEvent, type EventRow } from './status-events';
import type { DatabaseRecord, EvidenceReader, SourceRecord } from './types';

export class EvidenceQuery implements EvidenceReader {
  private readonly selectDrills: Statement<[string, number, number], DrillRow>;
  private readonly selectDrillBefore: Statement<[string, number], DrillRow>;
  private readonly selectEvents: Statement<[string, number, number], EventRow>;
  private readonly selectEventBefore: Statement<[string, number], EventRow>;
  private readonly selectEventsAfter: Statement<[string, number], EventRow>;
  private readonly selectBackup: Statement<[string, string, number], BackupRow>;
  private readonly selectDatabaseEvents: Statement<[string, number, number], DatabaseEventRow>;
  private readonly selectDatabaseEventBefore: Statement<[string, number], DatabaseEventRow>;
  private readonly selectDatabaseEventsAfter: Statement<[string, number], DatabaseEventRow>;
  private readonly findingSpans: FindingSpanTable;
  readonly policies: PolicyTable;

  constructor(db: Database) {
    this.selectDrills = db.prepare('SELECT * FROM drills WHERE source_id = ? AND finished_at >= ? AND finished_at <= ? ORDER BY finished_at, id');
    this.selectDrillBefore = db.prepare('SELECT * FROM drills WHERE source_id = ? AND finished_at < ? ORDER BY finished_at DESC, id DESC LIMIT 1');
    this.selectEvents = db.prepare('SELECT * FROM events WHERE source_id = ? AND at >= ? AND at <= ? ORDER BY at, id');
    this.selectEventBefore = db.prepare('SELECT * FROM events WHERE source_id = ? AND at < ? ORDER BY at DESC, id DESC LIMIT 1');
    this.selectEventsAfter = db.prepare('SELECT * FROM events WHERE source_id = ? AND at > ? ORDER BY at, id LIMIT 1000');
    // The backup a drill restored: the newest stored under its key that had finished when the drill started.
    this.selectBackup = db.prepare('SELECT * FROM backups WHERE source_id = ? AND key = ? AND finished_at <= ? ORDER BY finished_at DESC LIMIT 1');
    this.selectDatabaseEvents = db.prepare('SELECT * FROM database_events WHERE database_key = ? AND at >= ? AND at <= ? ORDER BY at, id');
    this.selectDatabaseEventBefore = db.prepare('SELECT * FROM database_events WHERE database_key = ? AND at < ? ORDER BY at DESC, id DESC LIMIT 1');
    this.selectDatabaseEventsAfter = db.prepare('SELECT * FROM database_events WHERE database_key = ? AND at > ? ORDER BY at, id LIMIT 1000');
    this.findingSpans = new FindingSpanTable(db);
    this.policies = new PolicyTable(db);
  }

  sourceRecord(sourceId: string, from: number, to: number): SourceRecord {
    const drillBefore = this.selectDrillBefore.get(sourceId, from);
    const eventBefore = this.selectEventBefore.get(sourceId, from);
    return {
      drills: this.selectDrills.all(sourceId, from, to).map(fromRow),
      drillBefore: drillBefore ? fromRow(drillBefore) : null,
      events: this.selectEvents.all(sourceId, from, to).map(toStatusEvent),
      eventBefore: eventBefore ? toStatusEvent(eventBefore) : null,
      eventsAfter: this.selectEventsAfter.all(sourceId, to).map(toStatusEvent),
      findingSpans: this.findingSpans.during(sourceId, from, to),
    };
  }

  databaseRecord(key: string, from: number, to: number): DatabaseRecord {
    const eventBefore = this.selectDatabaseEventBefore.get(key, from);
    return {
      events: this.selectDatabaseEvents.all(key, from, to).map(toDatabaseStatusEvent),
      eventBefore: eventBefore ? toDatabaseStatusEvent(eventBefore) : null,
      eventsAfter: this.selectDatabaseEventsAfter.all(key, to).map(toDatabaseStatusEvent),
      findingSpans: this.findingSpans.during(databaseSpanSubject(key), from, to),
    };
  }

  backupOf(sourceId: string, key: string, startedAt: number): BackupRecord | null {
    const row = this.selectBackup.get(sourceId, key, startedAt);
    return row ? toBackupRecord(row) : null;
  }

  recordPolicies(at: number, entries: readonly PolicyEntry[]): PolicyChange[] {
    return this.policies.record(at, entries);
  }

  policyChanges(until: number): PolicyChange[] {
    return this.policies.changes(until);
  }
}
