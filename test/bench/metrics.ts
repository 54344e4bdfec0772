// `serve`'s /metrics with 1,000 sources: a history built straight through History.recordPolls (30 days of
// 6-hourly polls per source, a week of nightly dumps, a passing drill for every other source, some sources
// failing now), an Engine that has polled them all once (a stand-in probe answering at once, so the engine holds
// its judgements as serve does after its first round), and the real server scraped over HTTP with the bearer token.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, get as httpGet } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateConfig, type SourceConfig } from '../../shared/config';
import type { ObservedBackup, Poll } from '../../shared/model';
import { ApiService } from '../../electron/engine/api-service';
import { Engine } from '../../electron/engine/engine';
import type { Probe } from '../../electron/engine/sources/probe';
import { History } from '../../electron/engine/store/history';
import type { PollEntry } from '../../electron/engine/store/types';
import { metricFamilies } from '../../electron/server/metrics';
import { formatExposition } from '../../electron/server/metrics-format';
import { SourceMetricsReader } from '../../electron/server/metrics-sources';
import { startServer } from '../../electron/server/server';
import type { BenchFigure } from './figure';

const SOURCES = 1_000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const HISTORY_DAYS = 30;
const POLL_EVERY = 6 * HOUR;
const SCRAPES = 50;
const GOAL_MS = 50;
const TOKEN = 'bench-metrics-token-0123456789abcdef';

export async function benchMetrics(): Promise<BenchFigure[]> {
  const dir = mkdtempSync(join(tmpdir(), 'backup-health-bench-metrics-'));
  const now = Date.now();
  const store = History.open(join(dir, 'history.sqlite'));
  try {
    progress(`building a history of ${SOURCES} sources`);
    const ids = Array.from({ length: SOURCES }, (_, i) => `db-${String(i).padStart(4, '0')}`);
    recordHistory(store, ids, now);
    const validated = validateConfig({ sources: ids.map((id, i) => sourceConfig(id, i, dir)) });
    if (!validated.ok) throw new Error(JSON.stringify(validated.problems.slice(0, 3)));
    const engine = new Engine({ config: validated.config, store, probeFor: (source) => instantProbe(source, now) });
    await engine.pollAll();
    const staticDir = join(dir, 'renderer');
    mkdirSync(staticDir);
    writeFileSync(join(staticDir, 'index.html'), '<!doctype html>');
    // Replaced before each cold scrape: one that reads every source's newest poll from the history, as after a poll round.
    let reader = new SourceMetricsReader({ engine, store });
    const server = await startServer({
      api: new ApiService({ engine, store, configFile: join(dir, 'config.yml') }),
      staticDir,
      metrics: { token: TOKEN, scrape: () => formatExposition(metricFamilies({ version: 'bench', sources: () => reader.samples() })) },
    });
    try {
      // node:http keeping the body as bytes, as Prometheus (another process) would: the scrape, not a client's decoding.
      const scrape = (port = server.port) =>
        new Promise<string>((resolve, reject) => {
          const req = httpGet({ host: '127.0.0.1', port, path: '/metrics', headers: { host: `127.0.0.1:${port}`, authorization: `Bearer ${TOKEN}` } }, (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (chunk: Buffer) => chunks.push(chunk));
            res.on('end', () => (res.statusCode === 200 ? resolve(Buffer.concat(chunks).toString('latin1')) : reject(new Error(`/metrics answered ${res.statusCode}`))));
          });
          req.on('error', reject);
        });
      const first = await scrape();
      const statusSamples = first.split('\n').filter((line) => line.startsWith('backup_health_source_status{')).length;
      if (statusSamples !== SOURCES) throw new Error(`expected ${SOURCES} status samples, found ${statusSamples}`);
      for (let i = 0; i < 5; i++) await scrape();
      const timed = async (fresh: boolean) => {
        const times: number[] = [];
        for (let i = 0; i < SCRAPES; i++) {
          if (fresh) reader = new SourceMetricsReader({ engine, store });
          const started = performance.now();
          await scrape();
          times.push(performance.now() - started);
        }
        return times.sort((a, b) => a - b);
      };
      const warm = await timed(false);
      const cold = await timed(true);
      // The machine's own speed at this moment: the same bytes from a bare node:http server, nothing computed.
      const bare = createServer((_req, res) => res.end(first));
      await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve));
      const barePort = (bare.address() as AddressInfo).port;
      const bareTimes: number[] = [];
      try {
        for (let i = 0; i < SCRAPES; i++) {
          const started = performance.now();
          await scrape(barePort);
          bareTimes.push(performance.now() - started);
        }
      } finally {
        bare.close();
      }
      bareTimes.sort((a, b) => a - b);
      const median = (times: number[]) => times[Math.floor(times.length / 2)]!;
      const p95 = (times: number[]) => times[Math.floor(times.length * 0.95)]!;
      const kib = Math.round(first.length / 1024);
      const baseline = median(bareTimes);
      progress(`/metrics, ${SOURCES} sources, ${kib} KiB: median ${median(warm).toFixed(1)} ms (p95 ${p95(warm).toFixed(1)}); after a poll round median ${median(cold).toFixed(1)} ms (p95 ${p95(cold).toFixed(1)}); the same bytes from a bare server ${baseline.toFixed(1)} ms`);
      const figure = (what: string, value: number): BenchFigure => ({
        name: `serve /metrics with ${SOURCES} sources (30 days of 6-hourly polls each, a drill for every other one, ${kib} KiB): ${what}; baseline: the same bytes from a bare node:http server`,
        value: round(value),
        unit: 'ms',
        baseline: round(baseline),
        ratio: round(value / baseline),
        goal: `<= ${GOAL_MS} ms`,
        pass: value <= GOAL_MS,
      });
      return [
        figure(`median of ${SCRAPES} scrapes over HTTP with the bearer token`, median(warm)),
        figure(`median of ${SCRAPES} scrapes each right after a poll round (every source's newest poll read from the history)`, median(cold)),
        figure(`95th percentile of ${SCRAPES} scrapes right after a poll round`, p95(cold)),
      ];
    } finally {
      await server.close(1000);
      engine.stop();
    }
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Every fifth source a postgres server, the rest dump directories; every other dump directory with drills. */
function sourceConfig(id: string, i: number, dir: string): Record<string, unknown> {
  if (i % 5 === 0) return { id, kind: 'postgres', url: `postgresql://monitor@${id}.example.net/app` };
  return { id, kind: 'dump-dir', path: join(dir, 'dumps', id), ...(i % 2 === 0 ? { drill: { maxAge: '8d' } } : {}) };
}

/** Answers at once with the week of dumps the history holds; every 50th source fails, as a dead server would. */
function instantProbe(source: SourceConfig, now: number): Probe {
  const i = Number(source.id.slice(3));
  return {
    kind: source.kind,
    observe: async () => {
      if (i % 50 === 7) throw new Error(`${source.id}.example.net:5432 did not answer within 10s`);
      if (source.kind === 'postgres') return { backups: [], metrics: { kind: 'postgres', serverVersion: '16.4', serverVersionNum: 160004, serverMajor: 16, inRecovery: false, databases: [{ name: 'app', sizeBytes: 5_000_000_000 }], archiver: null, standbys: [], replayDelayMs: null } };
      return { backups: dumps(source.id, now), metrics: { kind: 'dump-dir', fileCount: 7, totalBytes: 7 * 50_000_000, inProgress: 0 } };
    },
  };
}

function dumps(sourceId: string, at: number): ObservedBackup[] {
  const lastNight = Math.floor(at / DAY) * DAY + 2 * HOUR - (at % DAY < 2 * HOUR ? DAY : 0);
  return Array.from({ length: 7 }, (_, d) => ({ key: `${sourceId}-${lastNight - d * DAY}.dump`, type: 'dump' as const, finishedAt: lastNight - d * DAY, sizeBytes: 50_000_000 + d, readable: true }));
}

function recordHistory(store: History, ids: string[], now: number): void {
  const entries: PollEntry[] = [];
  const flush = () => {
    store.recordPolls(entries);
    entries.length = 0;
  };
  for (let at = now - HISTORY_DAYS * DAY; at < now - HOUR; at += POLL_EVERY) {
    ids.forEach((sourceId, i) => {
      const postgres = i % 5 === 0;
      const backups = postgres ? [] : dumps(sourceId, at);
      const failed = i % 50 === 7 && at > now - 3 * DAY;
      const poll: Poll = {
        sourceId,
        at,
        durationMs: 20 + (i % 300),
        ok: !failed,
        error: failed ? { code: 'timeout', message: `${sourceId}.example.net:5432 did not answer within 10s` } : null,
        metrics: null,
        newestBackupAt: failed ? null : (backups[0]?.finishedAt ?? null),
        newestBackupSize: failed ? null : (backups[0]?.sizeBytes ?? null),
        storedBytes: null,
        status: failed ? 'unknown' : 'ok',
      };
      entries.push({ poll, backups: failed ? [] : backups });
    });
    if (entries.length >= 10_000) flush();
  }
  flush();
  ids.forEach((sourceId, i) => {
    if (i % 5 === 0 || i % 2 !== 0) return;
    const finishedAt = now - (i % 10) * DAY - HOUR;
    store.recordDrill({ sourceId, backupKey: `${sourceId}-x.dump`, startedAt: finishedAt - 90_000, finishedAt, outcome: 'pass', phases: { restore: 80_000 }, restoreMs: 80_000, tables: 12, rows: 100_000, restoredBytes: 50_000_000, checks: [], message: 'restored and verified' });
  });
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

function progress(text: string): void {
  process.stderr.write(`bench metrics: ${text}\n`);
}
