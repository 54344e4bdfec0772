// Retention never eats evidence (issue 17 item 4): thinning old polls leaves every drill, status change (of a source
// and of a database), finding span and policy change of the period as recorded.
import { describe, expect, it } from 'vitest';
import { policiesOf } from '../../../electron/engine/report/policy';
import type { PollEntry } from '../../../electron/engine/store/types';
import type { Drill } from '../../../shared/model';
import { DAY, HOUR, MINUTE, T0, failedPoll, okPoll, openHistory } from '../store/temp-history';
import { auditedConfig, parse } from './audit-fixtures';

const NOW = T0 + 120 * DAY;

function drillAt(at: number, outcome: Drill['outcome']): Drill {
  return { sourceId: 'orders-dumps', backupKey: `/srv/dumps/orders-${at}.dump`, startedAt: at, finishedAt: at + 5 * MINUTE, outcome, phases: {}, restoreMs: 4 * MINUTE, tables: 3, rows: 1000, restoredBytes: null, checks: [], message: outcome };
}

describe('thinning old polls', () => {
  it('keeps every drill, status change, finding span and policy change', async () => {
    const { history } = openHistory();
    const entries: PollEntry[] = [];
    for (let at = T0; at < NOW; at += 5 * MINUTE) {
      const down = at % (3 * DAY) < 2 * HOUR;
      entries.push({ poll: down ? failedPoll('orders-dumps', at) : okPoll('orders-dumps', at), backups: [] });
    }
    history.recordPolls(entries);
    for (let day = 0; day < 120; day += 7) history.recordDrill(drillAt(T0 + day * DAY, day % 21 === 0 ? 'fail' : 'pass'));
    const timeout = { rule: 'probe-error' as const, status: 'critical' as const, message: 'db1.example.net:5432 did not answer within 10s', observed: null, limit: null };
    const routineDown = { rule: 'routine:orders-dumps', status: 'critical' as const, message: `orders-dumps: ${timeout.message}` };
    for (let day = 0; day < 120; day += 3) {
      history.recordStatus({ sourceId: 'orders-dumps', at: T0 + day * DAY, polledAt: NOW, status: 'critical', findings: [timeout] });
      history.recordDatabaseStatuses([{ key: 'orders-db/orders', at: T0 + day * DAY, status: 'critical', findings: [routineDown], sources: [{ id: 'orders-dumps', status: 'critical' }] }]);
      history.recordStatus({ sourceId: 'orders-dumps', at: T0 + day * DAY + 2 * HOUR, polledAt: NOW, status: 'ok', findings: [] });
      history.recordDatabaseStatuses([{ key: 'orders-db/orders', at: T0 + day * DAY + 2 * HOUR, status: 'ok', findings: [], sources: [{ id: 'orders-dumps', status: 'ok' }] }]);
    }
    for (const [day, every] of [[0, '7d'], [40, '1d'], [80, '7d']] as const) history.recordPolicies(T0 + day * DAY, policiesOf(parse(auditedConfig({ every }))));
    const before = {
      drills: history.drills('orders-dumps'),
      events: history.events({ sourceId: 'orders-dumps' }),
      policies: history.evidence.policyChanges(NOW),
      polls: history.polls('orders-dumps', { since: 0 }).length,
      source: history.evidence.sourceRecord('orders-dumps', T0, NOW),
      database: history.evidence.databaseRecord('orders-db/orders', T0, NOW),
    };
    expect(before.events).toHaveLength(80);
    expect(before.source.findingSpans).toHaveLength(40);
    expect(before.database.events).toHaveLength(80);
    expect(before.database.findingSpans).toHaveLength(40);

    const report = await history.compactPolls({ now: NOW, keepRawMs: 35 * DAY });
    expect(report.deleted).toBeGreaterThan(before.polls / 2);
    expect(history.polls('orders-dumps', { since: 0 }).length).toBe(before.polls - report.deleted);
    expect(history.drills('orders-dumps')).toEqual(before.drills);
    expect(history.events({ sourceId: 'orders-dumps' })).toEqual(before.events);
    expect(history.evidence.policyChanges(NOW)).toEqual(before.policies);
    expect(history.evidence.sourceRecord('orders-dumps', T0, NOW)).toEqual(before.source);
    expect(history.evidence.databaseRecord('orders-db/orders', T0, NOW)).toEqual(before.database);
  });
});
