// A real `serve` server for the tests: a real Engine and ApiService on a temp config and history, a fake built
// renderer, and plain HTTP helpers (node:http, so a test can send any path, Host or Origin it likes, unlike fetch).
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { API_METHODS, type ApiEvent, type BackupHealthBridge } from '../../../shared/api';
import { ApiService } from '../../../electron/engine/api-service';
import { loadConfig } from '../../../electron/engine/config';
import { Engine, type EngineOptions } from '../../../electron/engine/engine';
import { History } from '../../../electron/engine/store/history';
import { startServer, type RunningServer, type ServerOptions } from '../../../electron/server/server';
import { writePlainDump as writeDump } from '../../support/plain-dump';

export { writeDump };

const HOUR = 3_600_000;


/** Text that must never be served: it sits beside the renderer directory, and a link inside it points here. */
export const OUTSIDE_SECRET = 'outside-the-renderer-9f1c2e';

/** A built renderer as vite leaves it, with a sibling directory whose name starts the same and a link out. */
export function writeRenderer(root: string): string {
  const dir = join(root, 'renderer');
  mkdirSync(join(dir, 'assets'), { recursive: true });
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Backup Health</title><script type="module" src="./assets/app.js"></script>');
  writeFileSync(join(dir, 'assets', 'app.js'), 'console.log("dashboard");\n');
  writeFileSync(join(dir, 'assets', 'app.css'), 'body { margin: 0 }\n');
  writeFileSync(join(dir, '.env'), OUTSIDE_SECRET);
  writeFileSync(join(root, 'outside.txt'), OUTSIDE_SECRET);
  mkdirSync(join(root, 'renderer-private'), { recursive: true });
  writeFileSync(join(root, 'renderer-private', 'secret.txt'), OUTSIDE_SECRET);
  symlinkSync(join(root, 'outside.txt'), join(dir, 'link.txt'));
  return dir;
}

export interface Fixture {
  root: string;
  dumps: string;
  configFile: string;
  server: RunningServer;
  engine: Engine;
  /** Event subscriptions the server holds on the API right now (one per open event stream). */
  subscriptions(): number;
  /** Every ApiEvent the API emitted. */
  events: ApiEvent[];
  /** `Cookie: ...` as the browser sends it after opening the printed URL. */
  cookie: string;
  close(): Promise<void>;
}

export async function startFixture(
  configText: (dumps: string) => string,
  options: Partial<ServerOptions> = {},
  engineOptions: Pick<EngineOptions, 'probeFor'> = {},
): Promise<Fixture> {
  const root = mkdtempSync(join(tmpdir(), 'backup-health-serve-test-'));
  const dumps = join(root, 'dumps');
  mkdirSync(dumps);
  writeDump(dumps, 'nightly-1.sql', 26 * HOUR);
  writeDump(dumps, 'nightly-2.sql', 2 * HOUR);
  const configFile = join(root, 'config.yml');
  writeFileSync(configFile, configText(dumps));
  const loaded = loadConfig(configFile);
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
  const store = History.open(join(root, 'data', 'history.sqlite'));
  const engine = new Engine({ config: loaded.config, store, ...engineOptions });
  const service = new ApiService({ engine, store, configFile });
  const events: ApiEvent[] = [];
  service.subscribe((event) => events.push(event));
  // The service's own methods, with subscribe counted, so a test can see the server let go of a stream.
  let subscriptions = 0;
  const api = {
    ...Object.fromEntries(API_METHODS.map((method) => [method, service[method].bind(service)])),
    subscribe(listener: (event: ApiEvent) => void) {
      subscriptions++;
      const unsubscribe = service.subscribe(listener);
      return () => {
        subscriptions--;
        unsubscribe();
      };
    },
  } as BackupHealthBridge;
  const server = await startServer({ api, staticDir: writeRenderer(root), heartbeatMs: 100, ...options });
  return {
    root,
    dumps,
    configFile,
    server,
    engine,
    subscriptions: () => subscriptions,
    events,
    cookie: `backup-health-token-${server.port}=${server.token}`,
    async close() {
      await server.close(1000);
      engine.stop();
      store.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface RawRequest {
  method?: string;
  /** Sent as it is: no normalisation of `..` or percent-encoding. */
  path?: string;
  headers?: Record<string, string>;
  body?: string;
}

/** One request to 127.0.0.1:port, Host 127.0.0.1:port unless `headers.host` says otherwise. */
export function raw(port: number, { method = 'GET', path = '/', headers = {}, body }: RawRequest = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers: { host: `127.0.0.1:${port}`, ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** POST /api/<method> with a JSON body and the browser's cookie (unless headers replace it). */
export function call(fixture: Fixture, method: string, args?: unknown, headers: Record<string, string> = {}): Promise<RawResponse> {
  return raw(fixture.server.port, {
    method: 'POST',
    path: `/api/${method}`,
    headers: { cookie: fixture.cookie, 'content-type': 'application/json', ...headers },
    body: args === undefined ? undefined : JSON.stringify(args),
  });
}

export interface EventStream {
  status: number;
  headers: IncomingHttpHeaders;
  /** Everything received so far, as sent. */
  text(): string;
  events(): ApiEvent[];
  /** Resolves with the first event (already received or still to come) that matches. */
  next(match: (event: ApiEvent) => boolean, timeoutMs?: number): Promise<ApiEvent>;
  /** Resolves once the received text matches. */
  until(match: (text: string) => boolean, timeoutMs?: number): Promise<void>;
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  close(): void;
}

/** GET /api/events, read as EventSource would: `data:` lines are events, `:` lines are comments. */
export function openEventStream(port: number, headers: Record<string, string>): Promise<EventStream> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path: '/api/events', headers: { host: `127.0.0.1:${port}`, accept: 'text/event-stream', ...headers } }, (res) => {
      let text = '';
      const waiters = new Set<() => void>();
      let ended!: () => void;
      const endedPromise = new Promise<void>((r) => (ended = r));
      res.setEncoding('utf8').on('data', (chunk: string) => {
        text += chunk;
        for (const waiter of [...waiters]) waiter();
      });
      res.on('end', ended);
      res.on('close', ended);
      const events = () =>
        text
          .split('\n')
          .filter((line) => line.startsWith('data: '))
          .map((line) => JSON.parse(line.slice('data: '.length)) as ApiEvent);
      const waitFor = <T>(found: () => T | undefined, timeoutMs: number, what: string) =>
        new Promise<T>((done, fail) => {
          const check = () => {
            const value = found();
            if (value === undefined) return;
            waiters.delete(check);
            clearTimeout(timer);
            done(value);
          };
          const timer = setTimeout(() => {
            waiters.delete(check);
            fail(new Error(`no ${what} within ${timeoutMs} ms; received:\n${text}`));
          }, timeoutMs);
          waiters.add(check);
          check();
        });
      resolve({
        status: res.statusCode ?? 0,
        headers: res.headers,
        text: () => text,
        events,
        next: (match, timeoutMs = 5000) => waitFor(() => events().find(match), timeoutMs, 'matching event'),
        until: (match, timeoutMs = 5000) => waitFor(() => (match(text) ? true : undefined), timeoutMs, 'matching text').then(() => undefined),
        ended: endedPromise,
        close: () => req.destroy(),
      });
    });
    req.on('error', reject);
    req.end();
  });
}
