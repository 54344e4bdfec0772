// The alert delivery log stays small: attempts older than 90 days go, on the engine's compaction schedule, except
// what a channel's state is read from. Over a real history file with half a year of attempts to four channels (one
// that delivers, one failing for the last month, one that never delivered, the heartbeat), the log shrinks and
// every answer the dashboard, /metrics and check read from it stays the same.
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { validateConfig, type Config } from '../../../shared/config';
import { Engine } from '../../../electron/engine/engine';
import type { Probe } from '../../../electron/engine/sources/probe';
import type { DeliveryAttempt, DeliveryResult } from '../../../electron/engine/alerts/types';
import { DELIVERY_KEEP_MS, DeliveryTable } from '../../../electron/engine/store/deliveries';
import { waitFor } from '../../support/postgres-fixtures';
import { DAY, MINUTE, T0, openHistory } from './temp-history';

const NOW = T0 + 200 * DAY;
const CHANNELS = ['ops-hook', 'ops-mail', 'pager', '(heartbeat)'] as const;

const OK: DeliveryResult = { ok: true, httpStatus: 200, retryable: false, durationMs: 30 };
const TIMEOUT: DeliveryResult = { ok: false, error: 'no answer from hooks.example.com in time', retryable: true, durationMs: 10_000 };
const DMARC: DeliveryResult = { ok: false, replyCode: 550, reply: '550 5.7.1 rejected by DMARC policy', retryable: false, durationMs: 40 };

const steady: Probe = {
  kind: 'dump-dir',
  observe: async () => ({ backups: [], metrics: { kind: 'dump-dir', fileCount: 0, totalBytes: 0, inProgress: 0 } }),
};

function config(): Config {
  const parsed = validateConfig({ sources: [{ id: 'dumps', kind: 'dump-dir', path: '/nonexistent' }] });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.config;
}

function attempt(channelId: string, alertKey: string, at: number, result: DeliveryResult, extra: Partial<DeliveryAttempt> = {}): DeliveryAttempt {
  return { channelId, alertKey, purpose: 'status', at, attempt: 1, final: true, title: 'Backup Health: Orders dumps is critical (was ok)', status: 'critical', sources: 1, result, ...extra };
}

/**
 * Every 30 minutes for 200 days: ops-hook delivers (a test now and then); ops-mail delivers until 30 days ago,
 * then every alert is retried twice and given up on (DMARC), with a failed test in between; pager never
 * delivered; the heartbeat pings fine.
 */
function fillLog(file: string): number {
  const db = new Database(file);
  const log = new DeliveryTable(db);
  let rows = 0;
  const record = (a: DeliveryAttempt) => {
    log.record(a);
    rows++;
  };
  db.transaction(() => {
    for (let at = T0, n = 0; at < NOW - MINUTE; at += 30 * MINUTE, n++) {
      record(attempt('ops-hook', `h${n}`, at, OK, n % 50 === 0 ? { purpose: 'test' } : {}));
      if (at < NOW - 30 * DAY) {
        record(attempt('ops-mail', `m${n}`, at, OK));
      } else {
        record(attempt('ops-mail', `m${n}`, at, TIMEOUT, { final: false }));
        record(attempt('ops-mail', `m${n}`, at + 1, TIMEOUT, { attempt: 2, final: false }));
        record(attempt('ops-mail', `m${n}`, at + 2, DMARC, { attempt: 3 }));
        if (n % 7 === 0) record(attempt('ops-mail', `t${n}`, at + 3, DMARC, { purpose: 'test' }));
      }
      if (n % 4 === 0) record(attempt('pager', `p${n}`, at, DMARC, { purpose: n % 8 === 0 ? 'test' : 'status' }));
      record(attempt('(heartbeat)', `b${n}`, at, OK));
    }
  })();
  db.close();
  return rows;
}

/** What is read from the log: each channel's state for /metrics, its failure, its newest attempt. */
function answers(log: DeliveryTable) {
  return Object.fromEntries(CHANNELS.map((id) => [id, { state: log.deliveryState(id), failure: log.channelFailure(id), newest: log.recent({ channelId: id, limit: 1 }) }]));
}

const count = (file: string, where = '1') => {
  const db = new Database(file, { readonly: true });
  const { n } = db.prepare(`SELECT count(*) AS n FROM alert_deliveries WHERE ${where}`).get() as { n: number };
  db.close();
  return n;
};

describe('pruning the alert delivery log', () => {
  it('deletes attempts older than 90 days on the compaction schedule, keeping what every channel state is read from', async () => {
    const { history, file } = openHistory();
    const rows = fillLog(file);
    expect(rows).toBeGreaterThan(30_000);
    const serveLog = DeliveryTable.open(file); // serve's own connection, as it reads the log
    try {
      const before = answers(serveLog);
      expect(before['ops-mail']!.failure).toMatchObject({ failingSince: NOW - 30 * DAY, undelivered: 30 * 48 });
      expect(before.pager!.failure).toMatchObject({ failingSince: T0 + 4 * 30 * MINUTE });
      expect(before['ops-hook']!.failure).toBeNull();

      const engine = new Engine({ config: config(), store: history, now: () => NOW, probeFor: () => steady, compactionDelayMs: 0 });
      await engine.start();
      const cutoff = NOW - DELIVERY_KEEP_MS;
      try {
        await waitFor('the old attempts pruned', () => count(file, `channel_id = 'ops-hook' AND at < ${cutoff}`) === 0, { timeoutMs: 30_000, intervalMs: 50 });
        await waitFor('every channel pruned', () => count(file, `channel_id IN ('ops-mail', '(heartbeat)') AND at < ${cutoff}`) === 0, { timeoutMs: 30_000, intervalMs: 50 });
      } finally {
        engine.stop();
      }

      // The log shrank to what 90 days hold, and pager, which never delivered, kept every attempt: they are its failure.
      const after = count(file);
      expect(after).toBeLessThan(rows * 0.6);
      expect(count(file, `at < ${cutoff}`)).toBe(count(file, `channel_id = 'pager' AND at < ${cutoff}`));
      expect(count(file, "channel_id = 'pager'")).toBe(Math.ceil((NOW - MINUTE - T0) / (30 * MINUTE) / 4));
      expect(count(file, `channel_id = 'ops-hook' AND at >= ${cutoff}`)).toBe(90 * 48);

      // Every answer is the same, read over serve's connection as before, and over a fresh one.
      expect(answers(serveLog)).toEqual(before);
      const fresh = DeliveryTable.open(file);
      expect(answers(fresh)).toEqual(before);
      fresh.close();
    } finally {
      serveLog.close();
    }
  });

  it('keeps a channel whose last delivery is older than the bound: its delivery, and the failure since', async () => {
    const { history, file } = openHistory();
    const log = DeliveryTable.open(file);
    try {
      log.record(attempt('ops-mail', 'old', NOW - 200 * DAY, OK));
      log.record(attempt('ops-mail', 'older-ok', NOW - 150 * DAY, OK));
      log.record(attempt('ops-mail', 'a', NOW - 120 * DAY, TIMEOUT, { final: false }));
      log.record(attempt('ops-mail', 'a', NOW - 120 * DAY + 30_000, DMARC, { attempt: 2 }));
      log.record(attempt('ops-mail', 'b', NOW - DAY, DMARC));
      const before = answers(log);
      expect(before['ops-mail']!.failure).toMatchObject({ failingSince: NOW - 120 * DAY, undelivered: 2 });

      expect(await history.pruneDeliveries({ now: NOW })).toEqual({ deleted: 1, chunks: 1 });
      expect(log.recent({ channelId: 'ops-mail' }).map((a) => a.alertKey)).toEqual(['b', 'a', 'a', 'older-ok']);
      expect(answers(log)).toEqual(before);
      // nothing more to do: a second run deletes nothing
      expect(await history.pruneDeliveries({ now: NOW })).toEqual({ deleted: 0, chunks: 0 });
    } finally {
      log.close();
    }
  });
});
