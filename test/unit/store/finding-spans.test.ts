// Finding history (issue 17): each rule below ok is one span, opened by the first judgement that finds it, kept at its
// worst, fixed by the first judgement without it, written once whichever of two processes (serve and the app) on one
// history judges first; and a database's status changes, decided by the history as a source's are.
import { describe, expect, it } from 'vitest';
import type { Finding, RuleId, Status } from '../../../shared/model';
import type { History } from '../../../electron/engine/store/history';
import type { DatabaseJudgement, SpanFinding, StatusJudgement } from '../../../electron/engine/store/types';
import { MINUTE, T0, okPoll, openHistory } from './temp-history';

const finding = (rule: RuleId, status: Status, message = `${rule} is ${status}`): Finding => ({ rule, status, message, observed: null, limit: null });

/** What a process does after polling `sourceId` at minute `minute`: one recordPolls call with its judgement. */
function polled(history: History, minute: number, status: Status, findings: Finding[], sourceId = 'orders-dumps') {
  const at = T0 + minute * MINUTE;
  const judgement: StatusJudgement = { sourceId, at, polledAt: at, status, findings };
  return history.recordPolls([{ poll: okPoll(sourceId, at, { status }), backups: [] }], [judgement]).events;
}

/** Every span of the subject as "rule status message opened-minute..fixed-minute". */
const spans = (history: History, subject = 'orders-dumps') =>
  (subject.startsWith('database:') ? history.evidence.databaseRecord(subject.slice('database:'.length), 0, Number.MAX_SAFE_INTEGER) : history.evidence.sourceRecord(subject, 0, Number.MAX_SAFE_INTEGER)).findingSpans.map(
    (s) => `${s.rule} ${s.status} "${s.message}" ${(s.openedAt - T0) / MINUTE}..${s.fixedAt === null ? 'open' : (s.fixedAt - T0) / MINUTE}`,
  );

function twoProcesses() {
  const { history: serve, file } = openHistory();
  const { history: app } = openHistory(file);
  return { serve, app };
}

describe('finding spans of a source', () => {
  it('opens a span when a rule goes below ok, keeps its worst, and fixes it when the rule is ok or gone; a new failure opens a new span', () => {
    const { history } = openHistory();
    polled(history, 0, 'ok', [finding('backup-age', 'ok')]);
    expect(spans(history)).toEqual([]);
    polled(history, 1, 'warning', [finding('backup-age', 'warning', 'the newest dump is 27h old')]);
    // Worse: its status and message become the worst seen; better again: the worst stays.
    polled(history, 2, 'critical', [finding('backup-age', 'critical', 'the newest dump is 50h old'), finding('restore-drill', 'critical', 'the last drill failed')]);
    polled(history, 3, 'critical', [finding('backup-age', 'warning', 'the newest dump is 27h old'), finding('restore-drill', 'critical', 'the last drill failed')]);
    expect(spans(history)).toEqual(['backup-age critical "the newest dump is 50h old" 1..open', 'restore-drill critical "the last drill failed" 2..open']);
    // backup-age ok while restore-drill keeps the source critical: no status change, but the span is fixed.
    expect(polled(history, 4, 'critical', [finding('backup-age', 'ok'), finding('restore-drill', 'critical', 'the last drill failed')])).toEqual([]);
    // A rule gone from the findings is fixed too.
    expect(polled(history, 5, 'ok', [])).toMatchObject([{ from: 'critical', to: 'ok' }]);
    polled(history, 6, 'warning', [finding('backup-age', 'warning', 'the newest dump is 26h 5m old')]);
    expect(spans(history)).toEqual([
      'backup-age critical "the newest dump is 50h old" 1..4',
      'restore-drill critical "the last drill failed" 2..5',
      'backup-age warning "the newest dump is 26h 5m old" 6..open',
    ]);
  });

  it('a judgement after a drill opens and fixes spans like a poll', () => {
    const { history } = openHistory();
    polled(history, 0, 'ok', []);
    history.recordStatus({ sourceId: 'orders-dumps', at: T0 + 3 * MINUTE, polledAt: T0, status: 'critical', findings: [finding('restore-drill', 'critical')] });
    history.recordStatus({ sourceId: 'orders-dumps', at: T0 + 9 * MINUTE, polledAt: T0, status: 'ok', findings: [] });
    expect(spans(history)).toEqual(['restore-drill critical "restore-drill is critical" 3..9']);
  });

  it('two processes judging one source write each span once, and a late, older observation changes none', () => {
    const { serve, app } = twoProcesses();
    polled(serve, 0, 'critical', [finding('backup-age', 'critical'), finding('coverage', 'warning')]);
    polled(app, 1, 'critical', [finding('backup-age', 'critical'), finding('coverage', 'warning')]);
    // serve sees coverage fixed first...
    polled(serve, 2, 'critical', [finding('backup-age', 'critical')]);
    // ...app's poll of minute 1.5, written after serve's of minute 2, rests on an older poll: it reopens nothing.
    expect(polled(app, 1.5, 'critical', [finding('backup-age', 'critical'), finding('coverage', 'warning')])).toEqual([]);
    polled(app, 3, 'critical', [finding('backup-age', 'critical')]);
    // A judgement after app's drill that rests on app's poll of minute 3, while serve polled at 4, is stale too.
    polled(serve, 4, 'ok', []);
    app.recordStatus({ sourceId: 'orders-dumps', at: T0 + 5 * MINUTE, polledAt: T0 + 3 * MINUTE, status: 'critical', findings: [finding('restore-drill', 'critical')] });
    expect(spans(app)).toEqual(['backup-age critical "backup-age is critical" 0..4', 'coverage warning "coverage is warning" 0..2']);
    expect(spans(serve)).toEqual(spans(app));
  });

  it('lists only the spans open at some time of the period asked for', () => {
    const { history } = openHistory();
    polled(history, 0, 'warning', [finding('backup-age', 'warning')]);
    polled(history, 10, 'ok', []);
    polled(history, 20, 'critical', [finding('coverage', 'critical')]);
    polled(history, 30, 'ok', []);
    polled(history, 40, 'critical', [finding('no-backups', 'critical')]);
    const during = (from: number, to: number) => history.evidence.sourceRecord('orders-dumps', T0 + from * MINUTE, T0 + to * MINUTE).findingSpans.map((s) => s.rule);
    expect(during(12, 18)).toEqual([]);
    expect(during(5, 25)).toEqual(['backup-age', 'coverage']);
    expect(during(35, 50)).toEqual(['no-backups']);
  });
});

const ordersDown: SpanFinding = { rule: 'routine:orders-dumps', status: 'critical', message: 'orders-dumps: the last drill failed' };

function databaseJudged(history: History, minute: number, status: Status, findings: SpanFinding[], routineStatus: Status = status): DatabaseJudgement {
  return { key: 'orders-db/orders', at: T0 + minute * MINUTE, status, findings, sources: [{ id: 'orders-dumps', status: routineStatus }] };
}

const databaseChanges = (history: History) => history.evidence.databaseRecord('orders-db/orders', 0, Number.MAX_SAFE_INTEGER).events.map((e) => `${(e.at - T0) / MINUTE}m ${e.from}->${e.to}`);

describe('status changes of a database', () => {
  it('stores a change once, from whichever process computes it first, with its finding spans', () => {
    const { serve, app } = twoProcesses();
    polled(serve, 0, 'ok', []);
    expect(serve.recordDatabaseStatuses([databaseJudged(serve, 0, 'ok', [])])).toMatchObject([{ databaseKey: 'orders-db/orders', from: null, to: 'ok' }]);
    expect(app.recordDatabaseStatuses([databaseJudged(app, 0.5, 'ok', [])])).toEqual([]);
    polled(serve, 1, 'critical', [finding('restore-drill', 'critical')]);
    expect(serve.recordDatabaseStatuses([databaseJudged(serve, 1, 'critical', [ordersDown])])).toMatchObject([{ from: 'ok', to: 'critical', findings: [ordersDown] }]);
    polled(app, 2, 'critical', [finding('restore-drill', 'critical')]);
    expect(app.recordDatabaseStatuses([databaseJudged(app, 2, 'critical', [ordersDown])])).toEqual([]);
    // The objectives missed too, while the routine keeps the database critical: a span, no change.
    const missed: SpanFinding = { rule: 'database-objectives', status: 'critical', message: 'orders on orders-db misses its recovery objectives' };
    expect(app.recordDatabaseStatuses([databaseJudged(app, 3, 'critical', [ordersDown, missed])])).toEqual([]);
    polled(app, 4, 'ok', []);
    expect(app.recordDatabaseStatuses([databaseJudged(app, 4, 'critical', [missed], 'ok')])).toEqual([]);
    expect(serve.recordDatabaseStatuses([databaseJudged(serve, 5, 'ok', [], 'ok')])).toMatchObject([{ from: 'critical', to: 'ok' }]);
    expect(databaseChanges(app)).toEqual(['0m null->ok', '1m ok->critical', '5m critical->ok']);
    expect(spans(app, 'database:orders-db/orders')).toEqual(['routine:orders-dumps critical "orders-dumps: the last drill failed" 1..4', `database-objectives critical "${missed.message}" 3..5`]);
    // The source's own spans are apart from the database's.
    expect(spans(app)).toEqual(['restore-drill critical "restore-drill is critical" 1..4']);
  });

  it('a judgement resting on a source status the history no longer holds, or older than the last change, changes nothing', () => {
    const { serve, app } = twoProcesses();
    polled(serve, 0, 'ok', []);
    serve.recordDatabaseStatuses([databaseJudged(serve, 0, 'ok', [])]);
    // serve saw the dumps go critical; app, which has not polled them since, still computes the database ok.
    polled(serve, 1, 'critical', [finding('restore-drill', 'critical')]);
    expect(app.recordDatabaseStatuses([databaseJudged(app, 2, 'warning', [{ rule: 'database-objectives', status: 'warning', message: 'app view' }], 'ok')])).toEqual([]);
    expect(serve.recordDatabaseStatuses([databaseJudged(serve, 3, 'critical', [ordersDown])])).toHaveLength(1);
    // Computed at 2m, written after 3m's change: the order of observations stands.
    expect(app.recordDatabaseStatuses([databaseJudged(app, 2, 'ok', [], 'critical')])).toEqual([]);
    expect(databaseChanges(serve)).toEqual(['0m null->ok', '3m ok->critical']);
    expect(spans(serve, 'database:orders-db/orders')).toEqual(['routine:orders-dumps critical "orders-dumps: the last drill failed" 3..open']);
  });

  it('the period of a report begins with the status before it and ends with the changes after it', () => {
    const { history } = openHistory();
    for (const [minute, status] of [[0, 'critical'], [10, 'ok'], [20, 'critical'], [30, 'ok']] as const) {
      history.recordDatabaseStatuses([{ key: 'orders-db/orders', at: T0 + minute * MINUTE, status, findings: status === 'ok' ? [] : [ordersDown], sources: [] }]);
    }
    const record = history.evidence.databaseRecord('orders-db/orders', T0 + 5 * MINUTE, T0 + 25 * MINUTE);
    expect(record.eventBefore).toMatchObject({ to: 'critical' });
    expect(record.events.map((e) => e.to)).toEqual(['ok', 'critical']);
    expect(record.eventsAfter.map((e) => e.to)).toEqual(['ok']);
    expect(record.findingSpans.map((s) => [(s.openedAt - T0) / MINUTE, s.fixedAt === null ? null : (s.fixedAt - T0) / MINUTE])).toEqual([
      [0, 10],
      [20, 30],
    ]);
  });
});
