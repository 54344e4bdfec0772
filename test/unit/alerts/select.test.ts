// Which changes reach a channel: its lowest alerting status, first sight, recoveries, its sources/databases
// filter and reminders while a source stays critical; worst first. Told against what the channel was last told
// (its record), so nothing is said twice and what moved while no round looked is said once.
import { describe, expect, it } from 'vitest';
import { reasonFor, selectItems, selectRound, sourceLink, type Told } from '../../../electron/engine/alerts/select';
import type { RoundContext, StatusChange } from '../../../electron/engine/alerts/types';
import type { Finding } from '../../../shared/model';

const HOUR = 3_600_000;
const NOW = Date.UTC(2026, 11, 3, 2, 10);

const finding = (status: Finding['status'], message: string): Finding => ({ rule: 'backup-age', status, message });
const change = (sourceId: string, from: StatusChange['from'], to: StatusChange['to'], findings: Finding[] = []): StatusChange => ({ sourceId, from, to, findings });

const context: RoundContext = {
  at: NOW,
  sources: {
    'orders-dumps': { name: 'Orders dumps', databases: ['orders'] },
    'billing-db': { name: 'Billing server', databases: ['billing', 'postgres'] },
    'wiki-restic': { name: 'Wiki restic', databases: ['wiki'] },
  },
};

const channel = { minStatus: 'warning' as const, recoveries: true };

describe('reasonFor', () => {
  it.each([
    [null, 'critical', 'warning', 'problem'],
    [null, 'warning', 'warning', 'problem'],
    [null, 'ok', 'warning', null],
    [null, 'warning', 'critical', null],
    ['ok', 'warning', 'warning', 'problem'],
    ['warning', 'critical', 'warning', 'changed'],
    ['critical', 'warning', 'warning', 'changed'],
    ['critical', 'ok', 'warning', 'recovered'],
    ['warning', 'critical', 'critical', 'problem'],
    ['critical', 'warning', 'critical', 'recovered'],
    ['ok', 'unknown', 'critical', null],
    ['ok', 'unknown', 'unknown', 'problem'],
  ] as const)('%s -> %s with minStatus %s: %s', (from, to, min, reason) => {
    expect(reasonFor({ from, to }, min, true)).toBe(reason);
  });

  it('recoveries: false drops a recovery and only that', () => {
    expect(reasonFor({ from: 'critical', to: 'ok' }, 'warning', false)).toBeNull();
    expect(reasonFor({ from: 'ok', to: 'critical' }, 'warning', false)).toBe('problem');
  });
});

describe('selectItems', () => {
  it('groups the round worst first, recoveries last, with the findings above ok worst first', () => {
    const items = selectItems(channel, [
      change('wiki-restic', 'critical', 'ok'),
      change('billing-db', 'ok', 'warning', [finding('warning', 'WAL archiving is 20 min behind')]),
      change('orders-dumps', null, 'critical', [finding('ok', 'fine'), finding('warning', 'size dropped'), finding('critical', 'newest dump is 31h old')]),
    ], context);
    expect(items.map((i) => [i.sourceId, i.reason])).toEqual([
      ['orders-dumps', 'problem'],
      ['billing-db', 'problem'],
      ['wiki-restic', 'recovered'],
    ]);
    expect(items[0]!.sourceName).toBe('Orders dumps');
    expect(items[0]!.findings.map((f) => f.message)).toEqual(['newest dump is 31h old', 'size dropped']);
  });

  it('a source first seen below minStatus, or changing below it, says nothing', () => {
    expect(selectItems({ minStatus: 'critical', recoveries: true }, [change('orders-dumps', null, 'warning'), change('billing-db', 'ok', 'warning')], context)).toEqual([]);
  });

  it('filters by source id or by a database the source holds; either matching is enough', () => {
    const changes = [change('orders-dumps', 'ok', 'critical'), change('billing-db', 'ok', 'critical'), change('wiki-restic', 'ok', 'critical')];
    expect(selectItems({ ...channel, sources: ['wiki-restic'] }, changes, context).map((i) => i.sourceId)).toEqual(['wiki-restic']);
    expect(selectItems({ ...channel, databases: ['billing'] }, changes, context).map((i) => i.sourceId)).toEqual(['billing-db']);
    expect(selectItems({ ...channel, sources: ['wiki-restic'], databases: ['orders'] }, changes, context).map((i) => i.sourceId)).toEqual(['orders-dumps', 'wiki-restic']);
  });

  it('links each source to its page when the dashboard address is known', () => {
    const [item] = selectItems(channel, [change('orders-dumps', 'ok', 'critical')], { ...context, dashboardUrl: 'https://backup.example.com/bh/' });
    expect(item!.link).toBe('https://backup.example.com/bh/#/source/orders-dumps');
    expect(selectItems(channel, [change('orders-dumps', 'ok', 'critical')], context)[0]!.link).toBeUndefined();
    expect(sourceLink('https://x.example/#/', 'a b')).toBe('https://x.example/#/source/a%20b');
  });

  describe('reminders', () => {
    const stillCritical: RoundContext = {
      ...context,
      sources: { ...context.sources, 'orders-dumps': { name: 'Orders dumps', status: 'critical', findings: [finding('critical', 'newest dump is 55h old')] }, 'billing-db': { name: 'Billing server', status: 'warning' } },
    };
    const reminding = { ...channel, remindEvery: 24 * HOUR };

    it('repeat a source that stays critical once remindEvery has passed since it was last alerted, not before', () => {
      const last = new Map<string, Told>([['orders-dumps', { status: 'critical', at: NOW - 24 * HOUR }]]);
      const items = selectItems(reminding, [], stillCritical, last);
      expect(items).toMatchObject([{ sourceId: 'orders-dumps', reason: 'reminder', from: 'critical', to: 'critical' }]);
      expect(items[0]!.findings[0]!.message).toBe('newest dump is 55h old');
      expect(selectItems(reminding, [], stillCritical, new Map([['orders-dumps', { status: 'critical', at: NOW - 23 * HOUR }]]))).toEqual([]);
      expect(selectItems(channel, [], stillCritical, last)).toEqual([]); // no remindEvery, no reminder
    });

    it('a critical source never alerted to this channel is due at once; one that changed this round is not repeated', () => {
      expect(selectItems(reminding, [], stillCritical).map((i) => i.reason)).toEqual(['reminder']);
      expect(selectItems(reminding, [change('orders-dumps', 'warning', 'critical')], stillCritical).map((i) => i.reason)).toEqual(['changed']);
    });

    it('a reminder restarts the clock', () => {
      const { told } = selectRound(reminding, [], stillCritical, new Map([['orders-dumps', { status: 'critical', at: NOW - 25 * HOUR }]]));
      expect([...told]).toEqual([['orders-dumps', { status: 'critical', at: NOW }]]);
    });
  });

  describe("the channel's record", () => {
    it('moves with every change the channel is told of, and quietly with those below what it hears', () => {
      const { items, told } = selectRound({ minStatus: 'critical', recoveries: false }, [change('orders-dumps', 'ok', 'critical'), change('billing-db', 'critical', 'ok'), change('wiki-restic', null, 'warning')], context, new Map([['billing-db', { status: 'critical', at: 1 }]]));
      expect(items.map((i) => [i.sourceId, i.reason])).toEqual([['orders-dumps', 'problem']]);
      expect([...told].sort()).toEqual([
        ['billing-db', { status: 'ok', at: NOW }],
        ['orders-dumps', { status: 'critical', at: NOW }],
        ['wiki-restic', { status: 'warning', at: NOW }],
      ]);
      // billing-db's recovery was not wanted, but its record moved: failing again is news again
      expect(selectItems({ minStatus: 'critical', recoveries: false }, [change('billing-db', 'ok', 'critical')], context, told).map((i) => i.reason)).toEqual(['problem']);
    });

    it('a change the channel was already told of (by this process before a restart, or the previous sender) is not told again', () => {
      const told = new Map<string, Told>([['orders-dumps', { status: 'critical', at: NOW - HOUR }]]);
      expect(selectRound(channel, [change('orders-dumps', null, 'critical')], context, told)).toEqual({ items: [], told: new Map() });
      // its from is what the channel knows, not what the change says
      expect(selectItems(channel, [change('orders-dumps', 'critical', 'warning')], context, new Map([['orders-dumps', { status: 'warning', at: NOW - HOUR }]]))).toEqual([]);
      expect(selectItems(channel, [change('orders-dumps', 'ok', 'warning')], context, told)).toMatchObject([{ reason: 'changed', from: 'critical', to: 'warning' }]);
    });

    it('a change observed before the record was written is settled by it: the status now decides', () => {
      const told = new Map<string, Told>([['orders-dumps', { status: 'ok', at: NOW - HOUR }]]);
      const now: RoundContext = { ...context, sources: { ...context.sources, 'orders-dumps': { name: 'Orders dumps', status: 'ok' } } };
      // heard late (a quiet process taking over): it went critical, and the previous sender already told its recovery
      expect(selectItems(channel, [{ ...change('orders-dumps', 'ok', 'critical'), at: NOW - 2 * HOUR }], now, told)).toEqual([]);
      expect(selectItems(channel, [{ ...change('orders-dumps', 'ok', 'critical'), at: NOW - 1000 }], now, told).map((i) => i.reason)).toEqual(['problem']);
    });

    it('what moved while no round looked is told from the record: a recovery while the app was stopped, a change nobody sent', () => {
      const told = new Map<string, Told>([
        ['orders-dumps', { status: 'critical', at: NOW - 5 * HOUR }],
        ['billing-db', { status: 'ok', at: NOW - 5 * HOUR }],
        ['wiki-restic', { status: 'warning', at: NOW - 5 * HOUR }],
      ]);
      const now: RoundContext = {
        ...context,
        sources: {
          'orders-dumps': { name: 'Orders dumps', status: 'ok' },
          'billing-db': { name: 'Billing server', status: 'critical', findings: [finding('critical', 'WAL archiving failed')] },
          'wiki-restic': { name: 'Wiki restic', status: 'warning' },
        },
      };
      const { items, told: next } = selectRound(channel, [], now, told);
      expect(items.map((i) => [i.sourceId, i.reason, i.from, i.to])).toEqual([
        ['billing-db', 'problem', 'ok', 'critical'],
        ['orders-dumps', 'recovered', 'critical', 'ok'],
      ]);
      expect(items[0]!.findings.map((f) => f.message)).toEqual(['WAL archiving failed']);
      expect([...next.keys()].sort()).toEqual(['billing-db', 'orders-dumps']);
      // told once: the next round against the new record says nothing
      expect(selectItems(channel, [], now, new Map([...told, ...next]))).toEqual([]);
    });

    it('a source the channel has no record of and that did not change says nothing (a source not polled yet is unknown)', () => {
      const now: RoundContext = { ...context, sources: { 'orders-dumps': { name: 'Orders dumps', status: 'unknown' } } };
      expect(selectRound(channel, [], now)).toEqual({ items: [], told: new Map() });
    });
  });
});
