// `backup-health serve` with an alert channel, as a user runs it: the real bin, a dump directory whose newest
// dump is empty, a webhook receiver on 127.0.0.1. The first poll's bad news reaches the channel in one message,
// and /metrics says the channel delivered.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureCliBuilt } from '../../support/cli';
import { waitFor } from '../../support/postgres-fixtures';
import { writePlainDump } from '../../support/plain-dump';
import { serve } from '../../support/serve';

const HOUR = 3_600_000;
const METRICS_TOKEN = 'metrics-token-Alerts-5Gq8Lr2Wz7';
const root = mkdtempSync(join(tmpdir(), 'bh-serve-alerts-'));
const received: Record<string, unknown>[] = [];
let receiver: Server;
let hook = '';

beforeAll(async () => {
  ensureCliBuilt();
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
});

afterAll(async () => {
  receiver.closeAllConnections();
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
  rmSync(root, { recursive: true, force: true });
});

describe('serve with an alert channel', () => {
  it('sends the first poll round in one message and reports the delivery in /metrics', async () => {
    const dumps = join(root, 'dumps');
    mkdirSync(dumps, { recursive: true });
    writePlainDump(dumps, 'orders-1.sql', 26 * HOUR);
    writeFileSync(join(dumps, 'orders-2.sql'), ''); // tonight's dump: zero bytes
    const config = join(root, 'config.yml');
    writeFileSync(
      config,
      `sources:
  - id: orders-dumps
    kind: dump-dir
    path: ${dumps}
    settle: 0s
  - id: spare-dumps
    kind: dump-dir
    path: ${dumps}
    pattern: "orders-1.sql"
    settle: 0s
    maxAge: 7d
alerts:
  channels:
    - id: ops-hook
      kind: webhook
      url: ${hook}
`,
    );
    const tokenFile = join(root, 'metrics-token');
    writeFileSync(tokenFile, `${METRICS_TOKEN}\n`, { mode: 0o600 });
    const served = await serve(['--config', config, '--data', join(root, 'data'), '--metrics-token-file', tokenFile]);
    try {
      await waitFor('the alert', () => received.length > 0, { timeoutMs: 30_000 });
      expect(received).toHaveLength(1);
      expect(received[0]).toMatchObject({ purpose: 'status', channel: 'ops-hook', status: 'critical', sources: [{ id: 'orders-dumps', from: null, to: 'critical' }] });
      const metrics = await waitFor('the delivery in /metrics', async () => {
        const text = await (await fetch(`${served.origin}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text();
        return /^backup_health_alert_channel_last_delivery_success\{channel="ops-hook",kind="webhook"\} 1$/m.test(text) ? text : null;
      });
      expect(metrics).toMatch(/^backup_health_alert_channel_last_success_timestamp_seconds\{channel="ops-hook",kind="webhook"\} \d+/m);
      expect(served.stderr()).not.toContain(hook);
    } finally {
      served.child.kill('SIGTERM');
      expect(await served.exited).toBe(0);
    }
  });
});
