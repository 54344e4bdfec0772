// `backup-health serve [--port N] [--open] [--metrics-token-file FILE] [--metrics-listen ADDR:PORT]`: the dashboard
// in a browser. The engine polls on its schedule, as in the desktop app; the same API goes over HTTP on 127.0.0.1,
// behind a token printed in the URL; with a metrics token, /metrics for Prometheus too, and with --metrics-listen
// on a listener of its own. Runs until SIGHUP, SIGINT or SIGTERM, then stops cleanly: no new calls, event streams
// ended, running drills cleaned up.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { validateConfig, type Config } from '../../shared/config';
import { ApiService } from '../engine/api-service';
import { formatProblem, loadConfig } from '../engine/config';
import { Engine } from '../engine/engine';
import { startServer, type RunningServer } from '../server/server';
import { metricFamilies } from '../server/metrics';
import type { MetricsEndpoint } from '../server/metrics-endpoint';
import { formatExposition } from '../server/metrics-format';
import { isLoopback, parseListenAddress, startMetricsListener, type ListenAddress, type RunningMetricsListener } from '../server/metrics-listener';
import { databaseMetricsSamples, SourceMetricsReader } from '../server/metrics-sources';
import { openInBrowser, type SignInPage } from './open-in-browser';
import { CliError, EXIT_UNKNOWN, STOP_SIGNALS, configFile, openDeliveries, openHistory, openSenderLease, type GlobalOptions } from './context';
import { dataDir } from './report';
import { AlertDispatcher } from '../engine/alerts/dispatcher';
import { AlertService } from '../engine/alerts/alert-service';
import { Heartbeat } from '../engine/alerts/heartbeat';
import { leaseHolder } from '../engine/store/alert-lease';
import { DrillInterrupted } from '../engine/drills/drill-stop';

export interface ServeOptions extends GlobalOptions {
  port?: string;
  open?: boolean;
  metricsToken?: string;
  metricsTokenFile?: string;
  metricsListen?: string;
}

declare const __APP_VERSION__: string;

/** How long a drill under way may take to clean up its scratch cluster after the stop. */
const DRILL_CLEANUP_WAIT_MS = 30_000;

export async function serveCommand(options: ServeOptions): Promise<number> {
  const port = parsePort(options.port);
  const metricsToken = readMetricsToken(options);
  const metricsAddress = parseMetricsListen(options.metricsListen, metricsToken);
  const file = configFile(options);
  const { config, missing } = loadServeConfig(file);
  const store = openHistory(options);
  const engine = new Engine({ config, store });
  // Alerts: each poll round's changes to the configured channels, every attempt recorded in the history.
  const deliveries = openDeliveries(options);
  const lease = openSenderLease(options);
  const alerts = new AlertService({
    engine,
    dispatcher: new AlertDispatcher(config.alerts, { log: deliveries }),
    heartbeat: new Heartbeat(config.alerts?.heartbeat, { log: deliveries }),
    lease: { lease, holder: leaseHolder('serve') },
  });
  const api = new ApiService({ engine, store, configFile: file, alerts, dataDir: dataDir(options), version: appVersion() });
  const channels = () => (engine.currentConfig.alerts?.channels ?? []).map((c) => ({ id: c.id, kind: c.kind, ...deliveries.deliveryState(c.id) }));
  const sources = new SourceMetricsReader({ engine, store });
  const metrics = (token: string | null): MetricsEndpoint => ({
    token,
    scrape: () => formatExposition(metricFamilies({ version: appVersion(), sources: () => sources.samples(), databases: () => databaseMetricsSamples(engine.databases()), channels })),
  });
  let server: RunningServer;
  let metricsListener: RunningMetricsListener | undefined;
  try {
    alerts.start();
    const swept = await engine.start();
    if (swept.length > 0) process.stderr.write(`backup-health: removed ${swept.length} scratch cluster${swept.length === 1 ? '' : 's'} left by interrupted drills\n`);
    server = await startServer({
      api,
      staticDir: rendererDir(),
      port,
      onInternalError,
      ...(metricsToken !== null ? { metrics: { ...metrics(metricsToken), token: metricsToken } } : {}),
    });
  } catch (err) {
    alerts.stop();
    engine.stop();
    deliveries.close();
    lease.close();
    store.close();
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new CliError(`--port ${port}: the port is in use; pick another, or leave --port out for a free one`, EXIT_UNKNOWN);
    throw err;
  }
  if (metricsAddress) {
    try {
      metricsListener = await startMetricsListener({ ...metricsAddress, endpoint: metrics(metricsToken), onInternalError });
    } catch (err) {
      await server.close();
      alerts.stop();
      engine.stop();
      deliveries.close();
      lease.close();
      store.close();
      throw new CliError(`--metrics-listen ${options.metricsListen}: cannot listen there: ${listenProblem(err)}`, EXIT_UNKNOWN);
    }
  }

  // Listening before the URL is out: a script that reads it and stops the server at once gets a clean stop.
  const stopRequested = stopSignal();
  // The URL alone on stdout, so a script can read it; everything else goes to stderr.
  process.stdout.write(`${server.url}\n`);
  const n = config.sources.length;
  process.stderr.write(
    missing
      ? `backup-health: ${file} does not exist yet; add a source on the dashboard's Settings page to create it.\n`
      : `backup-health: watching ${n} source${n === 1 ? '' : 's'} from ${file}.\n`,
  );
  process.stderr.write('backup-health: open the URL above in a browser on this machine; Ctrl-C stops the server.\n');
  if (metricsToken !== null) process.stderr.write(`backup-health: Prometheus metrics at ${server.origin}/metrics (bearer token required)\n`);
  if (metricsListener) process.stderr.write(`backup-health: Prometheus metrics at ${metricsListener.url}${metricsToken === null ? ' (no token: loopback only)' : ' (bearer token required)'}\n`);
  // Never the URL itself on the browser's command line: any local user could read the token there.
  const signInPage: SignInPage | undefined = options.open ? openInBrowser(server.url) : undefined;

  const signal = await stopRequested;
  // After a hang-up nobody reads stderr: a write to the closed terminal must not end the clean stop.
  for (const stream of [process.stdout, process.stderr]) if (stream.listenerCount('error') === 0) stream.on('error', () => {});
  process.stderr.write(`backup-health: ${signal}, stopping\n`);
  signInPage?.remove();
  // A second signal means "now": skip the clean-up.
  const now = () => process.exit(EXIT_UNKNOWN);
  process.once('SIGINT', now);
  process.once('SIGTERM', now);
  const closed = Promise.all([server.close(), metricsListener?.close()]);
  // Aborts polls and drills under way; drills remove their clusters and are recorded before the history closes.
  const stopped = engine.shutdown(DRILL_CLEANUP_WAIT_MS, new DrillInterrupted(`backup-health serve got ${signal} (${STOP_SIGNALS[signal]})`));
  await closed;
  await stopped;
  alerts.stop();
  deliveries.close();
  lease.close();
  store.close();
  process.off('SIGINT', now);
  process.off('SIGTERM', now);
  return 0;
}

function onInternalError(method: string, err: unknown): void {
  process.stderr.write(`backup-health serve: ${method}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
}

function appVersion(): string {
  return typeof __APP_VERSION__ === 'string' ? __APP_VERSION__ : 'dev';
}

/** Long enough not to be guessed over the network by accident of a short choice; `openssl rand -hex 32` gives 64. */
const MIN_METRICS_TOKEN = 16;

/**
 * The token Prometheus must send, from --metrics-token or --metrics-token-file (its first line: a command line is
 * readable by every local user, a file of mode 0600 is not); null when neither is given. Never echoed back.
 */
function readMetricsToken(options: ServeOptions): string | null {
  if (options.metricsToken !== undefined && options.metricsTokenFile !== undefined) throw new CliError('--metrics-token and --metrics-token-file: give one of them, not both', EXIT_UNKNOWN);
  let flag = '--metrics-token';
  let token = options.metricsToken;
  if (options.metricsTokenFile !== undefined) {
    flag = `--metrics-token-file ${options.metricsTokenFile}`;
    try {
      token = readFileSync(options.metricsTokenFile, 'utf8').split(/\r?\n/)[0]!.trim();
    } catch (err) {
      throw new CliError(`${flag}: cannot read the token: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`, EXIT_UNKNOWN);
    }
  }
  if (token === undefined) return null;
  if (!/^[\x21-\x7e]+$/.test(token)) throw new CliError(`${flag}: the token must be printable ASCII without spaces (it goes in an HTTP header); e.g. openssl rand -hex 32`, EXIT_UNKNOWN);
  if (token.length < MIN_METRICS_TOKEN) throw new CliError(`${flag}: the token has ${token.length} characters; use at least ${MIN_METRICS_TOKEN}, e.g. openssl rand -hex 32`, EXIT_UNKNOWN);
  return token;
}

/** Off the loopback, anyone who reaches the port could read the metrics: a token is required there. */
function parseMetricsListen(text: string | undefined, token: string | null): ListenAddress | null {
  if (text === undefined) return null;
  const address = parseListenAddress(text);
  if ('error' in address) throw new CliError(`--metrics-listen: ${address.error}`, EXIT_UNKNOWN);
  if (token === null && !isLoopback(address.host)) {
    throw new CliError(`--metrics-listen ${text}: ${address.host} is not a loopback address, so the metrics need a token: add --metrics-token-file FILE (or --metrics-token TOKEN), or listen on 127.0.0.1`, EXIT_UNKNOWN);
  }
  return address;
}

function listenProblem(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') return 'the port is in use; pick another';
  if (code === 'EADDRNOTAVAIL') return 'no network interface of this machine has that address';
  if (code === 'EACCES') return 'permission denied (ports below 1024 need privileges)';
  return err instanceof Error ? err.message : String(err);
}

function parsePort(text: string | undefined): number {
  if (text === undefined) return 0;
  const port = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(port >= 0 && port <= 65_535)) throw new CliError(`--port: "${text}" is not a port number (1-65535, or 0 for a free one)`, EXIT_UNKNOWN);
  return port;
}

/** A missing config file is a first run, not an error: start with no sources; saving one creates the file. */
function loadServeConfig(file: string): { config: Config; missing: boolean } {
  const loaded = loadConfig(file);
  if (loaded.ok) return { config: loaded.config, missing: false };
  if (!loaded.missing) throw new CliError(loaded.problems.map((p) => formatProblem(file, p)).join('\n'), EXIT_UNKNOWN);
  const empty = validateConfig({});
  if (!empty.ok) throw new Error('the empty config does not validate');
  return { config: empty.config, missing: true };
}

/** The built renderer beside the CLI bundle: out/cli/index.js -> out/renderer. */
function rendererDir(): string {
  return fileURLToPath(new URL('../renderer', import.meta.url));
}

/** The first of SIGHUP, SIGINT or SIGTERM: each stops serve cleanly (a closed ssh session no longer kills it mid-drill). */
function stopSignal(): Promise<keyof typeof STOP_SIGNALS> {
  return new Promise((resolve) => {
    const names = Object.keys(STOP_SIGNALS) as (keyof typeof STOP_SIGNALS)[];
    const on = (signal: NodeJS.Signals) => {
      for (const name of names) process.off(name, on);
      // A session's hang-up may come again while stopping: ignore it rather than die mid-cleanup.
      process.on('SIGHUP', () => {});
      resolve(signal as keyof typeof STOP_SIGNALS);
    };
    for (const name of names) process.on(name, on);
  });
}
