// One database's page from a real history: every routine's backups in the range (a routine that dumps several
// databases contributes only this one's dumps), the drills that restored this database with what each proved, and
// the age of its newest backup of any routine.
import { describe, expect, it } from 'vitest';
import type { DatabaseRoutine, DatabaseSummary } from '../../../shared/databases';
import type { Drill, ObservedBackup } from '../../../shared/model';
import { databaseDetail } from '../../../electron/engine/databases/database-detail';
import { DAY, HOUR, T0, dump, okPoll, openHistory } from '../store/temp-history';

const NOW = T0 + 10 * DAY;

function routine(sourceId: string, fields: Partial<DatabaseRoutine>): DatabaseRoutine {
  return { sourceId, name: sourceId, kind: 'dump-dir', status: 'ok', finding: null, holds: 'dumps', everyDrill: true, newestBackupAt: null, lastDrill: null, lastRestore: null, ...fields };
}

const named = (key: string, at: number, dbName: string): ObservedBackup => ({ ...dump(key, at), meta: { header: { dbName } } as ObservedBackup['meta'] });

function drill(sourceId: string, backupKey: string, finishedAt: number, fields: Partial<Drill> = {}): Drill {
  return { sourceId, backupKey, startedAt: finishedAt - 60_000, finishedAt, outcome: 'pass', phases: {}, restoreMs: 50_000, tables: 1, rows: 1, restoredBytes: null, checks: [], message: 'restored', ...fields };
}

describe('databaseDetail', () => {
  it("marks each routine's backups (only this database's dumps from a directory of several), its drills and their recovery points, and the age", () => {
    const { history } = openHistory();
    const mixed = [named('orders-1.dump', T0 + 7 * DAY, 'orders'), named('crm-1.dump', T0 + 7 * DAY + HOUR, 'crm'), named('orders-2.dump', T0 + 8 * DAY, 'orders')];
    history.recordPolls([{ poll: okPoll('all-dumps', T0 + 9 * DAY, { newestBackupAt: T0 + 8 * DAY }), backups: mixed }]);
    const fulls = [dump('full-1', T0 + 6 * DAY)];
    history.recordPolls([{ poll: okPoll('pitr', T0 + 9 * DAY, { newestBackupAt: T0 + 6 * DAY }), backups: fulls }]);
    history.recordDrill(drill('all-dumps', 'orders-2.dump', T0 + 8 * DAY + 5 * HOUR, { database: 'orders' }));
    history.recordDrill(drill('all-dumps', 'crm-1.dump', T0 + 8 * DAY + 6 * HOUR, { database: 'crm' }));
    history.recordDrill(drill('pitr', 'full-1', T0 + 9 * DAY, { outcome: 'fail', message: 'WAL missing' }));
    const summary = {
      key: 'shop-db/orders',
      label: 'orders on shop-db',
      name: 'orders',
      routines: [routine('all-dumps', { everyDrill: false }), routine('pitr', { kind: 'pgbackrest', holds: 'cluster' })],
    } as DatabaseSummary;

    const detail = databaseDetail({ summary, store: history, range: '30d', now: NOW });
    expect(detail.backups.map((b) => [b.sourceId, b.key])).toEqual([
      ['pitr', 'full-1'],
      ['all-dumps', 'orders-1.dump'],
      ['all-dumps', 'orders-2.dump'],
    ]);
    // the crm drill is not this database's; the orders dump drilled 5h after it finished, minus the minute before the drill's end
    expect(detail.drills.map((d) => [d.sourceId, d.outcome, d.recoveryPointMs])).toEqual([
      ['all-dumps', 'pass', 5 * HOUR - 60_000],
      ['pitr', 'fail', null],
    ]);
    expect(detail.ageSeries[0]).toEqual({ at: T0 + 6 * DAY, value: 0 });
    expect(detail.ageSeries.at(-1)).toEqual({ at: T0 + 9 * DAY, value: DAY });
  });

  it("counts in the age only the backups holding this database: a snapshot's dumps (meta.databases), not another database's", () => {
    const { history } = openHistory();
    const holding = (key: string, at: number, databases: string[]): ObservedBackup => ({ ...dump(key, at), meta: { databases } as ObservedBackup['meta'] });
    // orders and billing in one snapshot 3 days before the poll, billing alone since; a cluster-wide routine elsewhere has nothing
    const snapshots = [holding('snap-1', T0 + 6 * DAY, ['billing', 'orders']), holding('snap-2', T0 + 8 * DAY, ['billing']), holding('snap-3', T0 + 9 * DAY - HOUR, ['billing'])];
    history.recordPolls([{ poll: okPoll('repo', T0 + 9 * DAY, { newestBackupAt: T0 + 9 * DAY - HOUR }), backups: snapshots }]);
    const page = (name: string, everyDrill: boolean) =>
      databaseDetail({ summary: { key: `~/${name}`, label: name, name, routines: [routine('repo', { kind: 'restic', everyDrill })] } as DatabaseSummary, store: history, range: '30d', now: NOW });

    expect(page('orders', false).ageSeries).toEqual([
      { at: T0 + 6 * DAY, value: 0 },
      { at: T0 + 9 * DAY, value: 3 * DAY },
    ]);
    expect(page('billing', false).ageSeries.at(-1)).toEqual({ at: T0 + 9 * DAY, value: HOUR });
    // a routine holding this database alone (or the whole cluster) counts every backup
    expect(page('orders', true).ageSeries.at(-1)).toEqual({ at: T0 + 9 * DAY, value: HOUR });
  });

  it("counts this database's backup only while it was there, as a source's chart does (gone_at)", () => {
    const { history } = openHistory();
    const older = named('orders-1.dump', T0 + 5 * DAY, 'orders');
    const newer = named('orders-2.dump', T0 + 7 * DAY, 'orders');
    const billing = named('billing-1.dump', T0 + 8 * DAY, 'billing');
    history.recordPolls([{ poll: okPoll('all-dumps', T0 + 8 * DAY + HOUR, { newestBackupAt: T0 + 8 * DAY }), backups: [older, newer, billing] }]);
    // the next poll no longer lists orders' newest dump
    history.recordPolls([{ poll: okPoll('all-dumps', T0 + 9 * DAY, { newestBackupAt: T0 + 8 * DAY }), backups: [older, billing] }]);
    const summary = { key: '~/orders', label: 'orders', name: 'orders', routines: [routine('all-dumps', { everyDrill: false })] } as DatabaseSummary;

    const age = databaseDetail({ summary, store: history, range: '30d', now: NOW }).ageSeries;
    // the newer dump's age up to the poll that found it gone, then the older one's (billing's dump counts for nothing)
    expect(age.at(-2)).toEqual({ at: T0 + 9 * DAY - 1, value: 2 * DAY - 1 });
    expect(age.at(-1)).toEqual({ at: T0 + 9 * DAY, value: 4 * DAY });
  });
});
