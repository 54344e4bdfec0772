// Two History instances on one file, as serve and a cron `check` hold it: each status change is stored once,
// by whichever writes it first, in the order it was observed; a late write of an older observation changes nothing.
import { describe, expect, it } from 'vitest';
import type { Status, StatusEvent } from '../../../shared/model';
import type { History } from '../../../electron/engine/store/history';
import type { StatusJudgement } from '../../../electron/engine/store/types';
import { MINUTE, T0, okPoll, openHistory } from './temp-history';

/** What a process does after polling `sourceId` at `at` and judging it `status`: one recordPolls call. */
function polled(history: History, sourceId: string, at: number, status: Status): StatusEvent[] {
  const judgement: StatusJudgement = { sourceId, at, polledAt: at, status, findings: [] };
  return history.recordPolls([{ poll: okPoll(sourceId, at, { status }), backups: [] }], [judgement]).events;
}

const changes = (history: History, sourceId: string) =>
  history
    .events({ sourceId })
    .reverse()
    .map((e) => `${(e.at - T0) / MINUTE}m ${e.from}->${e.to}`);

function twoProcesses() {
  const { history: serve, file } = openHistory();
  const { history: check } = openHistory(file);
  return { serve, check };
}

describe('status changes from two writers on one history', () => {
  it('a change stored by one is not stored again by the other, whatever the other remembers', () => {
    const { serve, check } = twoProcesses();
    expect(polled(serve, 'app', T0, 'ok')).toMatchObject([{ from: null, to: 'ok' }]);
    // cron check sees the dump go bad first and stores the change...
    expect(polled(check, 'app', T0 + 1 * MINUTE, 'critical')).toMatchObject([{ from: 'ok', to: 'critical' }]);
    // ...serve, which last saw ok, sees critical a minute later: no second change, nothing to notify.
    expect(polled(serve, 'app', T0 + 2 * MINUTE, 'critical')).toEqual([]);
    expect(polled(check, 'app', T0 + 3 * MINUTE, 'ok')).toMatchObject([{ from: 'critical', to: 'ok' }]);
    expect(polled(serve, 'app', T0 + 4 * MINUTE, 'ok')).toEqual([]);
    expect(changes(serve, 'app')).toEqual(['0m null->ok', '1m ok->critical', '3m critical->ok']);
    expect(serve.lastStatus('app')).toBe('ok');
  });

  it('an observation written after a newer one of the same change stores the change once, at the newer time', () => {
    const { serve, check } = twoProcesses();
    polled(serve, 'app', T0, 'ok');
    // Both see the dump go bad; check's probe started later but finished first.
    expect(polled(check, 'app', T0 + 11 * MINUTE, 'critical')).toHaveLength(1);
    expect(polled(serve, 'app', T0 + 10 * MINUTE, 'critical')).toEqual([]);
    expect(changes(check, 'app')).toEqual(['0m null->ok', '11m ok->critical']);
    // The late poll itself is kept, in observation order.
    expect(check.polls('app', { since: 0 }).map((p) => [(p.at - T0) / MINUTE, p.status])).toEqual([
      [0, 'ok'],
      [10, 'critical'],
      [11, 'critical'],
    ]);
  });

  it('a late observation cannot contradict a newer one already stored', () => {
    const { serve, check } = twoProcesses();
    polled(serve, 'app', T0, 'ok');
    expect(polled(check, 'app', T0 + 21 * MINUTE, 'ok')).toEqual([]);
    // Observed at 20m, written after 21m's ok: storing ok->critical at 20m would leave the source critical
    // though the newest observation says ok.
    expect(polled(serve, 'app', T0 + 20 * MINUTE, 'critical')).toEqual([]);
    expect(changes(serve, 'app')).toEqual(['0m null->ok']);
    expect(serve.lastStatus('app')).toBe('ok');
    // Nor can it reorder a change stored after it was observed.
    expect(polled(check, 'app', T0 + 30 * MINUTE, 'critical')).toHaveLength(1);
    expect(polled(serve, 'app', T0 + 29 * MINUTE, 'ok')).toEqual([]);
    expect(polled(serve, 'app', T0 + 28 * MINUTE, 'warning')).toEqual([]);
    expect(changes(serve, 'app')).toEqual(['0m null->ok', '30m ok->critical']);
  });

  it('a judgement outside a poll (after a drill) counts only if it rests on the newest poll of the source', () => {
    const { serve, check } = twoProcesses();
    polled(serve, 'app', T0, 'ok');
    polled(check, 'app', T0 + 5 * MINUTE, 'critical');
    // serve's drill finishes; serve last polled at 0m and still thinks the dump is fine.
    const stale: StatusJudgement = { sourceId: 'app', at: T0 + 6 * MINUTE, polledAt: T0, status: 'ok', findings: [] };
    expect(serve.recordStatus(stale)).toBeNull();
    // A drill judged by a process that saw the newest poll is a change like any other.
    const failedDrill: StatusJudgement = { sourceId: 'app', at: T0 + 7 * MINUTE, polledAt: T0 + 5 * MINUTE, status: 'warning', findings: [] };
    expect(check.recordStatus(failedDrill)).toMatchObject({ from: 'critical', to: 'warning' });
    expect(changes(serve, 'app')).toEqual(['0m null->ok', '5m ok->critical', '7m critical->warning']);
  });

  it('each source is decided on its own, in one transaction with its polls', () => {
    const { serve, check } = twoProcesses();
    const judgement = (sourceId: string, at: number, status: Status): StatusJudgement => ({ sourceId, at, polledAt: at, status, findings: [] });
    const first = serve.recordPolls(
      [
        { poll: okPoll('app', T0), backups: [] },
        { poll: okPoll('db', T0, { status: 'warning' }), backups: [] },
      ],
      [judgement('app', T0, 'ok'), judgement('db', T0, 'warning')],
    );
    expect(first.events.map((e) => `${e.sourceId} ${e.from}->${e.to}`)).toEqual(['app null->ok', 'db null->warning']);
    const second = check.recordPolls(
      [
        { poll: okPoll('app', T0 + MINUTE), backups: [] },
        { poll: okPoll('db', T0 + MINUTE), backups: [] },
      ],
      [judgement('app', T0 + MINUTE, 'ok'), judgement('db', T0 + MINUTE, 'ok')],
    );
    expect(second.events.map((e) => `${e.sourceId} ${e.from}->${e.to}`)).toEqual(['db warning->ok']);
  });
});
