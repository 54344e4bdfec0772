import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import type { Drill } from '../../../shared/model';
import { History } from '../../../electron/engine/store/history';
import { DAY, HOUR, T0, openHistory, tempDir } from './temp-history';
import { join } from 'node:path';
import { initialSchema } from '../../../electron/engine/store/migrations/001-initial';

function drill(sourceId: string, outcome: Drill['outcome'], finishedAt: number, extra: Partial<Drill> = {}): Drill {
  return {
    sourceId,
    backupKey: `/backups/${sourceId}/${finishedAt}.dump`,
    startedAt: finishedAt - 90_000,
    finishedAt,
    outcome,
    phases: { prepare: 450, restore: 80_000, verify: 9_000, cleanup: 120 },
    restoreMs: 89_000,
    tables: 12,
    rows: 1_234_567,
    restoredBytes: 750 * 1024 ** 2,
    checks: [{ name: 'recent orders', sql: 'select true', passed: outcome === 'pass', detail: outcome === 'pass' ? 'true' : 'false' }],
    message: outcome === 'pass' ? 'restored 12 tables' : 'check "recent orders" returned false',
    restoredWith: '15.18',
    tableDetails: [{ schema: 'public', name: 'orders', rows: 1_234_567, liveRows: 1_240_000 }],
    ...extra,
  };
}

describe('drill history', () => {
  it('stores every drill with its evidence and returns them newest first', () => {
    const { history, file } = openHistory();
    const stored = [drill('a', 'pass', T0), drill('a', 'fail', T0 + DAY), drill('b', 'pass', T0 + HOUR), drill('a', 'error', T0 + 2 * DAY, { restoreMs: null, restoredBytes: null })];
    const ids = stored.map((d) => history.recordDrill(d).id);
    expect(new Set(ids).size).toBe(4);
    history.close();

    const reopened = History.open(file);
    const drills = reopened.drills('a');
    expect(drills.map((d) => d.outcome)).toEqual(['error', 'fail', 'pass']);
    expect(drills[2]).toEqual({ ...stored[0], id: ids[0] });
    expect(drills[0]).toMatchObject({ restoreMs: null, restoredBytes: null });
    expect(reopened.drills('a', { since: T0 + DAY })).toHaveLength(2);
    expect(reopened.drills('a', { limit: 1 })[0]!.outcome).toBe('error');
    expect(reopened.lastPassingDrill('a')).toMatchObject({ finishedAt: T0, outcome: 'pass' });
    expect(reopened.lastPassingDrill('nobody')).toBeNull();
    reopened.close();
  });

  it('upgrades a history file from before drills without losing its polls', () => {
    const file = join(tempDir(), 'old.sqlite');
    const old = new Database(file);
    old.exec(initialSchema);
    old.pragma('user_version = 1');
    old.prepare("INSERT INTO polls (source_id, at, duration_ms, ok, status) VALUES ('a', 1, 5, 1, 'ok')").run();
    old.close();

    const history = History.open(file);
    expect(history.latestPoll('a')).toMatchObject({ at: 1, ok: true });
    history.recordDrill(drill('a', 'pass', T0));
    expect(history.drills('a')).toHaveLength(1);
    history.close();
  });
});
