// The dispatcher over a real history file: one message per channel per round, every attempt recorded with its
// retries and backoff (a clock moved by hand), the failing channel's finding, and the notice through the
// other channels, once per failure. Senders here are scripted; test/integration/alerts uses real servers.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AlertDispatcher } from '../../../electron/engine/alerts/dispatcher';
import type { Alert, Clock, DeliveryResult, RoundContext, Sender, StatusChange } from '../../../electron/engine/alerts/types';
import { DeliveryTable } from '../../../electron/engine/store/deliveries';
import { History } from '../../../electron/engine/store/history';
import { validateConfig } from '../../../shared/config';
import type { AlertsConfig } from '../../../shared/alerts-config';

const START = Date.UTC(2026, 11, 3, 2, 10);
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A history file opened the way the app does (History migrates it), with the delivery table beside it. */
function deliveryLog(): DeliveryTable {
  const dir = mkdtempSync(join(tmpdir(), 'bh-alerts-'));
  dirs.push(dir);
  const file = join(dir, 'history.sqlite');
  History.open(file).close();
  return DeliveryTable.open(file);
}

class HandClock implements Clock {
  readonly sleeps: number[] = [];
  constructor(public t: number) {}
  now() {
    return this.t;
  }
  async sleep(ms: number) {
    this.sleeps.push(ms);
    this.t += ms;
  }
}

/** Answers with the scripted results in turn (the last one forever), keeping what it was sent. */
class ScriptedSender implements Sender {
  readonly sent: Alert[] = [];
  constructor(
    readonly target: string,
    private readonly script: Partial<DeliveryResult>[],
  ) {}
  async send(alert: Alert): Promise<DeliveryResult> {
    this.sent.push(alert);
    const step = this.script[Math.min(this.sent.length - 1, this.script.length - 1)]!;
    return { ok: false, retryable: false, durationMs: 1, ...step };
  }
}

function alertsConfig(channels: unknown[]): AlertsConfig {
  const result = validateConfig({ alerts: { channels } });
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.config.alerts!;
}

const OK = { ok: true, httpStatus: 200 };
const DMARC = { ok: false, replyCode: 550, reply: '550 5.7.1 rejected by DMARC policy', error: 'mail.example.com:587 refused the recipients or the sender', retryable: false };
const DOWN = { ok: false, error: 'connection refused by hooks.example.com', retryable: true };

const context = (at: number): RoundContext => ({ at, sources: { 'orders-dumps': { name: 'Orders dumps' }, 'billing-db': { name: 'Billing server' } } });
const changes: StatusChange[] = [
  { sourceId: 'orders-dumps', from: 'ok', to: 'critical', findings: [{ rule: 'backup-age', status: 'critical', message: 'The newest dump is 31h old' }] },
  { sourceId: 'billing-db', from: 'ok', to: 'warning', findings: [] },
];

function setup(scripts: Record<string, Partial<DeliveryResult>[]>, channels: unknown[]) {
  const log = deliveryLog();
  const clock = new HandClock(START);
  const senders = Object.fromEntries(Object.entries(scripts).map(([id, script]) => [id, new ScriptedSender(id, script)]));
  const dispatcher = new AlertDispatcher(alertsConfig(channels), { log, clock, makeSender: (c) => senders[c.id]!, timeZone: 'UTC' });
  return { log, clock, senders, dispatcher };
}

const MAIL = { id: 'ops-mail', kind: 'email', to: ['ops@example.com'], from: 'bh@example.com', smtp: { host: 'mail.example.com' } };
const HOOK = { id: 'ops-hook', kind: 'webhook', url: 'https://hooks.example.com/backup', minStatus: 'critical' };
const PAGER = { id: 'pager', kind: 'command', command: ['/usr/local/bin/page-oncall'] };

describe('AlertDispatcher', () => {
  it('sends one message per channel per round, grouping what each channel lets through', async () => {
    const { dispatcher, senders, log } = setup({ 'ops-mail': [OK], 'ops-hook': [OK] }, [MAIL, HOOK]);
    const report = await dispatcher.round(changes, context(START));
    expect(report.sent.map((s) => [s.channelId, s.sources, s.result.ok])).toEqual([['ops-mail', 2, true], ['ops-hook', 1, true]]);
    expect(senders['ops-mail']!.sent).toHaveLength(1);
    expect(senders['ops-mail']!.sent[0]!.items.map((i) => i.sourceId)).toEqual(['orders-dumps', 'billing-db']);
    expect(senders['ops-hook']!.sent[0]!.items.map((i) => i.sourceId)).toEqual(['orders-dumps']);
    expect(log.recent().map((a) => [a.channelId, a.attempt, a.final, a.result.ok, a.title])).toEqual(
      expect.arrayContaining([['ops-mail', 1, true, true, 'Backup Health: 2 sources need attention (1 critical, 1 warning)'], ['ops-hook', 1, true, true, 'Backup Health: Orders dumps is critical (was ok)']]),
    );
    // a round with nothing for a channel sends it nothing
    expect((await dispatcher.round([], context(START + 1))).sent).toEqual([]);
  });

  it('retries a retryable failure after 30 s and 2 min, recording each attempt; gives up after three', async () => {
    const { dispatcher, clock, log, senders } = setup({ 'ops-hook': [DOWN] }, [HOOK]);
    const report = await dispatcher.round(changes, context(START));
    expect(clock.sleeps).toEqual([30_000, 120_000]);
    expect(senders['ops-hook']!.sent).toHaveLength(3);
    expect(report.sent[0]!.result).toMatchObject({ ok: false, error: 'connection refused by hooks.example.com' });
    const attempts = log.recent({ channelId: 'ops-hook' }).reverse();
    expect(attempts.map((a) => [a.at - START, a.attempt, a.final, a.result.ok])).toEqual([[0, 1, false, false], [30_000, 2, false, false], [150_000, 3, true, false]]);
    expect(new Set(attempts.map((a) => a.alertKey)).size).toBe(1);
  });

  it('stops retrying once it is delivered, and never retries a final refusal', async () => {
    const first = setup({ 'ops-hook': [DOWN, OK] }, [HOOK]);
    await first.dispatcher.round(changes, context(START));
    expect(first.log.recent().map((a) => a.result.ok)).toEqual([true, false]);
    expect(first.log.channelFailure('ops-hook')).toBeNull();
    const second = setup({ 'ops-mail': [DMARC] }, [MAIL]);
    await second.dispatcher.round(changes, context(START));
    expect(second.clock.sleeps).toEqual([]);
    expect(second.log.recent()).toHaveLength(1);
  });

  it('a failing channel becomes a finding and a notice through every other working channel, once per failure', async () => {
    const { dispatcher, senders, clock } = setup({ 'ops-mail': [DMARC], 'ops-hook': [OK], pager: [OK] }, [MAIL, HOOK, PAGER]);
    const report = await dispatcher.round(changes, context(START));
    expect(report.notices.map((n) => [n.channelId, n.result.ok])).toEqual([['ops-hook', true], ['pager', true]]);
    const notice = senders.pager!.sent[1]!;
    expect(notice.purpose).toBe('channel-failing');
    expect(notice.text).toContain('e-mail alerts to ops@example.com are failing: 550 5.7.1 rejected by DMARC policy; 1 alert undelivered since 02:10');
    expect(senders['ops-mail']!.sent.map((a) => a.purpose)).toEqual(['status']);

    // two more undelivered rounds: the count grows, the notice is not repeated
    clock.t += 3_600_000;
    expect((await dispatcher.round(changes.map((c) => ({ ...c, from: c.to, to: 'ok' as const })), context(clock.t))).notices).toEqual([]);
    clock.t += 3_600_000;
    await dispatcher.round(changes, context(clock.t));
    expect(dispatcher.failingChannels(clock.t)).toEqual([
      { rule: 'alert-delivery', status: 'critical', channelId: 'ops-mail', observed: 3, message: 'e-mail alerts to ops@example.com are failing: 550 5.7.1 rejected by DMARC policy; 3 alerts undelivered since 02:10' },
    ]);
    expect(senders.pager!.sent.filter((a) => a.purpose === 'channel-failing')).toHaveLength(1);
  });

  it('a channel that delivers again stops being a finding; failing anew is told anew', async () => {
    const { dispatcher, senders, clock } = setup({ 'ops-mail': [DMARC, OK, DMARC], pager: [OK] }, [MAIL, PAGER]);
    await dispatcher.round(changes, context(START));
    clock.t += 60_000;
    await dispatcher.round(changes.map((c) => ({ ...c, from: c.to, to: 'ok' as const })), context(clock.t));
    expect(dispatcher.failingChannels()).toEqual([]);
    clock.t += 60_000;
    await dispatcher.round(changes, context(clock.t));
    expect(senders.pager!.sent.filter((a) => a.purpose === 'channel-failing')).toHaveLength(2);
    expect(dispatcher.failingChannels()[0]!.message).toMatch(/1 alert undelivered since 02:12$/);
  });

  it('reminds while a source stays critical, every remindEvery', async () => {
    const { dispatcher, senders, clock } = setup({ 'ops-hook': [OK] }, [{ ...HOOK, remindEvery: '24h' }]);
    const critical = (at: number): RoundContext => ({ at, sources: { 'orders-dumps': { name: 'Orders dumps', status: 'critical', findings: changes[0]!.findings } } });
    await dispatcher.round([changes[0]!], critical(START));
    clock.t = START + 23 * 3_600_000;
    await dispatcher.round([], critical(clock.t));
    clock.t = START + 24 * 3_600_000;
    await dispatcher.round([], critical(clock.t));
    expect(senders['ops-hook']!.sent.map((a) => a.title)).toEqual(['Backup Health: Orders dumps is critical (was ok)', 'Backup Health: Orders dumps is still critical']);
  });

  it('what each channel was told is kept in the history file: a new dispatcher on it (a restart) goes on from there', async () => {
    const { dispatcher, senders, clock, log } = setup({ 'ops-hook': [OK] }, [{ ...HOOK, remindEvery: '24h' }]);
    const facts = (at: number, status: 'critical' | 'ok'): RoundContext => ({ at, sources: { 'orders-dumps': { name: 'Orders dumps', status, findings: status === 'ok' ? [] : changes[0]!.findings } } });
    await dispatcher.round([changes[0]!], facts(START, 'critical'));
    const restarted = new AlertDispatcher(alertsConfig([{ ...HOOK, remindEvery: '24h' }]), { log, clock, makeSender: () => senders['ops-hook']!, timeZone: 'UTC' });
    // the same change heard again, and rounds within the day: nothing; the reminder a day after the alert
    clock.t = START + 3_600_000;
    await restarted.round([{ ...changes[0]!, from: null }], facts(clock.t, 'critical'));
    clock.t = START + 24 * 3_600_000;
    await restarted.round([], facts(clock.t, 'critical'));
    // recovered with no change heard (stored by another process): told once
    clock.t += 3_600_000;
    await restarted.round([], facts(clock.t, 'ok'));
    await restarted.round([], facts(clock.t + 1, 'ok'));
    expect(senders['ops-hook']!.sent.map((a) => a.title)).toEqual([
      'Backup Health: Orders dumps is critical (was ok)',
      'Backup Health: Orders dumps is still critical',
      'Backup Health: Orders dumps recovered (was critical, now ok)',
    ]);
  });

  it('a failing channel told through the others is not told again by a new dispatcher on the file (a restart, a new sender)', async () => {
    const { dispatcher, senders, clock, log } = setup({ 'ops-mail': [DMARC, DMARC, OK, DMARC], pager: [OK] }, [MAIL, PAGER]);
    await dispatcher.round(changes, context(START));
    const again = () => new AlertDispatcher(alertsConfig([MAIL, PAGER]), { log, clock, makeSender: (c) => senders[c.id]!, timeZone: 'UTC' });
    clock.t += 60_000;
    await again().round(changes.map((c) => ({ ...c, from: c.to, to: 'ok' as const })), context(clock.t));
    const notices = () => senders.pager!.sent.filter((a) => a.purpose === 'channel-failing').length;
    expect(notices()).toBe(1);
    // it delivers, then fails anew: a new failure, told anew
    clock.t += 60_000;
    await again().round(changes, context(clock.t));
    clock.t += 60_000;
    await again().round(changes.map((c) => ({ ...c, from: c.to, to: 'ok' as const })), context(clock.t));
    expect(notices()).toBe(2);
  });

  it('testChannel sends one test alert, records it, and a failed test is not an undelivered alert', async () => {
    const { dispatcher, log } = setup({ 'ops-mail': [DMARC], 'ops-hook': [OK] }, [MAIL, HOOK]);
    expect(await dispatcher.testChannel('ops-hook')).toMatchObject({ ok: true, channelId: 'ops-hook', target: 'ops-hook', result: { ok: true, httpStatus: 200 } });
    expect(await dispatcher.testChannel('ops-mail')).toMatchObject({ ok: true, result: { ok: false, replyCode: 550 } });
    expect(log.recent().map((a) => [a.channelId, a.purpose, a.result.ok])).toEqual([['ops-mail', 'test', false], ['ops-hook', 'test', true]]);
    expect(dispatcher.failingChannels()).toEqual([]);
    expect(await dispatcher.testChannel('nope')).toEqual({ ok: false, error: { code: 'unknown-channel', message: 'no alert channel has the id "nope"' } });
  });
});
