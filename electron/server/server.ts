// The dashboard API over HTTP for `backup-health serve`: `POST /api/<method>`, `GET /api/events` (SSE) and the
// built renderer, on 127.0.0.1 only. The token printed in the URL becomes an HttpOnly cookie on first use, so
// the page's fetch and EventSource calls carry it without any script ever seeing it. With a metrics token,
// GET /metrics answers Prometheus too (metrics-endpoint.ts), behind that token only.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BackupHealthBridge } from '../../shared/api';
import { handleApiCall } from './api-routes';
import { isAuthorized, isOwnHost, isOwnOrigin, newToken, sameToken, tokenCookie } from './auth';
import { EventStreams, HEARTBEAT_MS } from './event-stream';
import { answerMetrics, METRICS_PATH, type MetricsEndpoint } from './metrics-endpoint';
import { failure, sendJson, sendText } from './responses';
import { setSecurityHeaders } from './security-headers';
import { serveStatic } from './static-files';

export interface ServerOptions {
  /** The API and its events (an ApiService). */
  api: BackupHealthBridge;
  /** The built renderer: index.html and its assets. */
  staticDir: string;
  /** 0 (the default) lets the system pick a free port. */
  port?: number;
  /** Tests only: a known token instead of a random one. */
  token?: string;
  heartbeatMs?: number;
  /** A call failed for a reason that is a bug, not a user's mistake: for the log (the client only gets the message). */
  onInternalError?: (method: string, err: unknown) => void;
  /** GET /metrics for Prometheus, behind its own token (serve --metrics-token); absent: /metrics is 404. */
  metrics?: MetricsEndpoint & { token: string };
}

export interface RunningServer {
  port: number;
  /** http://127.0.0.1:PORT */
  origin: string;
  /** The URL to open: http://127.0.0.1:PORT/?token=TOKEN */
  url: string;
  token: string;
  /**
   * Stops accepting connections and ends the event streams at once; resolves when the calls under way have
   * answered, or after `graceMs`, when their connections are cut.
   */
  close(graceMs?: number): Promise<void>;
}

const CLOSE_GRACE_MS = 5_000;

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const token = options.token ?? newToken();
  const streams = new EventStreams((listener) => options.api.subscribe(listener), options.heartbeatMs ?? HEARTBEAT_MS);
  const onInternalError = options.onInternalError ?? (() => {});
  let port = 0;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    setSecurityHeaders(res);
    // DNS rebinding: a foreign name resolving to 127.0.0.1 still says its own name in Host.
    if (!isOwnHost(req.headers.host, port)) return sendText(res, 403, `Forbidden: this server only answers to 127.0.0.1:${port} and localhost:${port}.`);
    if (!isOwnOrigin(req.headers.origin, port)) return sendText(res, 403, 'Forbidden: requests from other sites are refused.');
    // Split by hand: `new URL('//elsewhere/x', base)` would read a host out of the path.
    const target = req.url ?? '/';
    const q = target.indexOf('?');
    const path = q === -1 ? target : target.slice(0, q);
    const query = new URLSearchParams(q === -1 ? '' : target.slice(q + 1));
    if (!path.startsWith('/')) return sendText(res, 400, 'Bad request.');

    if (path === METRICS_PATH) {
      if (!options.metrics) return sendText(res, 404, 'Not found: /metrics is off; start backup-health serve with --metrics-token-file FILE (or --metrics-token TOKEN) to serve it.');
      return answerMetrics(req, res, options.metrics);
    }

    if (path === '/api' || path.startsWith('/api/')) {
      if (!isAuthorized(req.headers, port, token)) {
        return sendJson(res, 401, failure('unauthorized', 'open the URL that `backup-health serve` printed (it carries the token), or send Authorization: Bearer <token>'));
      }
      const name = path.slice('/api/'.length);
      if (name === 'events') {
        if (req.method !== 'GET') return sendJson(res, 405, failure('method-not-allowed', 'open the event stream with GET'), { Allow: 'GET' });
        return streams.accept(req, res);
      }
      return handleApiCall(options.api, name, req, res, onInternalError);
    }

    if (req.method !== 'GET' && req.method !== 'HEAD') return sendText(res, 405, 'Method not allowed.', { Allow: 'GET, HEAD' });
    const given = query.get('token');
    if (given !== null) {
      if (!sameToken(given, token)) {
        return sendText(res, 401, 'This link\'s token is not this server\'s. Open the URL that `backup-health serve` printed when it started.');
      }
      // Swap the token in the address bar (and the history) for a cookie, then show the same page without it.
      query.delete('token');
      const rest = query.toString();
      const location = `/${path.replace(/^[/\\]+/, '')}${rest ? `?${rest}` : ''}`;
      return sendText(res, 303, 'Signed in; continue to the dashboard.', { Location: location, 'Set-Cookie': tokenCookie(port, token) });
    }
    return serveStatic(options.staticDir, path, res, req.method === 'HEAD');
  };

  // Responses not yet sent, so a close can ask for their connections to end with them (no keep-alive wait).
  const unanswered = new Set<ServerResponse>();
  let stopping = false;
  const server: Server = createServer((req, res) => {
    if (stopping) res.setHeader('Connection', 'close');
    unanswered.add(res);
    res.on('close', () => unanswered.delete(res));
    handle(req, res).catch((err: unknown) => {
      onInternalError(`${req.method} ${(req.url ?? '').split('?')[0]}`, err); // never the query: it may hold the token
      if (!res.headersSent) sendText(res, 500, 'Internal error.');
      else res.destroy();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  const origin = `http://127.0.0.1:${port}`;

  let closing: Promise<void> | undefined;
  const close = (graceMs = CLOSE_GRACE_MS): Promise<void> => {
    stopping = true;
    for (const res of unanswered) if (!res.headersSent) res.setHeader('Connection', 'close');
    closing ??= new Promise<void>((resolve) => {
      const cut = setTimeout(() => server.closeAllConnections(), graceMs);
      server.close(() => {
        clearTimeout(cut);
        resolve();
      });
      streams.endAll();
      server.closeIdleConnections();
    });
    return closing;
  };

  return { port, origin, url: `${origin}/?token=${token}`, token, close };
}
