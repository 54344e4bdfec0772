// GET /metrics, as both of serve's listeners answer it: the bearer token of --metrics-token (never a cookie, never
// a token in the URL: URLs end up in logs and in Prometheus' own target list), then the exposition built anew.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sameToken } from './auth';
import { EXPOSITION_CONTENT_TYPE } from './metrics-format';
import { sendText } from './responses';

export interface MetricsEndpoint {
  /** The token scrapes must send as `Authorization: Bearer <token>`; null: none (only a loopback metrics listener). */
  token: string | null;
  /** The exposition text, built for each scrape. */
  scrape(): string;
}

export const METRICS_PATH = '/metrics';

const UNAUTHORIZED = 'Unauthorized: send the --metrics-token as Authorization: Bearer <token> (a token in the URL is not accepted).';

export function answerMetrics(req: IncomingMessage, res: ServerResponse, endpoint: MetricsEndpoint): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') return sendText(res, 405, 'Method not allowed: scrape /metrics with GET.', { Allow: 'GET, HEAD' });
  if (endpoint.token !== null && !bearerMatches(req.headers.authorization, endpoint.token)) {
    return sendText(res, 401, UNAUTHORIZED, { 'WWW-Authenticate': 'Bearer realm="backup-health metrics"' });
  }
  // Encoded once: with 1,000 sources the text is over half a megabyte.
  const body = Buffer.from(endpoint.scrape(), 'utf8');
  res.writeHead(200, { 'Content-Type': EXPOSITION_CONTENT_TYPE, 'Content-Length': body.length, 'Cache-Control': 'no-store' });
  res.end(req.method === 'HEAD' ? undefined : body);
}

function bearerMatches(authorization: string | undefined, token: string): boolean {
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  return bearer !== null && sameToken(bearer[1]!, token);
}
