// What alert channels were told outlives the process that told them: real engines polling a real dump directory,
// one after another on one history file (a restart), a webhook receiver on 127.0.0.1. A restart does not re-send,
// a reminder comes remindEvery after the last one across restarts, and a recovery stored while the app was
// stopped (by a cron check) is still sent, once. When two processes share the file, the process that takes the
// sender lease over goes on from the holder's record: nothing the holder told is told again, nothing it did not
// hear is left out.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../../electron/engine/engine';
import { History } from '../../../electron/engine/store/history';
import { writePlainDump } from '../../support/plain-dump';
import { waitFor } from '../../support/postgres-fixtures';
import { Receiver, configOf, pollRound, running, type Running } from './alert-process';

const root = mkdtempSync(join(tmpdir(), 'bh-alert-state-'));
const HOUR = 3_600_000;
const receiver = new Receiver();

beforeAll(() => receiver.start());
afterAll(async () => {
  await receiver.stop();
  rmSync(root, { recursive: true, force: true });
});

describe('alert state across restarts', () => {
  it('a restart does not re-send; reminders keep their clock; a recovery stored while the app was stopped is sent once', async () => {
    const dumps = join(root, 'restart', 'dumps');
    mkdirSync(dumps, { recursive: true });
    writePlainDump(dumps, 'billing.sql', 2 * HOUR);
    writeFileSync(join(dumps, 'billing-2.sql'), ''); // tonight's dump: zero bytes, critical whatever the clock says
    const file = join(root, 'restart', 'history.sqlite');
    const config = configOf({
      sources: [{ id: 'billing-dumps', kind: 'dump-dir', path: dumps, settle: '0s', maxAge: '400d' }],
      alerts: { channels: [{ id: 'ops-hook', kind: 'webhook', url: `${receiver.base}/restart`, remindEvery: '24h' }] },
    });
    const start = Date.now();
    let t = start;
    const now = () => t;
    const sent = () => receiver.at('/restart').map((b) => (b.sources as { reason: string; from: string | null; to: string }[]).map((s) => `${s.reason} ${s.from}->${s.to}`).join());
    // One app run: its engine and alerts on the file, a poll round at each given time, then closed.
    const runApp = async (...at: number[]) => {
      const app: Running = running(file, config, { now });
      try {
        for (const moment of at) {
          t = start + moment;
          await pollRound(app.engine, app.service);
        }
      } finally {
        await app.close();
      }
    };

    await runApp(0, HOUR);
    expect(sent()).toEqual(['problem null->critical']);

    // restarted an hour later: still critical, already told, the reminder not due
    await runApp(2 * HOUR, 23 * HOUR);
    expect(sent()).toEqual(['problem null->critical']);
    // restarted again: the reminder comes 24 h after the alert, not at the restart, and the next 24 h after it
    await runApp(24 * HOUR, 25 * HOUR);
    await runApp(47 * HOUR, 48 * HOUR + 1);
    expect(sent()).toEqual(['problem null->critical', 'reminder critical->critical', 'reminder critical->critical']);

    // While the app is stopped the dump is fixed, and a cron check (an engine without alerts) stores the recovery.
    rmSync(join(dumps, 'billing-2.sql'));
    t = start + 50 * HOUR;
    const check = History.open(file);
    const [summary] = await new Engine({ config, store: check, now }).pollAll();
    check.close();
    expect(summary!.status).toBe('ok');
    expect(sent()).toHaveLength(3);

    // The app starts again: it stored no change itself, yet the channel hears the recovery, once.
    await runApp(51 * HOUR, 52 * HOUR);
    await runApp(80 * HOUR);
    expect(sent()).toEqual(['problem null->critical', 'reminder critical->critical', 'reminder critical->critical', 'recovered critical->ok']);
  });

  it('a process taking the lease over goes on from the holder\'s record: what the holder told is not repeated, what it never heard is sent', async () => {
    const dir = join(root, 'takeover');
    const [orders, billing] = ['orders', 'billing'].map((name) => {
      const path = join(dir, name);
      mkdirSync(path, { recursive: true });
      writeFileSync(join(path, `${name}.sql`), ''); // both critical: an empty dump
      return path;
    });
    const file = join(dir, 'history.sqlite');
    const channels = [{ id: 'ops-hook', kind: 'webhook', url: `${receiver.base}/takeover` }];
    const ordersSource = { id: 'orders-dumps', kind: 'dump-dir', path: orders, settle: '0s' };
    // serve's config watches orders only; the desktop app's (its settings page) also billing
    const serve = running(file, configOf({ sources: [ordersSource], alerts: { channels } }), { program: 'serve', leaseMs: 600 });
    const app = running(file, configOf({ sources: [ordersSource, { id: 'billing-dumps', kind: 'dump-dir', path: billing, settle: '0s' }], alerts: { channels } }), { program: 'the desktop app', leaseMs: 600 });
    const sent = () => receiver.at('/takeover').map((b) => (b.sources as { id: string; reason: string }[]).map((s) => `${s.id} ${s.reason}`).join());
    try {
      app.engine.summaries(); // the app listens from here on: it will hear what serve stores
      await pollRound(serve.engine, serve.service);
      expect(sent()).toEqual(['orders-dumps problem']);
      // The app hears serve's change to orders and stores its own to billing; serve holds the lease: quiet.
      await pollRound(app.engine, app.service);
      expect(sent()).toEqual(['orders-dumps problem']);
      expect(app.service.senderStatus()).toMatch(/^alerts sent by serve /);

      await serve.close(); // gives the lease up
      await waitFor('the app taking the lease over', () => app.service.senderStatus() === 'alerts sent by this process', { timeoutMs: 10_000, intervalMs: 10 });
      await waitFor('the app sending', () => sent().length === 2, { timeoutMs: 10_000, intervalMs: 10 });
      await app.service.idle();
      expect(sent()).toEqual(['orders-dumps problem', 'billing-dumps problem']);
      await pollRound(app.engine, app.service);
      expect(sent()).toHaveLength(2);
    } finally {
      await serve.close();
      await app.close();
    }
  });
});
