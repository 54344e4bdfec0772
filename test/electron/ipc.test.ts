// The API on ipcMain, over a real ApiService, engine, history and config file: our renderer's top frame gets
// ApiResponse values; any other sender (another page, an iframe, another window) is refused with 'forbidden';
// failures come back as codes and messages, never stacks; events reach the window.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { API_METHODS } from '../../shared/api';
import { ApiService } from '../../electron/engine/api-service';
import { loadConfig } from '../../electron/engine/config';
import { Engine } from '../../electron/engine/engine';
import { History } from '../../electron/engine/store/history';
import { EVENT_CHANNEL, channelOf } from '../../electron/preload/channels';
import { writePlainDump } from '../support/plain-dump';

vi.mock('electron', async () => (await import('./fake-electron')).electron);
const { FakeBrowserWindow, FakeWebContents, ipcHandlers } = await import('./fake-electron');
const { apiErrorValue, registerIpc } = await import('../../electron/main/ipc');
const { trustedRenderer } = await import('../../electron/main/trusted-renderer');

const root = mkdtempSync(join(tmpdir(), 'backup-health-ipc-'));
const rendererIndex = join(root, 'app', 'out', 'renderer', 'index.html');
const trusted = trustedRenderer(rendererIndex, undefined);
let store: History;
let api: ApiService;
let window: InstanceType<typeof FakeBrowserWindow>;
let unregister: () => void;

beforeAll(async () => {
  const dumps = join(root, 'dumps');
  mkdirSync(dumps);
  writePlainDump(dumps, 'a.sql', 3_600_000);
  const configFile = join(root, 'config.yml');
  writeFileSync(configFile, `sources:\n  - { id: orders-dumps, kind: dump-dir, path: ${dumps}, settle: 0s }\n  - { id: orders-db, kind: postgres, url: "postgres://monitor@127.0.0.1:1/postgres", timeout: 2s }\n`);
  const loaded = loadConfig(configFile);
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
  store = History.open(join(root, 'history.sqlite'));
  const engine = new Engine({ config: loaded.config, store });
  api = new ApiService({ engine, store, configFile });
  window = new FakeBrowserWindow({});
  await window.loadFile(rendererIndex);
  unregister = registerIpc({ api, window: () => window as never, trusted });
});

afterAll(() => {
  unregister();
  store.close();
  rmSync(root, { recursive: true, force: true });
});

afterEach(() => {
  window.webContents.sent.length = 0;
});

/** An IPC call as Electron delivers it: the sender's WebContents and frame. */
function invoke(method: string, args: unknown, from: { sender?: unknown; url?: string; parent?: unknown } = {}) {
  const handler = ipcHandlers.get(channelOf(method as never));
  if (!handler) throw new Error(`no handler for ${method}`);
  const frame = { url: from.url ?? `${trusted.fileUrl}#/`, parent: from.parent ?? null };
  return handler({ sender: from.sender ?? window.webContents, senderFrame: frame }, args);
}

describe('registerIpc', () => {
  it('handles every method of the contract', () => {
    for (const method of API_METHODS) expect(ipcHandlers.has(channelOf(method))).toBe(true);
  });

  it('answers our renderer with {ok: true, value}', async () => {
    const answer = await invoke('overview', undefined);
    expect(answer.ok).toBe(true);
    expect(answer.value.sources.map((s: { id: string }) => s.id).sort()).toEqual(['orders-db', 'orders-dumps']);
  });

  it.each([
    ['another page in the window', { url: 'https://evil.example/' }],
    ['another file', { url: 'file:///tmp/evil.html' }],
    ['a file next to ours', { url: trusted.fileUrl.replace('index.html', 'other.html') }],
    ['an iframe of our page', { parent: { url: trusted.fileUrl } }],
    ['another window', { sender: new FakeWebContents() }],
  ])('refuses %s with forbidden', async (_what, from) => {
    for (const method of ['overview', 'pollNow', 'saveSource'] as const) {
      expect(await invoke(method, { id: 'orders-dumps' }, from)).toEqual({ ok: false, error: { code: 'forbidden', message: 'this page may not call Backup Health' } });
    }
  });

  it('refuses a frame that is gone', async () => {
    const handler = ipcHandlers.get(channelOf('overview'))!;
    expect(await handler({ sender: window.webContents, senderFrame: null }, undefined)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
  });

  it('failures are values with a code and a message, without a stack', async () => {
    expect(await invoke('source', { id: 'nope', range: '7d' })).toEqual({ ok: false, error: { code: 'no-such-source', message: 'no source "nope" in the config' } });
    const drill = await invoke('runDrill', { id: 'orders-db' });
    expect(drill).toMatchObject({ ok: false, error: { code: 'drill-request' } });
    expect(drill.error.message).toMatch(/orders-db is a postgres source, which holds no backups to restore/);
    const broken = await invoke('source', null);
    expect(broken).toMatchObject({ ok: false, error: { code: 'internal' } });
    expect(Object.keys(broken.error).sort()).toEqual(['code', 'message']);
    expect(broken.error.message).not.toMatch(/\n\s+at /);
  });

  it('apiErrorValue never passes on a stack, even for odd throws', () => {
    const err = new Error('boom');
    expect(apiErrorValue(err)).toEqual({ code: 'internal', message: 'boom' });
    expect(apiErrorValue('plain string')).toEqual({ code: 'internal', message: 'plain string' });
  });

  it('forwards events to the window on one channel', async () => {
    const answer = await invoke('pollNow', { id: 'orders-dumps' });
    expect(answer).toMatchObject({ ok: true, value: [{ id: 'orders-dumps', status: 'ok' }] });
    const sent = window.webContents.sent.filter((m) => m.channel === EVENT_CHANNEL).map((m) => (m.args[0] as { type: string }).type);
    expect(sent).toContain('poll');
    expect(sent).toContain('status');
    expect(new Set(window.webContents.sent.map((m) => m.channel))).toEqual(new Set([EVENT_CHANNEL]));
  });

  it('sends nothing to a destroyed window, and refuses its calls', async () => {
    window.destroyed = true;
    try {
      await api.pollNow({ id: 'orders-dumps' });
      expect(window.webContents.sent).toEqual([]);
      expect(await invoke('overview', undefined)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    } finally {
      window.destroyed = false;
    }
  });
});
