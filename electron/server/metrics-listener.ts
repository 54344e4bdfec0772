// `serve --metrics-listen ADDR:PORT`: a second listener that answers only GET /metrics, for a Prometheus on another
// machine. The dashboard listener binds 127.0.0.1 and refuses foreign Host headers (DNS rebinding); this one
// serves nothing a page could use, so it takes any Host, and the bearer token guards it instead (required unless
// ADDR is a loopback address, where only this machine's users reach it).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { BlockList, isIPv4, isIPv6, type AddressInfo } from 'node:net';
import { answerMetrics, METRICS_PATH, type MetricsEndpoint } from './metrics-endpoint';
import { sendText } from './responses';
import { setSecurityHeaders } from './security-headers';

export interface ListenAddress {
  /** An IP address (IPv6 without brackets). */
  host: string;
  port: number;
}

/** `127.0.0.1:9187`, `[::1]:9187`, `0.0.0.0:9187`, `localhost:9187`; an error message naming what is wrong otherwise. */
export function parseListenAddress(text: string): ListenAddress | { error: string } {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text);
  const expected = 'ADDR:PORT with an IP address, e.g. 127.0.0.1:9187, 0.0.0.0:9187 or [::1]:9187';
  if (!match) return { error: `"${text}" is not ${expected}` };
  const [, v6, other, portText] = match;
  const port = Number(portText);
  if (port > 65_535) return { error: `"${text}": ${portText} is not a port number (1-65535, or 0 for a free one)` };
  if (v6 !== undefined) return isIPv6(v6) ? { host: v6, port } : { error: `"${text}": ${v6} is not an IPv6 address` };
  // A host name would leave "is this loopback?" to whatever it resolves to on the day: only localhost is taken.
  if (other === 'localhost') return { host: '127.0.0.1', port };
  return isIPv4(other!) ? { host: other!, port } : { error: `"${text}" is not ${expected} (a host name other than localhost is not taken)` };
}

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/** 127.0.0.0/8 and ::1 (IPv4-mapped 127.x too): reachable from this machine only. 0.0.0.0 and :: are not. */
export function isLoopback(host: string): boolean {
  if (isIPv4(host)) return LOOPBACK.check(host, 'ipv4');
  return isIPv6(host) && LOOPBACK.check(host, 'ipv6');
}

export interface MetricsListenerOptions extends ListenAddress {
  endpoint: MetricsEndpoint;
  onInternalError?: (method: string, err: unknown) => void;
}

export interface RunningMetricsListener {
  host: string;
  port: number;
  /** http://ADDR:PORT/metrics, IPv6 in brackets. */
  url: string;
  close(graceMs?: number): Promise<void>;
}

const CLOSE_GRACE_MS = 5_000;

export async function startMetricsListener(options: MetricsListenerOptions): Promise<RunningMetricsListener> {
  const onInternalError = options.onInternalError ?? (() => {});
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    setSecurityHeaders(res);
    const target = req.url ?? '/';
    const q = target.indexOf('?');
    const path = q === -1 ? target : target.slice(0, q);
    if (path !== METRICS_PATH) return sendText(res, 404, 'Not found: this listener serves only /metrics.');
    answerMetrics(req, res, options.endpoint);
  };
  let stopping = false;
  const server = createServer((req, res) => {
    if (stopping) res.setHeader('Connection', 'close');
    try {
      handle(req, res);
    } catch (err) {
      onInternalError(`${req.method} ${(req.url ?? '').split('?')[0]}`, err);
      if (!res.headersSent) sendText(res, 500, 'Internal error.');
      else res.destroy();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  const close = (graceMs = CLOSE_GRACE_MS): Promise<void> => {
    stopping = true;
    closing ??= new Promise<void>((resolve) => {
      const cut = setTimeout(() => server.closeAllConnections(), graceMs);
      server.close(() => {
        clearTimeout(cut);
        resolve();
      });
      server.closeIdleConnections();
    });
    return closing;
  };
  const shownHost = isIPv6(options.host) ? `[${options.host}]` : options.host;
  return { host: options.host, port, url: `http://${shownHost}:${port}${METRICS_PATH}`, close };
}
