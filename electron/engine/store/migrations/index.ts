// Numbered schema migrations, applied in order; PRAGMA user_version records the last one applied.
// A migration is never edited once released: change the schema by adding the next number.
import type { Database } from 'better-sqlite3';
import { initialSchema } from './001-initial';
import { drillsSchema } from './002-drills';
import { storedBytesSchema } from './003-stored-bytes';
import { pollCompactionSchema } from './004-poll-compaction';
import { alertDeliveriesSchema } from './005-alert-deliveries';
import { alertSenderLeaseSchema } from './006-alert-sender-lease';
import { alertToldSchema } from './007-alert-told';
import { walWindowsSchema } from './008-wal-windows';
import { backupAgeSchema } from './009-backup-age';
import { policiesSchema } from './010-policies';
import { findingSpansSchema } from './011-finding-spans';
import { backupGoneSchema } from './012-backup-gone';

export const MIGRATIONS: readonly string[] = [initialSchema, drillsSchema, storedBytesSchema, pollCompactionSchema, alertDeliveriesSchema, alertSenderLeaseSchema, alertToldSchema, walWindowsSchema, backupAgeSchema, policiesSchema, findingSpansSchema, backupGoneSchema];

/** The schema version this build writes; user_version of a fully migrated file. */
export const SCHEMA_VERSION = MIGRATIONS.length;

export class HistoryFileError extends Error {
  constructor(
    readonly code: 'history-too-new' | 'history-unreadable',
    message: string,
  ) {
    super(message);
    this.name = 'HistoryFileError';
  }
}

/** The file's schema version; refuses, without writing, a file from a newer Backup Health. */
export function checkSchemaVersion(db: Database, file: string): number {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > SCHEMA_VERSION) {
    throw new HistoryFileError(
      'history-too-new',
      `The history file ${file} was written by a newer version of Backup Health (schema ${version}; ` +
        `this version knows up to ${SCHEMA_VERSION}). Upgrade Backup Health to open it; the file was left unchanged.`,
    );
  }
  return version;
}

/**
 * Applies each missing migration in its own transaction, together with its user_version bump. The
 * version is read again inside the write lock, so two processes opening a new file do not both migrate.
 */
export function migrate(db: Database, file: string): void {
  if (checkSchemaVersion(db, file) === SCHEMA_VERSION) return;
  const applyNext = db.transaction((): boolean => {
    const version = checkSchemaVersion(db, file);
    const sql = MIGRATIONS[version];
    if (sql === undefined) return false;
    db.exec(withoutPresentColumns(db, sql));
    db.pragma(`user_version = ${version + 1}`);
    return true;
  });
  while (applyNext.immediate()) {
    // one migration per transaction
  }
}

/**
 * The migration without its ADD COLUMNs of columns the table has already. SQLite has no ADD COLUMN IF NOT EXISTS, and
 * a file whose user_version was lowered (tests rebuild an older file's schema that way) has the columns of the later
 * migrations it runs again; a real upgrade never has them, and runs the migration as written.
 */
function withoutPresentColumns(db: Database, sql: string): string {
  return sql.replace(/ALTER TABLE (\w+) ADD COLUMN (\w+)[^;]*;/g, (statement, table: string, column: string) => {
    const columns = db.prepare<[string], { name: string }>('SELECT name FROM pragma_table_info(?)').all(table);
    return columns.some((c) => c.name === column) ? '' : statement;
  });
}
