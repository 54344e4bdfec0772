import { describe, expect, it } from 'vitest';
import type { StatusEvent } from '../../../shared/model';
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

describe('History events', () => {
  it('gives back an event as recorded, with the id it was given', () => {
    const { history } = openHistory();
    const event: StatusEvent = { at: T0, sourceId: 'app', from: 'ok', to: 'critical', findings: staleDump };
    const stored = history.recordEvent(event);
    expect(stored.id).toEqual(expect.any(Number));
    expect(history.events({ sourceId: 'app' })).toEqual([{ ...event, id: stored.id }]);
  });

  it('a first event may have no previous status', () => {
    const { history } = openHistory();
    history.recordEvent({ at: T0, sourceId: 'app', from: null, to: 'ok', findings: [] });
    expect(history.events({})[0]).toMatchObject({ from: null, to: 'ok', findings: [] });
  });

  it('lastStatus is the status the newest event moved to', () => {
    const { history } = openHistory();
    expect(history.lastStatus('app')).toBeNull();
    history.recordEvent({ at: T0, sourceId: 'app', from: null, to: 'ok', findings: [] });
    history.recordEvent({ at: T0 + 2 * MINUTE, sourceId: 'app', from: 'ok', to: 'critical', findings: staleDump });
    history.recordEvent({ at: T0 + 3 * MINUTE, sourceId: 'other', from: null, to: 'warning', findings: [] });
    // Recorded late, but older: must not win.
    history.recordEvent({ at: T0 + 1 * MINUTE, sourceId: 'app', from: 'ok', to: 'unknown', findings: [] });
    expect(history.lastStatus('app')).toBe('critical');
    expect(history.lastStatus('other')).toBe('warning');

    // Two changes in the same millisecond: the one recorded last is the current one.
    history.recordEvent({ at: T0 + 2 * MINUTE, sourceId: 'app', from: 'critical', to: 'ok', findings: [] });
    expect(history.lastStatus('app')).toBe('ok');
  });

  it('lists newest first, filtered by source and since, limited to the newest', () => {
    const { history } = openHistory();
    for (let i = 0; i < 6; i++) {
      history.recordEvent({ at: T0 + i * MINUTE, sourceId: i % 2 ? 'odd' : 'even', from: null, to: 'ok', findings: [] });
    }
    const minutes = (events: StatusEvent[]): number[] => events.map((e) => (e.at - T0) / MINUTE);
    expect(minutes(history.events({}))).toEqual([5, 4, 3, 2, 1, 0]);
    expect(minutes(history.events({ sourceId: 'odd' }))).toEqual([5, 3, 1]);
    expect(minutes(history.events({ since: T0 + 3 * MINUTE }))).toEqual([5, 4, 3]);
    expect(minutes(history.events({ sourceId: 'even', since: T0 + MINUTE, limit: 1 }))).toEqual([4]);
    expect(minutes(history.events({ limit: 2 }))).toEqual([5, 4]);
  });
});
