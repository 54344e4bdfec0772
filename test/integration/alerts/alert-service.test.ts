// Alerts from a running engine (alerts/alert-service.ts): a real Engine polling real dump directories, a real
// webhook receiver on 127.0.0.1, the delivery log in the real history file. A poll round's changes go out as one
// message per channel; a channel that fails is said through the one that works, and becomes a finding.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writePlainDump } from '../../support/plain-dump';
import { waitFor } from '../../support/postgres-fixtures';
import { Receiver, configOf, pollRound, running } from './alert-process';

const root = mkdtempSync(join(tmpdir(), 'bh-alert-service-'));
const HOUR = 3_600_000;
const receiver = new Receiver();
const bodies = receiver.bodies;
let base = '';
let refused = '';

beforeAll(async () => {
  await receiver.start();
  base = receiver.base;
  // A port nothing listens on: bound, then closed.
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  refused = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/hook`;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
});

afterAll(async () => {
  await receiver.stop();
  rmSync(root, { recursive: true, force: true });
});

function setup(name: string, channels: unknown[]) {
  const dir = join(root, name);
  const good = join(dir, 'good');
  const bad = join(dir, 'bad');
  mkdirSync(good, { recursive: true });
  mkdirSync(bad, { recursive: true });
  writePlainDump(good, 'orders.sql', 2 * HOUR);
  writePlainDump(bad, 'billing.sql', 2 * HOUR);
  const config = configOf({
    sources: [
      { id: 'orders-dumps', name: 'Orders dumps', kind: 'dump-dir', path: good, settle: '0s', maxAge: '26h' },
      { id: 'billing-dumps', kind: 'dump-dir', path: bad, settle: '0s', maxAge: '26h' },
    ],
    alerts: { channels, dashboardUrl: 'https://backups.example.com' },
  });
  return { bad, ...running(join(dir, 'history.sqlite'), config) };
}

describe('alerts from a running engine', () => {
  it("sends a round's changes as one message per channel, bad news on the first poll included, and recoveries", async () => {
    const { bad, engine, service, close } = setup('round', [{ id: 'ops-hook', kind: 'webhook', url: `${base}/round` }]);
    try {
      writeFileSync(join(bad, 'billing-2.sql'), ''); // tonight's dump: zero bytes
      await pollRound(engine, service);
      const first = bodies.filter((b) => b.path === '/round');
      expect(first).toHaveLength(1);
      expect(first[0]!.body).toMatchObject({
        purpose: 'status',
        channel: 'ops-hook',
        status: 'critical',
        sources: [{ id: 'billing-dumps', reason: 'problem', from: null, to: 'critical', link: 'https://backups.example.com/#/source/billing-dumps', findings: [expect.objectContaining({ rule: 'backup-unreadable' })] }],
      });

      await pollRound(engine, service); // nothing changed: nothing sent
      expect(bodies.filter((b) => b.path === '/round')).toHaveLength(1);

      rmSync(join(bad, 'billing-2.sql'));
      await pollRound(engine, service);
      const [, recovered] = bodies.filter((b) => b.path === '/round');
      expect(recovered!.body).toMatchObject({ status: 'ok', sources: [{ id: 'billing-dumps', reason: 'recovered', from: 'critical', to: 'ok' }] });
    } finally {
      await close();
    }
  });

  it('a channel that fails is said through the one that works, and is a finding until it delivers again', async () => {
    const { bad, engine, service, log, close } = setup('failing', [
      { id: 'ops-hook', kind: 'webhook', url: `${base}/works` },
      { id: 'pager-hook', kind: 'webhook', url: refused },
    ]);
    try {
      writeFileSync(join(bad, 'billing-2.sql'), '');
      await pollRound(engine, service);
      expect(service.failingChannels()).toEqual([
        expect.objectContaining({ rule: 'alert-delivery', status: 'critical', message: expect.stringMatching(/^webhook alerts to 127\.0\.0\.1:\d+ are failing: connection refused by 127\.0\.0\.1:\d+; 1 alert undelivered since (?:[A-Z][a-z]{2} \d{1,2} )?\d\d:\d\d$/) }),
      ]);
      // The status alert went out through the working channel; the notice too, once the failed one gave up.
      const works = bodies.filter((b) => b.path === '/works').map((b) => b.body.purpose);
      expect(works).toEqual(['status', 'channel-failing']);
      expect(log.deliveryState('pager-hook')).toMatchObject({ lastAttempt: { ok: false }, lastSuccessAt: null });
      expect(log.deliveryState('ops-hook')).toMatchObject({ lastAttempt: { ok: true }, lastSuccessAt: expect.any(Number) });

      await pollRound(engine, service); // still failing, nothing new: the notice is not repeated
      expect(bodies.filter((b) => b.path === '/works')).toHaveLength(2);
    } finally {
      await close();
    }
  });

  it('two processes on one history send once: the lease holder alerts and pings the heartbeat, the other stays quiet and says who sends', async () => {
    const dir = join(root, 'lease');
    const dumps = join(dir, 'dumps');
    mkdirSync(dumps, { recursive: true });
    writePlainDump(dumps, 'orders.sql', 2 * HOUR);
    writeFileSync(join(dumps, 'orders-2.sql'), '');
    const config = configOf({
      sources: [{ id: 'orders-dumps', kind: 'dump-dir', path: dumps, settle: '0s' }],
      alerts: { channels: [{ id: 'ops-hook', kind: 'webhook', url: `${base}/lease` }], heartbeat: { url: `${base}/ping/0f3a9c1e-secret`, every: '5m' } },
    });
    const processes = ['serve', 'the desktop app'].map((program) => running(join(dir, 'history.sqlite'), config, { heartbeat: true, program }));
    try {
      for (const { engine, service } of processes) await pollRound(engine, service);
      expect(bodies.filter((b) => b.path === '/lease')).toHaveLength(1);
      expect(bodies.filter((b) => b.path.startsWith('/ping/'))).toEqual([{ path: '/ping/0f3a9c1e-secret/fail', body: { line: expect.stringMatching(/^1 source: 1 critical — orders-dumps: /) } }]);
      expect(processes[0]!.service.senderStatus()).toBe('alerts sent by this process');
      expect(processes[1]!.service.senderStatus()).toMatch(/^alerts sent by serve \(pid \d+ on .+\) until (?:[A-Z][a-z]{2} \d{1,2} )?\d\d:\d\d; this one stays quiet$/);
    } finally {
      for (const p of processes) await p.close();
    }
  });

  it("a channel's databases filter matches the databases a source holds (here its dbname), not every source", async () => {
    const dir = join(root, 'databases');
    const [orders, billing] = ['orders', 'billing'].map((name) => {
      const path = join(dir, name);
      mkdirSync(path, { recursive: true });
      writeFileSync(join(path, `${name}.sql`), ''); // both critical: an empty dump
      return path;
    });
    const { engine, service, close } = running(
      join(dir, 'history.sqlite'),
      configOf({
        sources: [
          { id: 'orders-dumps', kind: 'dump-dir', path: orders, settle: '0s', dbname: 'orders' },
          { id: 'billing-dumps', kind: 'dump-dir', path: billing, settle: '0s', dbname: 'billing' },
        ],
        alerts: { channels: [{ id: 'billing-team', kind: 'webhook', url: `${base}/billing`, databases: ['billing'] }] },
      }),
    );
    try {
      await pollRound(engine, service);
      expect(engine.databasesOf('billing-dumps')).toEqual(['billing']);
      const sent = bodies.filter((b) => b.path === '/billing');
      expect(sent).toHaveLength(1);
      expect((sent[0]!.body.sources as { id: string }[]).map((s) => s.id)).toEqual(['billing-dumps']);
    } finally {
      await close();
    }
  });

  it('pings the heartbeat at once, beside the alerts: a channel retrying for minutes does not make the monitor look dead', async () => {
    const dir = join(root, 'hang');
    const dumps = join(dir, 'dumps');
    mkdirSync(dumps, { recursive: true });
    writeFileSync(join(dumps, 'orders.sql'), '');
    const config = configOf({
      sources: [{ id: 'orders-dumps', kind: 'dump-dir', path: dumps, settle: '0s' }],
      alerts: { channels: [{ id: 'slow-hook', kind: 'webhook', url: `${base}/hang`, timeout: '5s' }], heartbeat: { url: `${base}/ping/hang-5b7e2d`, every: '5m' } },
    });
    let rounds = 0;
    const { engine, service, close } = running(join(dir, 'history.sqlite'), config, { retryDelays: [0, 120_000], heartbeat: true, onRound: () => rounds++ });
    try {
      await engine.pollAll();
      service.flush();
      await waitFor('the heartbeat ping', () => bodies.some((b) => b.path === '/ping/hang-5b7e2d/fail'), { timeoutMs: 4_000, intervalMs: 20 });
      expect(rounds).toBe(0); // the alert is still waiting on its channel
    } finally {
      await close();
    }
  });
});
