// One process's engine and alerts on a history file, as serve and the desktop app run them, for the alert
// integration tests: a real Engine and History, the delivery log and (when asked) the sender lease in the same
// file, and a webhook receiver on 127.0.0.1 that keeps every body it was sent.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AlertService } from '../../../electron/engine/alerts/alert-service';
import { AlertDispatcher } from '../../../electron/engine/alerts/dispatcher';
import { Heartbeat } from '../../../electron/engine/alerts/heartbeat';
import { Engine } from '../../../electron/engine/engine';
import { AlertLease, leaseHolder } from '../../../electron/engine/store/alert-lease';
import { DeliveryTable } from '../../../electron/engine/store/deliveries';
import { History } from '../../../electron/engine/store/history';
import { validateConfig, type Config } from '../../../shared/config';

export function configOf(raw: unknown): Config {
  const parsed = validateConfig(raw);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.config as Config;
}

/** A receiver on 127.0.0.1: alerts are JSON; a heartbeat ping's (under /ping/) body is its one-line summary; /hang never answers. */
export class Receiver {
  readonly bodies: { path: string; body: Record<string, unknown> }[] = [];
  private server: Server | undefined;
  base = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        this.bodies.push({ path: req.url!, body: req.url!.startsWith('/ping/') ? { line: text } : JSON.parse(text) });
        if (req.url!.startsWith('/hang')) return;
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** The bodies sent to `path`. */
  at(path: string): Record<string, unknown>[] {
    return this.bodies.filter((b) => b.path === path).map((b) => b.body);
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

export interface Running {
  engine: Engine;
  service: AlertService;
  log: DeliveryTable;
  close(): Promise<void>;
}

export interface RunningOptions {
  /** Waits before each attempt (default: one attempt). */
  retryDelays?: number[];
  /** Ping alerts.heartbeat after each round. */
  heartbeat?: boolean;
  /** Send only while holding the sender lease, as this program ("serve", "the desktop app"). */
  program?: string;
  /** How long the lease lasts unless renewed (default LEASE_MS). */
  leaseMs?: number;
  /** The clock of the engine and the alerts (default Date.now). */
  now?: () => number;
  onRound?: () => void;
}

/**
 * One process's engine and alerts on the history `file`, as serve runs them: one attempt per alert unless
 * `retryDelays` says more; with `heartbeat`, its pings; with `program`, only while it holds the sender lease.
 * The engine is not started: the tests poll it (pollRound).
 */
export function running(file: string, config: Config, opts: RunningOptions = {}): Running {
  const store = History.open(file);
  const log = DeliveryTable.open(file);
  const lease = opts.program ? AlertLease.open(file) : null;
  const engine = new Engine({ config, store, ...(opts.now ? { now: opts.now } : {}) });
  const service = new AlertService({
    engine,
    dispatcher: new AlertDispatcher(config.alerts, { log, retryDelays: opts.retryDelays ?? [0] }),
    ...(opts.heartbeat ? { heartbeat: new Heartbeat(config.alerts?.heartbeat, { log }) } : {}),
    ...(lease ? { lease: { lease, holder: leaseHolder(opts.program!) } } : {}),
    ...(opts.leaseMs ? { leaseMs: opts.leaseMs } : {}),
    ...(opts.now ? { now: opts.now } : {}),
    ...(opts.onRound ? { onRound: opts.onRound } : {}),
    quietMs: 50,
    maxMs: 1_000,
  });
  service.start();
  const close = async () => {
    service.stop();
    await service.idle();
    lease?.close();
    log.close();
    store.close();
  };
  return { engine, service, log, close };
}

/** Polls every source, as one round, and waits for what it sent. */
export async function pollRound(engine: Engine, service: AlertService): Promise<void> {
  await engine.pollAll();
  service.flush();
  await service.idle();
}
