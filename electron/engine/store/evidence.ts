// What an audit report reads of the history (report/): a source's drills, status changes and backups over a
// period, with the last one before it (how things stood when the period began), and the policy changes. Each
// read is one seek in the index the table already has (drills_by_source_time, events_by_source_time,
// backups_by_source_finished).
import type { Database, Statement } from 'better-sqlite3';
import type { BackupRecord } from '../../../shared/model';
import { fromRow, type DrillRow } from './drills';
import { PolicyTable, type PolicyChange, type PolicyEntry } from './policies';
import { toBackupRecord, type BackupRow } from './polls';
import { toStatusEvent, type EventRow } from './status-events';
import type { EvidenceReader, SourceRecord } from './types';

export class EvidenceQuery implements EvidenceReader {
  private readonly selectDrills: Statement<[string, number, number], DrillRow>;
  private readonly selectDrillBefore: Statement<[string, number], DrillRow>;
  private readonly selectEvents: Statement<[string, number, number], EventRow>;
  private readonly selectEventBefore: Statement<[string, number], EventRow>;
  private readonly selectEventsAfter: Statement<[string, number], EventRow>;
  private readonly selectBackup: Statement<[string, string, number], BackupRow>;
  readonly policies: PolicyTable;

  constructor(db: Database) {
    this.selectDrills = db.prepare('SELECT * FROM drills WHERE source_id = ? AND finished_at >= ? AND finished_at <= ? ORDER BY finished_at, id');
    this.selectDrillBefore = db.prepare('SELECT * FROM drills WHERE source_id = ? AND finished_at < ? ORDER BY finished_at DESC, id DESC LIMIT 1');
    this.selectEvents = db.prepare('SELECT * FROM events WHERE source_id = ? AND at >= ? AND at <= ? ORDER BY at, id');
    this.selectEventBefore = db.prepare('SELECT * FROM events WHERE source_id = ? AND at < ? ORDER BY at DESC, id DESC LIMIT 1');
    this.selectEventsAfter = db.prepare('SELECT * FROM events WHERE source_id = ? AND at > ? ORDER BY at, id LIMIT 1000');
    // The backup a drill restored: the newest stored under its key that had finished when the drill started.
    this.selectBackup = db.prepare('SELECT * FROM backups WHERE source_id = ? AND key = ? AND finished_at <= ? ORDER BY finished_at DESC LIMIT 1');
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
