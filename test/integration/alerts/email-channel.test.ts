// The e-mail channel against a real SMTP server on 127.0.0.1 (the smtp-server package): STARTTLS and TLS with
// a login, a message accepted, a DMARC-style 550 5.7.1 refusal of the recipient, one recipient of two refused
// (not delivered), a dropped connection, a server that never answers, a wrong password. The password never
// reaches a result or the history file.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer, type SMTPServerOptions, type SMTPServerSession } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertDispatcher } from '../../../electron/engine/alerts/dispatcher';
import { composeStatusAlert } from '../../../electron/engine/alerts/compose';
import { senderFor } from '../../../electron/engine/alerts/senders/index';
import type { AlertItem, RoundContext } from '../../../electron/engine/alerts/types';
import { DeliveryTable } from '../../../electron/engine/store/deliveries';
import { History } from '../../../electron/engine/store/history';
import type { AlertsConfig, ChannelOf } from '../../../shared/alerts-config';
import { validateConfig } from '../../../shared/config';

const PASSWORD = 'smtp-Pa55word-that-must-stay-hidden';
const env = { SMTP_PASSWORD: PASSWORD };
const dir = mkdtempSync(join(tmpdir(), 'bh-smtp-'));
let cert = '';
let key = '';

beforeAll(() => {
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { stdio: 'ignore' });
  cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
  key = readFileSync(join(dir, 'key.pem'), 'utf8');
});

const servers: { close(cb: () => void): void }[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  rmSync(dir, { recursive: true, force: true });
});

interface Received {
  from: string;
  to: string[];
  secure: boolean;
  user: unknown;
  message: string;
}

/** A real SMTP server on a free port of 127.0.0.1 taking `bh` / PASSWORD; `options` change how it behaves. */
async function smtpServer(options: Partial<SMTPServerOptions> & { tls: 'starttls' | 'tls' | 'none' }) {
  const received: Received[] = [];
  const { tls, ...rest } = options;
  const server: SMTPServer = new SMTPServer({
    key,
    cert,
    secure: tls === 'tls',
    ...(tls === 'none' ? { disabledCommands: ['STARTTLS'], allowInsecureAuth: true } : {}),
    authMethods: ['PLAIN', 'LOGIN'],
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === 'bh' && auth.password === PASSWORD) return callback(null, { user: 'bh' });
      callback(Object.assign(new Error('5.7.8 Authentication credentials invalid'), { responseCode: 535 }));
    },
    onData(stream, session: SMTPServerSession, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        received.push({ from: String(session.envelope.mailFrom && session.envelope.mailFrom.address), to: session.envelope.rcptTo.map((r) => r.address), secure: session.secure, user: session.user, message: Buffer.concat(chunks).toString('utf8') });
        callback();
      });
    },
    ...rest,
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  const port = (server.server.address() as AddressInfo).port;
  return { server, port, received };
}

function emailChannel(port: number, extra: Record<string, unknown> = {}, smtp: Record<string, unknown> = {}): ChannelOf<'email'> {
  const result = validateConfig({
    alerts: { channels: [{ id: 'ops-mail', kind: 'email', to: ['ops@example.com'], from: 'backup-health@example.com', timeout: '5s', ...extra, smtp: { host: '127.0.0.1', port, tls: 'starttls', user: 'bh', passwordEnv: 'SMTP_PASSWORD', ...smtp } }] },
  });
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.config.alerts!.channels[0] as ChannelOf<'email'>;
}

const item: AlertItem = {
  sourceId: 'orders-dumps',
  sourceName: 'Orders dumps',
  reason: 'problem',
  from: 'ok',
  to: 'critical',
  findings: [{ rule: 'backup-age', status: 'critical', message: 'The newest dump is 31h old (limit 26h): check the pg_dump cron job on db1' }],
};
const alert = composeStatusAlert([item], Date.UTC(2026, 11, 3, 2, 10));
const deps = () => ({ env, tls: { ca: cert } });

describe('e-mail channel over a real SMTP server', () => {
  it('STARTTLS with a login: the message is accepted and says what is wrong', async () => {
    const { port, received } = await smtpServer({ tls: 'starttls' });
    const result = await senderFor(emailChannel(port), deps()).send(alert);
    expect(result).toMatchObject({ ok: true, replyCode: 250 });
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ from: 'backup-health@example.com', to: ['ops@example.com'], secure: true, user: 'bh' });
    expect(received[0]!.message).toContain('Subject: Backup Health: Orders dumps is critical (was ok)');
    // quoted-printable: soft line breaks undone
    expect(received[0]!.message.replace(/=\r\n/g, '')).toContain('check the pg_dump cron job on db1');
  });

  it('TLS from the start (port 465 style)', async () => {
    const { port, received } = await smtpServer({ tls: 'tls' });
    expect(await senderFor(emailChannel(port, {}, { tls: 'tls' }), deps()).send(alert)).toMatchObject({ ok: true, replyCode: 250 });
    expect(received[0]!.secure).toBe(true);
  });

  it('starttls is required: a server that does not offer it gets nothing, not a plaintext password', async () => {
    const { port, received } = await smtpServer({ tls: 'none' });
    const result = await senderFor(emailChannel(port), deps()).send(alert);
    expect(result.ok).toBe(false);
    expect(received).toEqual([]);
    // tls: none is a choice the config says out loud
    expect(await senderFor(emailChannel(port, {}, { tls: 'none' }), deps()).send(alert)).toMatchObject({ ok: true });
  });

  it('a recipient refused with 550 5.7.1 is a final failure with the reply as the server said it', async () => {
    const { port, received } = await smtpServer({
      tls: 'starttls',
      onRcptTo(_address, _session, callback) {
        callback(Object.assign(new Error('5.7.1 rejected by DMARC policy'), { responseCode: 550 }));
      },
    });
    const result = await senderFor(emailChannel(port), deps()).send(alert);
    expect(result).toMatchObject({ ok: false, replyCode: 550, reply: '550 5.7.1 rejected by DMARC policy', retryable: false });
    expect(received).toEqual([]);
  });

  it('one recipient of two refused: not delivered, although the server took the message for the other', async () => {
    const { port, received } = await smtpServer({
      tls: 'starttls',
      onRcptTo(address, _session, callback) {
        if (address.address === 'dba@example.com') return callback(Object.assign(new Error('5.1.1 no such user'), { responseCode: 550 }));
        callback();
      },
    });
    const result = await senderFor(emailChannel(port, { to: ['ops@example.com', 'dba@example.com'] }), deps()).send(alert);
    expect(result).toMatchObject({ ok: false, replyCode: 550, reply: '550 5.1.1 no such user' });
    expect(result.error).toMatch(/refused dba@example\.com \(the others were accepted\)/);
    expect(received.map((r) => r.to)).toEqual([['ops@example.com']]);
  });

  it('a connection dropped mid-conversation is a failure worth retrying', async () => {
    const { server, port } = await smtpServer({
      tls: 'starttls',
      onMailFrom(_address, session, _callback) {
        for (const connection of server.connections as Set<{ id: string; _socket: { destroy(): void } }>) if (connection.id === session.id) connection._socket.destroy();
      },
    });
    const result = await senderFor(emailChannel(port), deps()).send(alert);
    expect(result).toMatchObject({ ok: false, retryable: true });
    expect(result.error).toMatch(new RegExp(`^127\\.0\\.0\\.1:${port}: `));
  });

  it('a server that never greets times out', async () => {
    const silent: Server = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    servers.push(silent);
    const port = (silent.address() as AddressInfo).port;
    const result = await senderFor(emailChannel(port, { timeout: '1s' }), deps()).send(alert);
    expect(result).toMatchObject({ ok: false, retryable: true });
    expect(result.error).toMatch(/no (complete )?answer from 127\.0\.0\.1/);
  });

  it('a missing password variable is a failed delivery naming the variable', async () => {
    const { port } = await smtpServer({ tls: 'starttls' });
    expect(await senderFor(emailChannel(port), { env: {}, tls: { ca: cert } }).send(alert)).toEqual({
      ok: false,
      error: 'the SMTP password of ops-mail: the environment variable SMTP_PASSWORD is not set for Backup Health',
      retryable: false,
      durationMs: expect.any(Number),
    });
  });

  it('a refused login and a DMARC refusal go into the history without the password', async () => {
    const { port: refusing } = await smtpServer({
      tls: 'starttls',
      onRcptTo(_address, _session, callback) {
        callback(Object.assign(new Error(`5.7.1 rejected by DMARC policy`), { responseCode: 550 }));
      },
    });
    const { port: strict } = await smtpServer({
      tls: 'starttls',
      onAuth(_auth, _session, callback) {
        callback(Object.assign(new Error('5.7.8 Authentication credentials invalid'), { responseCode: 535 }));
      },
    });
    const historyDir = mkdtempSync(join(dir, 'history-'));
    const file = join(historyDir, 'history.sqlite');
    History.open(file).close();
    const log = DeliveryTable.open(file);
    const alerts: AlertsConfig = { channels: [emailChannel(refusing), { ...emailChannel(strict), id: 'other-mail' }] };
    const dispatcher = new AlertDispatcher(alerts, { log, senderDeps: deps(), retryDelays: [0], timeZone: 'UTC' });
    const context: RoundContext = { at: Date.UTC(2026, 11, 3, 2, 10), sources: { 'orders-dumps': { name: 'Orders dumps' } } };
    const report = await dispatcher.round([{ sourceId: 'orders-dumps', from: 'ok', to: 'critical', findings: item.findings }], context);
    expect(report.sent.map((s) => [s.channelId, s.result.replyCode])).toEqual([['ops-mail', 550], ['other-mail', 535]]);
    expect(report.sent[1]!.result.error).toMatch(/refused the login/);
    // attempts are timed by the dispatcher's clock (here the real one)
    expect(dispatcher.failingChannels().map((f) => f.message)).toEqual([
      expect.stringMatching(/^e-mail alerts to ops@example\.com are failing: 550 5\.7\.1 rejected by DMARC policy; 1 alert undelivered since (?:[A-Z][a-z]{2} \d{1,2} )?\d\d:\d\d$/),
      expect.stringMatching(/^e-mail alerts to ops@example\.com are failing: 535 5\.7\.8 Authentication credentials invalid; 1 alert undelivered since (?:[A-Z][a-z]{2} \d{1,2} )?\d\d:\d\d$/),
    ]);
    log.close();
    expect(JSON.stringify(report)).not.toContain(PASSWORD);
    for (const name of readdirSync(historyDir)) expect(readFileSync(join(historyDir, name)).includes(PASSWORD), name).toBe(false);
  });
});
