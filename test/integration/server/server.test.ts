// `serve`'s HTTP side against a real server over real HTTP, with a real Engine and ApiService on a temp config:
// the token becomes a cookie, nothing answers without it or to a foreign Host or Origin, the API answers in
// ApiResponse values, events stream, and no file outside the renderer is ever served.
import { createConnection } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Overview, SourceDetail } from '../../../shared/api';
import { OUTSIDE_SECRET, call, openEventStream, raw, startFixture, type Fixture } from './fixture';

let f: Fixture;
let port: number;

beforeAll(async () => {
  f = await startFixture(
    (dumps) => `defaults:\n  timeout: 3s\nsources:\n  - id: nightly\n    kind: dump-dir\n    path: ${dumps}\n    settle: 0s\n    maxAge: 26h\n`,
  );
  port = f.server.port;
});
afterAll(() => f.close());

const json = (body: string) => JSON.parse(body) as { ok: boolean; value?: unknown; error?: { code: string; message: string } };

describe('the token', () => {
  it('is 256 random bits in the printed URL', () => {
    expect(f.server.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${port}/\\?token=[A-Za-z0-9_-]{43}$`));
  });

  it('in the URL sets an HttpOnly, SameSite=Strict cookie named for the port and redirects to the same page without it', async () => {
    const res = await raw(port, { path: `/?token=${f.server.token}` });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/');
    expect(res.headers['cache-control']).toBe('no-store');
    const cookie = res.headers['set-cookie']?.[0] ?? '';
    expect(cookie.split('; ')).toEqual([f.cookie, 'Path=/', 'HttpOnly', 'SameSite=Strict']);

    const other = await raw(port, { path: `/?view=compact&token=${f.server.token}` });
    expect(other.headers.location).toBe('/?view=compact');
    // the cookie then opens the API, as the page's fetch calls would send it
    const overview = await call(f, 'overview', undefined, { cookie: cookie.split(';')[0]! });
    expect(overview.status).toBe(200);
  });

  it('a wrong token in the URL sets nothing', async () => {
    const last = f.server.token.at(-1) === 'A' ? 'B' : 'A';
    const res = await raw(port, { path: `/?token=${f.server.token.slice(0, -1)}${last}` });
    expect(res.status).toBe(401);
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(res.body).toMatch(/printed/);
  });

  it('without it, the API and the event stream refuse every call', async () => {
    const cases: Record<string, string>[] = [
      {},
      { cookie: `backup-health-token-${port}=wrong` },
      { cookie: `backup-health-token-${port + 1}=${f.server.token}` }, // another port's cookie
      { authorization: `Bearer ${f.server.token}x` },
      { authorization: f.server.token },
    ];
    for (const headers of cases) {
      const res = await call(f, 'pollNow', {}, { cookie: '', ...headers });
      expect(res.status, JSON.stringify(headers)).toBe(401);
      expect(json(res.body)).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
      const events = await raw(port, { path: '/api/events', headers });
      expect(events.status).toBe(401);
    }
    expect(f.events.filter((e) => e.type === 'poll')).toEqual([]);
  });

  it('a script may send it as a bearer token', async () => {
    const res = await call(f, 'overview', undefined, { cookie: '', authorization: `Bearer ${f.server.token}` });
    expect(res.status).toBe(200);
    expect(json(res.body).ok).toBe(true);
  });
});

describe('foreign names and origins', () => {
  it('a Host other than 127.0.0.1:PORT or localhost:PORT is refused, token or not (DNS rebinding)', async () => {
    for (const host of ['evil.example', `evil.example:${port}`, `127.0.0.1:${port + 1}`, `127.0.0.1`, `localhost.evil.example:${port}`, `[::1]:${port}`]) {
      for (const path of ['/', '/api/overview', `/?token=${f.server.token}`]) {
        const res = await raw(port, { method: path.startsWith('/api') ? 'POST' : 'GET', path, headers: { host, cookie: f.cookie } });
        expect(res.status, `${host} ${path}`).toBe(403);
        expect(res.headers['content-type']).toMatch(/^text\/plain/);
        expect(res.headers['set-cookie']).toBeUndefined();
        expect(res.body.length).toBeLessThan(200);
      }
    }
    expect((await raw(port, { headers: { host: `localhost:${port}` } })).status).toBe(200);
    expect((await raw(port, { headers: { host: `LOCALHOST:${port}` } })).status).toBe(200);
  });

  it('a request from another origin is refused even with the cookie (CSRF), and the call does not run', async () => {
    const before = f.events.length;
    for (const origin of ['http://evil.example', 'null', `http://127.0.0.1:${port + 1}`, `https://127.0.0.1:${port}`, `http://localhost.evil.example:${port}`]) {
      const res = await call(f, 'pollNow', {}, { origin });
      expect(res.status, origin).toBe(403);
      expect(res.body).toMatch(/other sites/);
      expect((await raw(port, { path: '/api/events', headers: { origin, cookie: f.cookie } })).status).toBe(403);
    }
    expect(f.events.length).toBe(before);
    for (const origin of [`http://127.0.0.1:${port}`, `http://localhost:${port}`]) {
      expect((await call(f, 'overview', undefined, { origin })).status).toBe(200);
    }
  });

  it('a form-encoded or text/plain POST (what an HTML form can send) is refused', async () => {
    for (const type of ['application/x-www-form-urlencoded', 'text/plain', 'multipart/form-data; boundary=x']) {
      const res = await call(f, 'pollNow', {}, { 'content-type': type });
      expect(res.status).toBe(415);
    }
  });
});

describe('POST /api/<method>', () => {
  it('overview answers with the sources of the config', async () => {
    await call(f, 'pollNow', {});
    const res = await call(f, 'overview');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-store');
    const { ok, value } = json(res.body) as { ok: true; value: Overview };
    expect(ok).toBe(true);
    expect(value.configFile).toBe(f.configFile);
    expect(value.sources.map((s) => [s.id, s.status, s.newestBackup?.key.endsWith('nightly-2.sql')])).toEqual([['nightly', 'ok', true]]);
    expect(value.counts).toEqual({ ok: 1, warning: 0, critical: 0, unknown: 0 });
  });

  it('passes the arguments: source detail for an id and range', async () => {
    const res = await call(f, 'source', { id: 'nightly', range: '7d' });
    const { value } = json(res.body) as { value: SourceDetail };
    expect(value.summary.id).toBe('nightly');
    expect(value.range).toBe('7d');
    expect(value.backups.map((b) => b.key.split('/').pop())).toEqual(['nightly-1.sql', 'nightly-2.sql']);
  });

  it('errors are values with the code: no-such-source, drill-request, bad-range', async () => {
    const unknown = await call(f, 'source', { id: 'nope', range: '7d' });
    expect(unknown.status).toBe(400);
    expect(json(unknown.body)).toEqual({ ok: false, error: { code: 'no-such-source', message: 'no source "nope" in the config' } });
    expect(json((await call(f, 'runDrill', { id: 'nope' })).body).error?.code).toBe('no-such-source');
    expect(json((await call(f, 'source', { id: 'nightly', range: '2d' })).body).error?.code).toBe('bad-range');
    const drill = json((await call(f, 'runDrill', { id: 'nightly', backupKey: 'tuesday.sql' })).body);
    expect(drill).toMatchObject({ ok: false, error: { code: 'drill-request', message: expect.stringContaining('no backup "tuesday.sql"') } });
  });

  it('routes only the methods of the contract', async () => {
    for (const name of ['nope', 'subscribe', 'constructor', '__proto__', 'toString', 'hasOwnProperty', '', 'overview/x', 'OVERVIEW']) {
      const res = await call(f, name, {});
      expect(res.status, name).toBe(404);
      expect(json(res.body)).toMatchObject({ ok: false, error: { code: 'no-such-method' } });
    }
    const get = await raw(port, { path: '/api/overview', headers: { cookie: f.cookie } });
    expect(get.status).toBe(405);
    expect(get.headers.allow).toBe('POST');
  });

  it('a body that is not a JSON object, or too big, is a 400 or 413 value', async () => {
    const bad = await call(f, 'pollNow', undefined, {});
    expect(bad.status).toBe(200); // no body: no arguments
    for (const body of ['{"id":', '[1,2]', '"nightly"', 'null']) {
      const res = await raw(port, { method: 'POST', path: '/api/pollNow', headers: { cookie: f.cookie, 'content-type': 'application/json' }, body });
      expect(res.status, body).toBe(400);
      expect(json(res.body)).toMatchObject({ ok: false, error: { code: 'bad-request' } });
      expect(res.body).not.toMatch(/at JSON\.parse|\.ts:\d+/); // no stack
    }
    const big = JSON.stringify({ source: { id: 'x', note: 'x'.repeat(1024 * 1024) } });
    const framings: Record<string, string>[] = [{}, { 'transfer-encoding': 'chunked' }];
    for (const framing of framings) {
      const res = await raw(port, { method: 'POST', path: '/api/validateSource', headers: { cookie: f.cookie, 'content-type': 'application/json', ...framing }, body: big });
      expect(res.status).toBe(413);
      expect(json(res.body)).toMatchObject({ ok: false, error: { code: 'too-large' } });
    }
  });
});

describe('GET /api/events', () => {
  it('streams a poll event after pollNow, heartbeats, and lets go of the subscription on close', async () => {
    const stream = await openEventStream(port, { cookie: f.cookie });
    expect(stream.status).toBe(200);
    expect(stream.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(stream.headers['cache-control']).toBe('no-store');
    expect(f.subscriptions()).toBe(1);
    await call(f, 'pollNow', { id: 'nightly' });
    const event = await stream.next((e) => e.type === 'poll');
    expect(event).toMatchObject({ type: 'poll', summary: { id: 'nightly', status: 'ok' } });
    await stream.until((text) => text.includes(': heartbeat\n\n'));
    stream.close();
    await expect.poll(() => f.subscriptions()).toBe(0);
  });
});

describe('static files', () => {
  it('serves index.html for / and assets with their content types, and security headers everywhere', async () => {
    const index = await raw(port);
    expect(index.status).toBe(200);
    expect(index.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(index.body).toContain('<title>Backup Health</title>');
    expect((await raw(port, { path: '/index.html' })).body).toBe(index.body);
    expect((await raw(port, { path: '/assets/app.js' })).headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect((await raw(port, { path: '/assets/app.css' })).headers['content-type']).toBe('text/css; charset=utf-8');
    const head = await raw(port, { method: 'HEAD', path: '/assets/app.js' });
    expect([head.status, head.body, head.headers['content-length']]).toEqual([200, '', '26']);

    for (const res of [index, await call(f, 'overview'), await raw(port, { headers: { host: 'evil.example' } }), await raw(port, { path: '/nope.js' })]) {
      expect(res.headers['content-security-policy']).toBe(
        "default-src 'self'; script-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
      );
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      expect(res.headers['x-frame-options']).toBe('DENY');
    }
  });

  it('lists no directory and serves nothing that is not there', async () => {
    for (const path of ['/assets', '/assets/', '/nope.js', '/api-docs']) {
      const res = await raw(port, { path });
      expect(res.status, path).toBe(404);
    }
    expect((await raw(port, { method: 'POST', path: '/' })).status).toBe(405);
  });

  it('never leaves the renderer directory, however the path is spelled', async () => {
    const paths = [
      '/../package.json',
      '/../outside.txt',
      '/assets/../../outside.txt',
      '/%2e%2e/outside.txt',
      '/%2E%2E/outside.txt',
      '/..%2foutside.txt',
      '/%2e%2e%2foutside.txt',
      '/assets/%2e%2e%2f%2e%2e%2foutside.txt',
      '/..%5coutside.txt',
      '/..\\outside.txt',
      '/%252e%252e/outside.txt',
      '/../renderer-private/secret.txt',
      '/%2e%2e/renderer-private/secret.txt',
      '//../outside.txt',
      '/link.txt', // a symbolic link inside, pointing out
      '/.env', // hidden files
      '/%2eenv',
      '/%00/../outside.txt',
      '/%c0%ae%c0%ae/outside.txt', // overlong UTF-8
      '/%E0%A4%A/outside.txt', // malformed escape
    ];
    for (const path of paths) {
      const res = await raw(port, { path });
      expect([400, 404], path).toContain(res.status);
      expect(res.body, path).not.toContain(OUTSIDE_SECRET);
      expect(res.body, path).not.toContain('"name": "backup-health"');
    }
  });

  it('a token URL never redirects off the server', async () => {
    for (const path of [`//evil.example/?token=${f.server.token}`, `/\\evil.example/?token=${f.server.token}`]) {
      const res = await raw(port, { path });
      expect(res.status).toBe(303);
      expect(res.headers.location).toMatch(/^\/[^/\\]/);
    }
  });
});

describe('a renderer that is not built', () => {
  it('explains how to build it on /, while the API works', async () => {
    const bare = await startFixture((dumps) => `sources:\n  - id: nightly\n    kind: dump-dir\n    path: ${dumps}\n`, { staticDir: '/nonexistent/renderer' });
    try {
      const res = await raw(bare.server.port);
      expect(res.status).toBe(503);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.body).toContain('npm run build');
      expect((await call(bare, 'overview')).status).toBe(200);
    } finally {
      await bare.close();
    }
  });
});

describe('close', () => {
  it('ends the event streams, refuses new connections, and lets a call under way answer first', async () => {
    // A probe that says when it has started and ends only when the test lets it: the call is under way, for
    // certain, when the server is told to stop.
    let started!: () => void;
    const probeStarted = new Promise<void>((resolve) => (started = resolve));
    let finish!: () => void;
    const probeMayFinish = new Promise<void>((resolve) => (finish = resolve));
    const slowProbe = {
      kind: 'dump-dir' as const,
      observe: async (): Promise<never> => {
        started();
        await probeMayFinish;
        throw new Error('slow probe done');
      },
    };
    const g = await startFixture((dumps) => `sources:\n  - id: nightly\n    kind: dump-dir\n    path: ${dumps}\n`, {}, { probeFor: () => slowProbe });
    const stream = await openEventStream(g.server.port, { cookie: g.cookie });
    const underWay = call(g, 'pollNow', { id: 'nightly' });
    await probeStarted;
    const closed = g.server.close();
    finish();
    await stream.ended;
    expect(await connects(g.server.port)).toBe(false);
    const answer = json((await underWay).body) as { ok: true; value: { id: string; findings: { message: string }[] }[] };
    expect(answer.ok).toBe(true);
    expect(answer.value[0]!.findings[0]!.message).toContain('slow probe done');
    await closed;
    await g.close();
  });
});

function connects(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
