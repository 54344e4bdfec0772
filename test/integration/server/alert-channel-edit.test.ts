// Editing alert channels through `backup-health serve`, as the settings page does over HTTP: the real bin, a
// config file with comments, a webhook receiver on 127.0.0.1. What runs a program or names a file is refused
// with the field it is about (the serve token must never buy a shell); a webhook is added, receives a test
// alert, is edited and removed, with the file's comments and mode kept and its secrets never in an answer.
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertChannelSettings, AlertChannelsData, AlertTestResult, ApiResponse, Validation } from '../../../shared/api';
import { startReceiver, type Receiver } from '../../support/alert-channels-setup';
import { ensureCliBuilt } from '../../support/cli';
import { writePlainDump } from '../../support/plain-dump';
import { serve, type Served, signIn } from '../../support/serve';

const HOOK_TOKEN = 'hookpath-Edit-Secret-6Wq2Zr8Lp4';
const TOPIC = 'topic-Edit-Secret-3Nv7Kd1Qs9';
const root = mkdtempSync(join(tmpdir(), 'bh-alert-edit-'));
let receiver: Receiver;

beforeAll(async () => {
  ensureCliBuilt();
  receiver = await startReceiver();
});

afterAll(async () => {
  await receiver.close();
  rmSync(root, { recursive: true, force: true });
});

async function call<T>(served: Served, cookie: string, method: string, args: unknown = {}): Promise<{ text: string; value: T }> {
  const res = await fetch(`${served.origin}/api/${method}`, { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: JSON.stringify(args) });
  const text = await res.text();
  const answer = JSON.parse(text) as ApiResponse<T>;
  if (!answer.ok) throw new Error(`${method}: ${text}`);
  for (const secret of [HOOK_TOKEN, TOPIC]) expect(text, `${method} answer`).not.toContain(secret);
  return { text, value: answer.value };
}

const paths = (result: Validation) => result.problems.map((p) => p.path);

describe('alert channels edited through serve', () => {
  it('refuses a command channel, a changed passwordFile and a password without a keychain; adds, tests, edits and removes a webhook', async () => {
    const dumps = join(root, 'dumps');
    mkdirSync(dumps, { recursive: true });
    writePlainDump(dumps, 'orders-1.sql', 3_600_000);
    const secretFile = join(root, 'ntfy-password');
    writeFileSync(secretFile, 'ntfy-pass\n', { mode: 0o600 });
    const config = join(root, 'config.yml');
    writeFileSync(
      config,
      `# Backup Health at the office: ask Dana before changing alerts.
sources:
  - id: orders-dumps
    kind: dump-dir
    path: ${dumps}
    settle: 0s
    maxAge: 7d
alerts:
  channels:
    # the old hook, kept for the wiki bot
    - id: wiki-hook
      kind: webhook
      url: ${receiver.url}/wiki/${HOOK_TOKEN}
      minStatus: critical # only the bad news
    - id: phone
      kind: ntfy
      url: ${receiver.url}
      topic: ${TOPIC}
      user: bh
      passwordFile: ${secretFile}
`,
    );
    chmodSync(config, 0o640);
    const served = await serve(['--config', config, '--data', join(root, 'data')]);
    try {
      const cookie = await signIn(served);
      const settings = (await call<AlertChannelSettings>(served, cookie, 'alertChannelSettings')).value;
      expect(settings.canStorePasswords).toBe(false);
      const [wiki, phone] = settings.channels;
      expect(wiki).toMatchObject({ id: 'wiki-hook', kept: { url: new URL(receiver.url).host }, fileOnly: [] });
      expect(wiki!.fields).not.toHaveProperty('url');
      expect(phone).toMatchObject({ id: 'phone', kept: { topic: 'set' }, fileOnly: [{ field: 'passwordFile' }] });

      // What runs a program or names a file: refused, at its field, and the file untouched.
      const before = readFileSync(config, 'utf8');
      const command = (await call<Validation>(served, cookie, 'saveAlertChannel', { channel: { id: 'pager', kind: 'command', command: ['/bin/sh', '-c', 'id > /tmp/owned'] } })).value;
      expect(command.ok).toBe(false);
      expect(paths(command)).toContain('command');
      expect(command.problems[0]!.message).toBe('a command channel is set in the config file only (it names a program Backup Health runs); edit the config file to change it');
      const file = (await call<Validation>(served, cookie, 'saveAlertChannel', { originalId: 'phone', channel: { ...phone!.fields, passwordFile: '/etc/shadow' } })).value;
      expect(paths(file)).toEqual(['passwordFile']);
      const password = (await call<Validation>(served, cookie, 'saveAlertChannel', { channel: { id: 'new-hook', kind: 'webhook', url: `${receiver.url}/new` }, password: 'tok' })).value;
      expect(password.problems).toEqual([{ path: 'password', message: 'this process cannot keep passwords (serve has no keychain): set passwordEnv or passwordFile in the config file' }]);
      const bad = (await call<Validation>(served, cookie, 'saveAlertChannel', { channel: { id: 'new-hook', kind: 'webhook', url: 'ftp://x', remindEvery: 'often' } })).value;
      expect(paths(bad).sort()).toEqual(['remindEvery', 'url']);
      expect(readFileSync(config, 'utf8')).toBe(before);

      // A webhook to the receiver: saved, in force at once, and it receives a test alert.
      const added = (await call<Validation>(served, cookie, 'saveAlertChannel', { channel: { id: 'ops-hook', kind: 'webhook', url: `${receiver.url}/ops`, minStatus: 'warning', remindEvery: '12h' } })).value;
      expect(added).toEqual({ ok: true, problems: [] });
      const written = readFileSync(config, 'utf8');
      expect(written).toContain('# Backup Health at the office: ask Dana before changing alerts.');
      expect(written).toContain('# the old hook, kept for the wiki bot');
      expect(written).toContain('minStatus: critical # only the bad news');
      expect(written).toMatch(/- id: ops-hook\n\s+kind: webhook\n\s+url: http:\/\/127\.0\.0\.1:\d+\/ops\n\s+minStatus: warning\n\s+remindEvery: 12h\n/);
      expect(statSync(config).mode & 0o777).toBe(0o640);
      const listed = (await call<AlertChannelsData>(served, cookie, 'alertChannels')).value;
      expect(listed.channels.map((c) => c.id)).toEqual(['wiki-hook', 'phone', 'ops-hook']);
      const sent = (await call<AlertTestResult>(served, cookie, 'testAlertChannel', { id: 'ops-hook' })).value;
      expect(sent.delivery).toMatchObject({ ok: true, httpStatus: 204 });
      const test = receiver.received.filter((r) => r.path === '/ops');
      expect(test).toHaveLength(1);
      expect(JSON.parse(test[0]!.body)).toMatchObject({ purpose: 'test', channel: 'ops-hook' });

      // Editing the old hook without its URL (the form never had it) keeps the URL, its token and the comments.
      const edited = (await call<Validation>(served, cookie, 'saveAlertChannel', { originalId: 'wiki-hook', channel: { ...wiki!.fields, minStatus: 'warning', recoveries: false } })).value;
      expect(edited).toEqual({ ok: true, problems: [] });
      const after = readFileSync(config, 'utf8');
      expect(after).toContain(`url: ${receiver.url}/wiki/${HOOK_TOKEN}`);
      expect(after).toContain('# the old hook, kept for the wiki bot');
      expect(after).toMatch(/minStatus: warning # only the bad news\n\s+recoveries: false/);
      // ...and the ntfy channel keeps its passwordFile as the file has it.
      const phoneEdit = (await call<Validation>(served, cookie, 'saveAlertChannel', { originalId: 'phone', channel: { ...phone!.fields, priority: 4 } })).value;
      expect(phoneEdit).toEqual({ ok: true, problems: [] });
      expect(readFileSync(config, 'utf8')).toContain(`passwordFile: ${secretFile}`);

      const removed = (await call<Validation>(served, cookie, 'deleteAlertChannel', { id: 'ops-hook' })).value;
      expect(removed).toEqual({ ok: true, problems: [] });
      expect(readFileSync(config, 'utf8')).not.toContain('ops-hook');
      expect((await call<AlertChannelsData>(served, cookie, 'alertChannels')).value.channels.map((c) => c.id)).toEqual(['wiki-hook', 'phone']);
      const missing = (await call<Validation>(served, cookie, 'deleteAlertChannel', { id: 'ops-hook' })).value;
      expect(missing.problems[0]!.message).toBe(`no alert channel "ops-hook" in ${config}`);
      for (const secret of [HOOK_TOKEN, TOPIC, 'ntfy-pass']) expect(served.stderr()).not.toContain(secret);
    } finally {
      served.child.kill('SIGTERM');
      expect(await served.exited).toBe(0);
    }
  });
});
