// A dashboard with alert channels, for the alert-channel tests through `serve` (integration and e2e): a receiver
// on 127.0.0.1 taking webhooks and heartbeat pings, a port that refuses connections, and a channel to it whose
// alert has already been given up on in the history file (retries take 2.5 min in serve: a dispatcher in the test
// process makes the same attempt to the same port, once, into the same history, as another sender would).
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { ChannelConfig } from '../../shared/alerts-config';
import { AlertDispatcher } from '../../electron/engine/alerts/dispatcher';
import { historyFile } from '../../electron/engine/paths';
import { DeliveryTable } from '../../electron/engine/store/deliveries';
import { writePlainDump } from './plain-dump';

/** Secrets the channels carry: none of them may reach the API's answers, the page or serve's output. */
export const SECRETS = {
  hookToken: 'hookpath-Secret-4Rk9Vw2Lq7',
  hookAuth: 'Bearer header-Secret-8Tz3Xn5Mp1',
  smtpPassword: 'smtp-Secret-2Hd6Yb9Qc4',
  pingKey: 'pingkey-Secret-7Gf1Jw8Ns3',
  deadToken: 'deadpath-Secret-5Pm2Kc7Vx9',
} as const;

export interface Received {
  path: string;
  body: string;
}

export interface Receiver {
  url: string;
  port: number;
  received: Received[];
  close(): Promise<void>;
}

/** Answers every POST with 204 and keeps what came. */
export async function startReceiver(): Promise<Receiver> {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ path: req.url ?? '', body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    received,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A port nothing listens on: taken from the system, then let go. */
export async function refusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface AlertDashboard {
  config: string;
  data: string;
  env: NodeJS.ProcessEnv;
  deadPort: number;
}

/**
 * A config with a critical dump directory (its newest dump is empty) and an ok one; channels: good-hook (the
 * receiver, a token in its path and an Authorization header from the environment), dead-hook (the refused port,
 * failing), ops-mail (SMTP with a password, only for the ok source: never sends), pager (a command: config-file
 * only); a heartbeat to the receiver.
 */
export async function alertDashboard(dir: string, receiver: Receiver): Promise<AlertDashboard> {
  const dumps = join(dir, 'dumps');
  const data = join(dir, 'data');
  mkdirSync(dumps, { recursive: true });
  mkdirSync(data, { recursive: true });
  writePlainDump(dumps, 'orders-1.sql', 26 * 3_600_000);
  writePlainDump(dumps, 'orders-2.sql', 3_600_000, 0);
  const deadPort = await refusedPort();
  const deadUrl = `http://127.0.0.1:${deadPort}/hook/${SECRETS.deadToken}`;
  const config = join(dir, 'config.yml');
  writeFileSync(
    config,
    `sources:
  - id: orders-dumps
    name: Orders dumps
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
    - id: good-hook
      kind: webhook
      url: ${receiver.url}/hook/${SECRETS.hookToken}?key=${SECRETS.hookToken}
      headers: { Authorization: { env: HOOK_AUTH } }
      minStatus: critical
      remindEvery: 24h
    - id: dead-hook
      kind: webhook
      url: ${deadUrl}
    - id: ops-mail
      kind: email
      to: [ops@example.com]
      from: backup-health@example.com
      smtp: { host: 127.0.0.1, port: ${deadPort}, tls: none, user: bh, passwordEnv: SMTP_PASSWORD }
      sources: [spare-dumps]
      recoveries: false
    - id: pager
      kind: command
      command: ["/bin/true", "--team", "dba"]
      sources: [spare-dumps]
  heartbeat:
    url: ${receiver.url}/ping/${SECRETS.pingKey}
    every: 5m
`,
  );
  await giveUpOnAlert(historyFile(data), { id: 'dead-hook', kind: 'webhook', url: deadUrl, minStatus: 'warning', recoveries: true, timeout: 10_000 });
  return { config, data, deadPort, env: { HOOK_AUTH: SECRETS.hookAuth, SMTP_PASSWORD: SECRETS.smtpPassword } };
}

/** One alert through `channel`, tried once and given up on, recorded in the history file at `file`. */
async function giveUpOnAlert(file: string, channel: ChannelConfig): Promise<void> {
  const log = DeliveryTable.open(file);
  try {
    const dispatcher = new AlertDispatcher({ channels: [channel] }, { log, retryDelays: [0] });
    const report = await dispatcher.round([{ sourceId: 'orders-dumps', from: null, to: 'critical', findings: [{ rule: 'backup-size', status: 'critical', message: 'the newest dump is empty' }] }], {
      at: Date.now(),
      sources: { 'orders-dumps': { name: 'Orders dumps' } },
    });
    if (report.sent[0]?.result.ok !== false) throw new Error('the alert to the refused port was delivered');
  } finally {
    log.close();
  }
}
