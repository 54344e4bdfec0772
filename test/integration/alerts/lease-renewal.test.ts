// The sender lease is renewed on its own timer, not by poll rounds: serve in another process (hourly polls, a
// lease of a few seconds) keeps it while alive, and the desktop app here stays quiet and says who sends; killed
// with SIGKILL (no release), it is replaced by the app within a lease, without a poll round, and the change the
// app heard while quiet goes out once (no duplicate of what serve sent, no gap). stop() ends the timer.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertLease } from '../../../electron/engine/store/alert-lease';
import { writePlainDump } from '../../support/plain-dump';
import { waitFor } from '../../support/postgres-fixtures';
import { Receiver, configOf, pollRound, running } from './alert-process';

const root = mkdtempSync(join(tmpdir(), 'bh-lease-renewal-'));
const HOUR = 3_600_000;
/** Long enough that a loaded machine does not miss three renewals in a row; short enough to wait for. */
const LEASE_MS = 3_000;
const receiver = new Receiver();

beforeAll(() => receiver.start());
afterAll(async () => {
  await receiver.stop();
  rmSync(root, { recursive: true, force: true });
});

const engineModule = (path: string) => JSON.stringify(new URL(`../../../electron/engine/${path}`, import.meta.url).pathname);

/** serve in a process of its own: engine and alerts on `file` as serve.ts wires them, one poll round, then it idles. */
const SERVE = `
import { createInterface } from 'node:readline';
import { AlertService } from ${engineModule('alerts/alert-service.ts')};
import { AlertDispatcher } from ${engineModule('alerts/dispatcher.ts')};
import { Engine } from ${engineModule('engine.ts')};
import { AlertLease, leaseHolder } from ${engineModule('store/alert-lease.ts')};
import { DeliveryTable } from ${engineModule('store/deliveries.ts')};
import { History } from ${engineModule('store/history.ts')};
import { validateConfig } from ${JSON.stringify(new URL('../../../shared/config.ts', import.meta.url).pathname)};
const [file, configJson, leaseMs] = process.argv.slice(-3);
const { config } = validateConfig(JSON.parse(configJson));
const store = History.open(file);
const log = DeliveryTable.open(file);
const engine = new Engine({ config, store });
const service = new AlertService({
  engine,
  dispatcher: new AlertDispatcher(config.alerts, { log, retryDelays: [0] }),
  lease: { lease: AlertLease.open(file), holder: leaseHolder('serve') },
  leaseMs: Number(leaseMs),
  quietMs: 50,
  maxMs: 1000,
});
service.start();
await engine.pollAll();
service.flush();
await service.idle();
console.log(JSON.stringify({ pid: process.pid, status: service.senderStatus() }));
for await (const line of createInterface({ input: process.stdin })) void line; // alive (its lease timer running) until killed
`;

describe('the sender lease renewed on its own timer', () => {
  it('a holder polling hourly keeps it; killed without releasing, the quiet process takes over within a lease and sends what it heard, once', async () => {
    const dumps = join(root, 'takeover', 'dumps');
    mkdirSync(dumps, { recursive: true });
    writePlainDump(dumps, 'orders.sql', 2 * HOUR);
    writeFileSync(join(dumps, 'orders-2.sql'), ''); // tonight's dump: zero bytes
    const file = join(root, 'takeover', 'history.sqlite');
    const raw = {
      defaults: { interval: '1h' },
      sources: [{ id: 'orders-dumps', kind: 'dump-dir', path: dumps, settle: '0s' }],
      alerts: { channels: [{ id: 'ops-hook', kind: 'webhook', url: `${receiver.base}/takeover` }] },
    };
    const config = configOf(raw);
    const sent = () => receiver.at('/takeover').map((b) => (b.sources as { reason: string; from: string | null; to: string }[]).map((s) => `${s.reason} ${s.from}->${s.to}`).join());

    const serve = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', SERVE, '--', file, JSON.stringify(raw), String(LEASE_MS)], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    serve.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const observer = AlertLease.open(file);
    let app: Awaited<ReturnType<typeof running>> | undefined;
    try {
      const [line] = await Promise.race([
        createInterface({ input: serve.stdout })[Symbol.asyncIterator]().next().then((r) => [r.value as string]),
        new Promise<never>((_, reject) => serve.once('exit', (code) => reject(new Error(`serve exited ${code}: ${stderr}`)))),
      ]);
      expect(JSON.parse(line!)).toEqual({ pid: serve.pid, status: 'alerts sent by this process' });
      expect(sent()).toEqual(['problem null->critical']);
      const first = observer.current()!;
      expect(first.holder).toMatchObject({ program: 'serve', pid: serve.pid });

      app = running(file, config, { program: 'the desktop app', leaseMs: LEASE_MS });
      const quiet = new RegExp(`^alerts sent by serve \\(pid ${serve.pid} on .+\\) until (?:[A-Z][a-z]{2} \\d{1,2} )?\\d\\d:\\d\\d; this one stays quiet$`);
      expect(app.service.senderStatus()).toMatch(quiet);

      // The dump is fixed; the app polls, stores the recovery and hears it, but serve sends: the app stays quiet.
      rmSync(join(dumps, 'orders-2.sql'));
      await pollRound(app.engine, app.service);
      expect(sent()).toEqual(['problem null->critical']);

      // serve polls hourly, yet it keeps its lease well past the lease's length: its timer renews it.
      await waitFor('serve renewing its lease', () => observer.current()!.until >= first.since + 3 * LEASE_MS, { timeoutMs: 30_000, intervalMs: 50 });
      expect(observer.current()).toMatchObject({ holder: first.holder, since: first.since });
      expect(app.service.senderStatus()).toMatch(quiet);
      expect(sent()).toEqual(['problem null->critical']);

      // A crash: no release, no clean close.
      const exited = new Promise((resolve) => serve.once('exit', resolve));
      serve.kill('SIGKILL');
      await exited;
      const dead = observer.current()!;
      expect(dead.holder.pid).toBe(serve.pid);

      // No poll round in the app from here on: only its lease timer can take over, once serve's lease ran out.
      await waitFor('the app taking the lease over', () => app!.service.senderStatus() === 'alerts sent by this process', { timeoutMs: 30_000, intervalMs: 20 });
      expect(observer.current()).toMatchObject({ holder: { program: 'the desktop app', pid: process.pid } });
      expect(observer.current()!.since).toBeGreaterThanOrEqual(dead.until);
      await waitFor('the recovery sent', () => sent().length === 2, { timeoutMs: 10_000, intervalMs: 20 });
      await app.service.idle();
      expect(sent()).toEqual(['problem null->critical', 'recovered critical->ok']);

      // and nothing twice afterwards
      await pollRound(app.engine, app.service);
      expect(sent()).toHaveLength(2);
    } finally {
      if (serve.exitCode === null && serve.signalCode === null) serve.kill('SIGKILL');
      await app?.close();
      observer.close();
    }
  });

  it('stop() ends the renewals: a stopped holder releases its lease and does not take it again', async () => {
    mkdirSync(join(root, 'stop'), { recursive: true });
    const file = join(root, 'stop', 'history.sqlite');
    const config = configOf({ sources: [], alerts: { channels: [] } });
    const observer = AlertLease.open(file);
    const holder = running(file, config, { program: 'serve', leaseMs: 300 });
    try {
      const first = observer.current()!;
      expect(first.holder.program).toBe('serve');
      await waitFor('a renewal', () => (observer.current()?.until ?? 0) > first.until, { timeoutMs: 10_000, intervalMs: 10 });
      await holder.close();
      expect(observer.current()).toBeNull();
      // three renewal periods later, still nobody: the timer went with stop()
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect(observer.current()).toBeNull();
    } finally {
      await holder.close().catch(() => undefined);
      observer.close();
    }
  });
});
