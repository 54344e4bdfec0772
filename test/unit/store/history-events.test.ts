import { describe, expect, it } from 'vitest';
import type { Status, StatusEvent } from '../../../shared/model';
import type { StatusJudgement } from '../../../electron/engine/store/types';
import { MINUTE, T0, openHistory } from './temp-history';

const staleDump: StatusEvent['findings'] = [
  {
    rule: 'backup-age',
    status: 'critical',
    message: 'The newest dump is 31h old (limit 26h).',
    observed: 31 * 60 * MINUTE,
    limit: 26 * 60 * MINUTE,
  },
];

/** A judgement of a source no one has polled yet (polledAt null), so only the order of events decides. */
const judged = (sourceId: string, at: number, status: Status, findings: StatusEvent['findings'] = []): StatusJudgement => ({
  sourceId,
  at,
  polledAt: null,
  status,
  findings,
});

describe('History events', () => {
  it('gives back a stored change as recorded, with the id it was given', () => {
    const { history } = openHistory();
    history.recordStatus(judged('app', T0, 'ok'));
    const stored = history.recordStatus(judged('app', T0 + MINUTE, 'critical', staleDump));
    expect(stored).toEqual({ id: expect.any(Number), at: T0 + MINUTE, sourceId: 'app', from: 'ok', to: 'critical', findings: staleDump });
    expect(history.events({ sourceId: 'app' })[0]).toEqual(stored);
  });

  it('a first event has no previous status', () => {
    const { history } = openHistory();
    expect(history.recordStatus(judged('app', T0, 'ok'))).toMatchObject({ from: null, to: 'ok', findings: [] });
    expect(history.events({})).toHaveLength(1);
  });

  it('the same status again is no change, whoever judges it', () => {
    const { history } = openHistory();
    history.recordStatus(judged('app', T0, 'critical', staleDump));
    expect(history.recordStatus(judged('app', T0 + MINUTE, 'critical', staleDump))).toBeNull();
    expect(history.events({ sourceId: 'app' })).toHaveLength(1);
  });

  it('lastStatus is the status the newest event moved to; a change observed before it is not stored', () => {
    const { history } = openHistory();
    expect(history.lastStatus('app')).toBeNull();
    history.recordStatus(judged('app', T0, 'ok'));
    history.recordStatus(judged('app', T0 + 2 * MINUTE, 'critical', staleDump));
    history.recordStatus(judged('other', T0 + 3 * MINUTE, 'warning'));
    // Recorded late, but older: must not win, nor be stored out of order.
    expect(history.recordStatus(judged('app', T0 + 1 * MINUTE, 'unknown'))).toBeNull();
    expect(history.lastStatus('app')).toBe('critical');
    expect(history.lastStatus('other')).toBe('warning');

    // Two changes in the same millisecond: the one recorded last is the current one.
    expect(history.recordStatus(judged('app', T0 + 2 * MINUTE, 'ok'))).toMatchObject({ from: 'critical', to: 'ok' });
    expect(history.lastStatus('app')).toBe('ok');
  });

  it('lists newest first, filtered by source and since, limited to the newest', () => {
    const { history } = openHistory();
    // even: ok, critical, ok at minutes 0, 2, 4; odd: the same at minutes 1, 3, 5.
    for (let i = 0; i < 6; i++) {
      history.recordStatus(judged(i % 2 ? 'odd' : 'even', T0 + i * MINUTE, (i >> 1) % 2 ? 'critical' : 'ok'));
    }
    const minutes = (events: StatusEvent[]): number[] => events.map((e) => (e.at - T0) / MINUTE);
    expect(minutes(history.events({}))).toEqual([5, 4, 3, 2, 1, 0]);
    expect(minutes(history.events({ sourceId: 'odd' }))).toEqual([5, 3, 1]);
    expect(minutes(history.events({ since: T0 + 3 * MINUTE }))).toEqual([5, 4, 3]);
    expect(minutes(history.events({ sourceId: 'even', since: T0 + MINUTE, limit: 1 }))).toEqual([4]);
    expect(minutes(history.events({ limit: 2 }))).toEqual([5, 4]);
  });
});
