// Webhook, ntfy and Slack channels against a real HTTP receiver on 127.0.0.1: the bodies each one posts, a
// 500 answer, a receiver that never answers, a refused port; tokens (in the URL, a header, ntfy's password)
// never reach a result or the history file, even when the receiver echoes them back.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertDispatcher } from '../../../electron/engine/alerts/dispatcher';
import { alertDocument, composeStatusAlert } from '../../../electron/engine/alerts/compose';
import { senderFor } from '../../../electron/engine/alerts/senders/index';
import type { AlertItem, RoundContext } from '../../../electron/engine/alerts/types';
import { DeliveryTable } from '../../../electron/engine/store/deliveries';
import { History } from '../../../electron/engine/store/history';
import type { ChannelConfig } from '../../../shared/alerts-config';
import { validateConfig } from '../../../shared/config';

const HOOK_TOKEN = 'hook-T0KEN-7f3a9c1e';
const URL_TOKEN = 'B02X7Q9-url-secret-9d8c';
const NTFY_PASSWORD = 'ntfy-pa55-4c2e8a';
const env = { HOOK_TOKEN, SLACK_URL: '', NTFY_PASSWORD };

interface Request {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

const requests: Request[] = [];
let server: Server;
let base = '';
const dir = mkdtempSync(join(tmpdir(), 'bh-http-alerts-'));

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({ method: req.method!, path: req.url!, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      if (req.url!.startsWith('/hang')) return; // never answers
      if (req.url!.startsWith('/fail')) {
        // a receiver that echoes what it was given, in its reason phrase and body
        res.writeHead(500, `bad ${req.headers['x-token'] ?? ''} ${req.url}`, { 'content-type': 'text/plain' });
        return res.end(`error for ${req.headers.authorization ?? ''} ${req.url}`);
      }
      if (req.url!.startsWith('/gone')) return res.writeHead(404).end('no such hook');
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  env.SLACK_URL = `${base}/services/T1/${URL_TOKEN}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

function channel(fields: Record<string, unknown>): ChannelConfig {
  const result = validateConfig({ alerts: { channels: [{ id: 'c', timeout: '2s', ...fields }] } });
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.config.alerts!.channels[0]!;
}

const item: AlertItem = {
  sourceId: 'orders-dumps',
  sourceName: 'Orders dumps',
  reason: 'problem',
  from: 'ok',
  to: 'critical',
  findings: [{ rule: 'backup-age', status: 'critical', message: 'The newest dump is 31h old (limit 26h): check the pg_dump cron job on db1' }],
  link: 'https://backup.example.com/#/source/orders-dumps',
};
const alert = composeStatusAlert([item], Date.UTC(2026, 11, 3, 2, 10));
const last = () => requests.at(-1)!;

describe('HTTP channels against a real receiver', () => {
  it('webhook: the alert document as JSON, with headers from the config and from the environment', async () => {
    const hook = channel({ kind: 'webhook', url: `${base}/hook`, headers: { 'X-Team': 'dba', 'X-Token': { env: 'HOOK_TOKEN' } } });
    expect(await senderFor(hook, { env }).send(alert)).toMatchObject({ ok: true, httpStatus: 200 });
    expect(last()).toMatchObject({ method: 'POST', path: '/hook', headers: { 'content-type': 'application/json', 'x-team': 'dba', 'x-token': HOOK_TOKEN } });
    expect(JSON.parse(last().body)).toEqual(alertDocument(alert, 'c'));
    expect(JSON.parse(last().body)).toMatchObject({ version: 1, status: 'critical', sources: [{ id: 'orders-dumps', to: 'critical', link: item.link }] });
  });

  it('ntfy: a JSON publish to the server root with topic, title, message, priority and basic auth', async () => {
    const ntfy = channel({ kind: 'ntfy', url: base, topic: 'backups', user: 'bh', passwordEnv: 'NTFY_PASSWORD' });
    expect(await senderFor(ntfy, { env }).send(alert)).toMatchObject({ ok: true, httpStatus: 200 });
    expect(last().path).toBe('/');
    expect(last().headers.authorization).toBe(`Basic ${Buffer.from(`bh:${NTFY_PASSWORD}`).toString('base64')}`);
    expect(JSON.parse(last().body)).toEqual({ topic: 'backups', title: alert.title, message: alert.text, priority: 5, tags: ['rotating_light'], click: item.link });
    // without a user, the password is an access token
    await senderFor(channel({ kind: 'ntfy', url: base, topic: 'backups', passwordEnv: 'NTFY_PASSWORD' }), { env }).send(alert);
    expect(last().headers.authorization).toBe(`Bearer ${NTFY_PASSWORD}`);
  });

  it('Slack-compatible: { text } with the title in bold, to the URL held in an environment variable', async () => {
    expect(await senderFor(channel({ kind: 'slack', urlEnv: 'SLACK_URL' }), { env }).send(alert)).toMatchObject({ ok: true, httpStatus: 200 });
    expect(last().path).toBe(`/services/T1/${URL_TOKEN}`);
    expect(JSON.parse(last().body)).toEqual({ text: `*${alert.title}*\n${alert.text}` });
  });

  it('a 500 answer is a failure worth retrying, told by its status; a 404 is final', async () => {
    const result = await senderFor(channel({ kind: 'webhook', url: `${base}/fail` }), { env }).send(alert);
    expect(result).toMatchObject({ ok: false, httpStatus: 500, retryable: true });
    expect(result.error).toMatch(/^HTTP 500 Internal Server Error from 127\.0\.0\.1:\d+$/);
    expect(await senderFor(channel({ kind: 'webhook', url: `${base}/gone` }), { env }).send(alert)).toMatchObject({ ok: false, httpStatus: 404, retryable: false, error: expect.stringMatching(/^HTTP 404 Not Found from /) });
  });

  it('a receiver that never answers is given up on at the channel timeout', async () => {
    const result = await senderFor(channel({ kind: 'webhook', url: `${base}/hang`, timeout: '1s' }), { env }).send(alert);
    expect(result).toMatchObject({ ok: false, retryable: true, error: expect.stringMatching(/^no answer from 127\.0\.0\.1:\d+ within 1s$/) });
  });

  it('a refused port says so', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const result = await senderFor(channel({ kind: 'slack', url: `http://127.0.0.1:${port}/services/x` }), { env }).send(alert);
    expect(result).toMatchObject({ ok: false, retryable: true, error: `connection refused by 127.0.0.1:${port}` });
  });

  it('a variable that is not set fails the delivery and names it', async () => {
    expect(await senderFor(channel({ kind: 'webhook', url: `${base}/hook`, headers: { 'X-Token': { env: 'NOT_SET_ANYWHERE' } } }), { env }).send(alert)).toMatchObject({
      ok: false,
      retryable: false,
      error: 'header X-Token of c: the environment variable NOT_SET_ANYWHERE is not set for Backup Health',
    });
  });

  it('tokens never reach a result or the history file, though the receiver echoes them back', async () => {
    const file = join(dir, 'history.sqlite');
    History.open(file).close();
    const log = DeliveryTable.open(file);
    const parsed = validateConfig({
      alerts: {
        channels: [
          { id: 'hook', kind: 'webhook', url: `${base}/fail/${URL_TOKEN}`, headers: { 'X-Token': { env: 'HOOK_TOKEN' } } },
          { id: 'phone', kind: 'ntfy', url: `${base}/fail`, topic: 'backups', passwordEnv: 'NTFY_PASSWORD' },
          { id: 'chat', kind: 'slack', urlEnv: 'SLACK_URL' },
        ],
      },
    });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    const dispatcher = new AlertDispatcher(parsed.config.alerts, { log, senderDeps: { env }, retryDelays: [0, 0], timeZone: 'UTC' });
    const context: RoundContext = { at: Date.UTC(2026, 11, 3, 2, 10), sources: { 'orders-dumps': { name: 'Orders dumps' } } };
    const report = await dispatcher.round([{ sourceId: 'orders-dumps', from: 'ok', to: 'critical', findings: item.findings }], context);
    const attempts = log.recent();
    const said = JSON.stringify([report, dispatcher.failingChannels(), requests.at(-1)!.body]);
    log.close();
    for (const secret of [HOOK_TOKEN, URL_TOKEN, NTFY_PASSWORD]) {
      expect(said).not.toContain(secret);
      for (const name of readdirSync(dir)) expect(readFileSync(join(dir, name)).includes(secret), `${secret} in ${name}`).toBe(false);
    }
    expect(report.sent.map((s) => [s.channelId, s.result.httpStatus])).toEqual([['hook', 500], ['phone', 500], ['chat', 200]]);
    // the two failing channels are told through the working one
    expect(report.notices.map((n) => [n.channelId, n.result.ok])).toEqual([['chat', true]]);
    expect(JSON.parse(last().body).text.split('\n')[0]).toBe('*Backup Health: 2 alert channels are failing*');
    expect(JSON.parse(last().body).text).toMatch(/webhook alerts to 127\.0\.0\.1:\d+ are failing: HTTP 500 Internal Server Error from 127\.0\.0\.1:\d+; 1 alert undelivered since (?:[A-Z][a-z]{2} \d{1,2} )?\d\d:\d\d/);
    expect(JSON.parse(last().body).text).toMatch(/ntfy alerts to 127\.0\.0\.1:\d+ are failing: HTTP 500 Internal Server Error/);
    expect(attempts.filter((a) => !a.result.ok)).toHaveLength(4); // two attempts each
  });
});
