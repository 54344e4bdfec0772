// window.backupHealth: every method of the contract (and the desktop calls) over its IPC channel, ApiResponse unwrapped ({ok:false}
// becomes a thrown Error with the message to show), events through subscribe; nothing else exposed.
import { describe, expect, it, vi } from 'vitest';
import { API_METHODS, DESKTOP_METHODS, type ApiEvent, type BackupHealthBridge } from '../../shared/api';
import { EVENT_CHANNEL, channelOf } from '../../electron/preload/channels';

vi.mock('electron', async () => (await import('./fake-electron')).electron);
const { electron } = await import('./fake-electron');
await import('../../electron/preload/index');
const bridge = electron.contextBridge.exposed.get('backupHealth') as BackupHealthBridge;

describe('the preload', () => {
  it('exposes one object, backupHealth: the API methods and subscribe, nothing else', () => {
    expect([...electron.contextBridge.exposed.keys()]).toEqual(['backupHealth']);
    expect(Object.keys(bridge).sort()).toEqual([...API_METHODS, ...DESKTOP_METHODS, 'subscribe'].sort());
    expect(Object.values(bridge).every((v) => typeof v === 'function')).toBe(true);
  });

  it('calls the method on its channel and returns the value', async () => {
    electron.ipcRenderer.invoke.mockResolvedValueOnce({ ok: true, value: [{ id: 'orders-dumps' }] });
    expect(await bridge.pollNow({ id: 'orders-dumps' })).toEqual([{ id: 'orders-dumps' }]);
    expect(electron.ipcRenderer.invoke).toHaveBeenLastCalledWith(channelOf('pollNow'), { id: 'orders-dumps' });
  });

  it('{ok:false} becomes a thrown Error carrying the message (and the code, on this side of the bridge)', async () => {
    electron.ipcRenderer.invoke.mockResolvedValueOnce({ ok: false, error: { code: 'no-such-source', message: 'no source "x" in the config' } });
    const error = await bridge.source({ id: 'x', range: '7d' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ message: 'no source "x" in the config', code: 'no-such-source' });
  });

  it('subscribe passes on the events only (never the IPC event), until unsubscribed', () => {
    const seen: ApiEvent[] = [];
    const unsubscribe = bridge.subscribe((event) => seen.push(event));
    const sender = { sender: 'the IpcRendererEvent' };
    electron.ipcRenderer.emit(EVENT_CHANNEL, sender, { type: 'config' });
    unsubscribe();
    electron.ipcRenderer.emit(EVENT_CHANNEL, sender, { type: 'config' });
    expect(seen).toEqual([{ type: 'config' }]);
    expect(electron.ipcRenderer.listenerCount(EVENT_CHANNEL)).toBe(0);
  });
});
