// The browser's client (renderer/api/http.ts) against the real server: calls unwrap ApiResponse values, errors
// arrive as ApiCallError with the server's code, and events reach every subscriber through one stream. Node
// has neither a cookie jar nor EventSource: the stubs below send the cookie the browser would hold.
import { request } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ApiEvent } from '../../../shared/api';
import { ApiCallError, createHttpBridge } from '../../../renderer/api/http';
import { startFixture, type Fixture } from './fixture';

let f: Fixture;
let cookie: string;

/** Just enough of EventSource: GET with the cookie, `data:` lines to onmessage. */
class CookieEventSource {
  static opened = 0;
  onmessage: ((message: MessageEvent<string>) => void) | null = null;
  private readonly req;
  constructor(url: string) {
    CookieEventSource.opened++;
    this.req = request(url, { headers: { cookie, accept: 'text/event-stream' } }, (res) => {
      let buffer = '';
      res.setEncoding('utf8').on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) !== -1) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = block.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6));
          if (data.length) this.onmessage?.({ data: data.join('\n') } as MessageEvent<string>);
        }
      });
    });
    this.req.on('error', () => {});
    this.req.end();
  }
  close(): void {
    this.req.destroy();
  }
}

beforeAll(async () => {
  f = await startFixture((dumps) => `sources:\n  - id: nightly\n    kind: dump-dir\n    path: ${dumps}\n    settle: 0s\n`);
  cookie = f.cookie;
  const realFetch = globalThis.fetch;
  vi.stubGlobal('fetch', (url: string, init: RequestInit) => realFetch(url, { ...init, headers: { ...(init.headers as Record<string, string>), cookie } }));
  vi.stubGlobal('EventSource', CookieEventSource);
});
afterEach(() => {
  cookie = f.cookie;
});
afterAll(async () => {
  vi.unstubAllGlobals();
  await f.close();
});

describe('createHttpBridge', () => {
  it('calls every method over POST and unwraps the value', async () => {
    const bridge = createHttpBridge(f.server.origin);
    const [polled] = await bridge.pollNow({ id: 'nightly' });
    expect(polled).toMatchObject({ id: 'nightly', status: 'ok' });
    const overview = await bridge.overview();
    expect(overview.sources.map((s) => s.id)).toEqual(['nightly']);
    expect((await bridge.source({ id: 'nightly', range: '30d' })).range).toBe('30d');
    expect((await bridge.settings()).configFile).toBe(f.configFile);
    expect(await bridge.validateSource({ source: { id: 'x', kind: 'dump-dir' } })).toMatchObject({ ok: false, problems: [{ path: 'path' }] });
  });

  it('throws ApiCallError with the code and message the server sent', async () => {
    const bridge = createHttpBridge(`${f.server.origin}/`);
    const error = await bridge.source({ id: 'nope', range: '7d' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiCallError);
    expect(error).toMatchObject({ code: 'no-such-source', message: 'no source "nope" in the config' });
    cookie = '';
    await expect(bridge.overview()).rejects.toMatchObject({ code: 'unauthorized', message: expect.stringContaining('printed') });
  });

  it('says so when the server is not there', async () => {
    const bridge = createHttpBridge('http://127.0.0.1:9');
    await expect(bridge.overview()).rejects.toMatchObject({ code: 'unreachable' });
  });

  it('shares one event stream between subscribers and closes it when the last one leaves', async () => {
    const bridge = createHttpBridge(f.server.origin);
    const opened = CookieEventSource.opened;
    const first: ApiEvent[] = [];
    const second: ApiEvent[] = [];
    const stopFirst = bridge.subscribe((e) => first.push(e));
    const stopSecond = bridge.subscribe((e) => {
      second.push(e);
      throw new Error('a broken listener');
    });
    expect(CookieEventSource.opened).toBe(opened + 1);
    await expect.poll(() => f.subscriptions()).toBe(1);
    await bridge.pollNow({ id: 'nightly' });
    await expect.poll(() => first.some((e) => e.type === 'poll')).toBe(true);
    expect(second.filter((e) => e.type === 'poll')).toHaveLength(first.filter((e) => e.type === 'poll').length);
    stopFirst();
    stopSecond();
    await expect.poll(() => f.subscriptions()).toBe(0);
  });
});
