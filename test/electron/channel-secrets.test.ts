// A channel's password or token entered in the desktop app's Settings: kept by the OS keychain (safeStorage,
// mocked) under alert-channel:<id>, never in the config file (which says passwordStored: true), the vault file,
// an API answer or the delivery log; read when an alert is sent, so a real receiver on 127.0.0.1 gets it as
// the bearer token. A kept password goes only where it was entered for; a rename moves it, a removal forgets it.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AlertService } from '../../electron/engine/alerts/alert-service';
import { AlertDispatcher } from '../../electron/engine/alerts/dispatcher';
import { senderFor } from '../../electron/engine/alerts/senders/index';
import { ApiService } from '../../electron/engine/api-service';
import { loadConfig } from '../../electron/engine/config';
import { Engine } from '../../electron/engine/engine';
import { DeliveryTable } from '../../electron/engine/store/deliveries';
import { History } from '../../electron/engine/store/history';
import { validateConfig } from '../../shared/config';

vi.mock('electron', async () => (await import('./fake-electron')).electron);
const { fakeSafeStorage } = await import('./fake-electron');
const { channelSecrets, openVault } = await import('../../electron/main/secrets');

const TOKEN = 'bearer-Keychain-Secret-9Xc4Tq7Rm2';
const NEW_TOKEN = 'bearer-Keychain-Second-3Lp8Vw1Hs6';
const root = mkdtempSync(join(tmpdir(), 'bh-channel-secrets-'));
const received: { path: string; headers: IncomingHttpHeaders }[] = [];
let server: Server;
let base = '';

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(root, { recursive: true, force: true });
});

/** The desktop app's wiring (electron/main/index.ts): one vault for the engine, the API and the senders. */
function desktopApp(dir: string) {
  const configFile = join(dir, 'config.yml');
  writeFileSync(configFile, '# alerts for the DBA team\nsources: []\nalerts:\n  channels: []\n');
  const loaded = loadConfig(configFile);
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
  const vault = openVault(join(dir, 'userData'), fakeSafeStorage, 'linux')!;
  const historyPath = join(dir, 'history.sqlite');
  const store = History.open(historyPath);
  const log = DeliveryTable.open(historyPath);
  const engine = new Engine({ config: loaded.config, store, secrets: vault });
  const alerts = new AlertService({ engine, dispatcher: new AlertDispatcher(loaded.config.alerts, { log, senderDeps: { env: {}, stored: channelSecrets(vault) } }) });
  const api = new ApiService({ engine, store, configFile, vault, alerts });
  const close = () => {
    alerts.stop();
    log.close();
    store.close();
  };
  return { configFile, vault, api, dir, close };
}

/** Every byte the app wrote: the config, the vault, the history file and its WAL. */
function everyFileText(dir: string): string {
  const files: string[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) entry.isDirectory() ? walk(join(d, entry.name)) : files.push(join(d, entry.name));
  };
  walk(dir);
  return files.map((f) => readFileSync(f).toString('latin1')).join('\n');
}

describe('a channel password kept in the keychain', () => {
  it('is entered once in Settings, kept encrypted, and sent as the bearer token at send time; never written or answered', async () => {
    const app = desktopApp(mkdtempSync(join(root, 'one-')));
    try {
      expect((await app.api.alertChannelSettings()).canStorePasswords).toBe(true);
      const saved = await app.api.saveAlertChannel({ channel: { id: 'ops-hook', kind: 'webhook', url: `${base}/ops`, minStatus: 'critical' }, password: TOKEN });
      expect(saved).toEqual({ ok: true, problems: [] });
      const text = readFileSync(app.configFile, 'utf8');
      expect(text).toContain('# alerts for the DBA team');
      expect(text).toMatch(/- id: ops-hook\n\s+kind: webhook\n\s+url: http:\/\/127\.0\.0\.1:\d+\/ops\n\s+minStatus: critical\n\s+passwordStored: true\n/);
      expect(await app.vault.password('alert-channel:ops-hook')).toBe(TOKEN);
      // A source may have the same id: its password is another entry.
      expect(await app.vault.password('ops-hook')).toBeUndefined();

      const test = await app.api.testAlertChannel({ id: 'ops-hook' });
      expect(test.delivery).toMatchObject({ ok: true, httpStatus: 204 });
      expect(received.filter((r) => r.path === '/ops').map((r) => r.headers.authorization)).toEqual([`Bearer ${TOKEN}`]);

      const answers = JSON.stringify([test, await app.api.alertChannelSettings(), await app.api.alertChannels(), await app.api.settings()]);
      expect(answers).toContain('"passwordStored":true');
      expect(answers).not.toContain(TOKEN);
      expect(everyFileText(app.dir)).not.toContain(TOKEN);
    } finally {
      app.close();
    }
  });

  it('goes only where it was entered for: a new URL needs it again; a rename moves it, a removal forgets it', async () => {
    const app = desktopApp(mkdtempSync(join(root, 'two-')));
    try {
      await app.api.saveAlertChannel({ channel: { id: 'ops-hook', kind: 'webhook', url: `${base}/ops` }, password: TOKEN });
      const [kept] = (await app.api.alertChannelSettings()).channels;
      expect(kept!.fields).toMatchObject({ passwordStored: true });
      expect(kept!.fields).not.toHaveProperty('url');

      const moved = await app.api.saveAlertChannel({ originalId: 'ops-hook', channel: { ...kept!.fields, url: `${base}/elsewhere` } });
      expect(moved.problems).toEqual([{ path: 'password', message: 'the kept password is sent only where it was entered for, and url changed: enter the password again' }]);
      const added = await app.api.saveAlertChannel({ channel: { id: 'sneaky', kind: 'webhook', url: `${base}/sneaky`, passwordStored: true } });
      expect(added.problems).toEqual([{ path: 'password', message: 'enter the password to keep in the keychain: passwordStored is set when one is entered here' }]);

      expect(await app.api.saveAlertChannel({ originalId: 'ops-hook', channel: { ...kept!.fields, id: 'dba-hook', minStatus: 'warning' } })).toEqual({ ok: true, problems: [] });
      expect(await app.vault.password('alert-channel:dba-hook')).toBe(TOKEN);
      expect(await app.vault.password('alert-channel:ops-hook')).toBeUndefined();

      expect(await app.api.saveAlertChannel({ originalId: 'dba-hook', channel: { id: 'dba-hook', kind: 'webhook', url: `${base}/dba` }, password: NEW_TOKEN })).toEqual({ ok: true, problems: [] });
      await app.api.testAlertChannel({ id: 'dba-hook' });
      expect(received.filter((r) => r.path === '/dba').map((r) => r.headers.authorization)).toEqual([`Bearer ${NEW_TOKEN}`]);

      // An e-mail channel keeps it under smtp:, as its passwordEnv would be.
      const mail = await app.api.saveAlertChannel({ channel: { id: 'ops-mail', kind: 'email', to: ['ops@example.com'], from: 'bh@example.com', smtp: { host: 'mail.example.com', user: 'bh' } }, password: 'smtp-pass' });
      expect(mail).toEqual({ ok: true, problems: [] });
      expect(readFileSync(app.configFile, 'utf8')).toMatch(/smtp:\n\s+host: mail\.example\.com\n\s+user: bh\n\s+passwordStored: true/);

      expect(await app.api.deleteAlertChannel({ id: 'dba-hook' })).toEqual({ ok: true, problems: [] });
      expect(await app.vault.password('alert-channel:dba-hook')).toBeUndefined();
      expect(await app.vault.password('alert-channel:ops-mail')).toBe('smtp-pass');
      expect(everyFileText(app.dir)).not.toContain(NEW_TOKEN);
    } finally {
      app.close();
    }
  });

  it('without a keychain (or in serve) the delivery fails saying what to set instead, and nothing is sent', async () => {
    const parsed = validateConfig({ alerts: { channels: [{ id: 'ops-hook', kind: 'webhook', url: `${base}/nokeychain`, passwordStored: true }] } });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    const channel = parsed.config.alerts!.channels[0]!;
    const alert = { title: 'test', text: 'test', status: 'ok' as const, items: [] } as never;
    const serve = await senderFor(channel, { env: {} }).send(alert);
    expect(serve).toMatchObject({ ok: false, retryable: false });
    expect(serve.error).toBe("the bearer token of ops-hook is kept in the desktop app's keychain (passwordStored), which this process cannot read: for serve, set passwordEnv or passwordFile instead");
    const noKeychain = await senderFor(channel, { env: {}, stored: channelSecrets(null) }).send(alert);
    expect(noKeychain.error).toMatch(/^the bearer token of ops-hook: the OS keychain is not available to Backup Health/);
    const forgotten = await senderFor(channel, { env: {}, stored: openVault(mkdtempSync(join(root, 'three-')), fakeSafeStorage, 'linux')! }).send(alert);
    expect(forgotten.error).toBe('the bearer token of ops-hook is not in the keychain: enter it again for ops-hook in Settings');
    expect(received.some((r) => r.path === '/nokeychain')).toBe(false);
  });
});
