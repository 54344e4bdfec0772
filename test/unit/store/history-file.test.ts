import Database from 'better-sqlite3';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { History, HistoryFileError } from '../../../electron/engine/store/history';
import { SCHEMA_VERSION } from '../../../electron/engine/store/migrations/index';
import { DAY, T0, dump, okPoll, openHistory, tempDir } from './temp-history';

describe('the history file', () => {
  it('is created with its directory, in WAL mode, at the current schema version', () => {
    const file = join(tempDir(), 'nested', 'data', 'history.sqlite');
    openHistory(file).history.close();

    const db = new Database(file, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    db.close();
  });

  it('keeps polls, backups and events when the app restarts', () => {
    const { history, file } = openHistory();
    history.recordPolls([{ poll: okPoll('app', T0), backups: [dump('/b/app.dump', T0 - DAY)] }]);
    history.recordStatus({ at: T0, sourceId: 'app', polledAt: T0, status: 'ok', findings: [] });
    history.close();

    const reopened = openHistory(file).history;
    expect(reopened.latestPoll('app')).toEqual(okPoll('app', T0));
    expect(reopened.backups('app').map((b) => b.key)).toEqual(['/b/app.dump']);
    expect(reopened.lastStatus('app')).toBe('ok');
    // Reopening does not re-run migrations over existing tables, and the backup is still known.
    expect(reopened.recordPolls([{ poll: okPoll('app', T0 + DAY), backups: [dump('/b/app.dump', T0 - DAY)] }])).toEqual({
      newBackups: 0,
      events: [],
    });
  });

  it('refuses, untouched, a file written by a newer version of Backup Health', () => {
    const file = join(tempDir(), 'history.sqlite');
    const db = new Database(file);
    db.exec('CREATE TABLE from_the_future (x)');
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    const before = readFileSync(file);

    let error: unknown;
    try {
      History.open(file);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(HistoryFileError);
    expect((error as HistoryFileError).code).toBe('history-too-new');
    expect((error as Error).message).toContain(file);
    expect((error as Error).message).toMatch(/newer version.*Upgrade Backup Health/s);
    expect(readFileSync(file).equals(before)).toBe(true);
  });

  it('says so when the file is not a history at all', () => {
    const file = join(tempDir(), 'history.sqlite');
    writeFileSync(file, 'this is a config file, not a database\n'.repeat(100));
    expect(() => History.open(file)).toThrow(HistoryFileError);
    expect(() => History.open(file)).toThrow(/is not an SQLite database/);
  });

  it('works in memory for tests', () => {
    const history = History.open(':memory:');
    history.recordPolls([{ poll: okPoll('app', T0), backups: [] }]);
    expect(history.latestPoll('app')?.at).toBe(T0);
    history.close();
  });
});
