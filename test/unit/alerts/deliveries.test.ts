// The delivery log over a real SQLite file: attempts kept as sent, and "is this channel failing, since when,
// how many alerts did not get through" answered from them; and what each channel was told of each source, as
// another connection (another process, a restarted one) reads it.
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { DeliveryAttempt, DeliveryResult } from '../../../electron/engine/alerts/types';
import { DeliveryTable } from '../../../electron/engine/store/deliveries';
import { MIGRATIONS, SCHEMA_VERSION } from '../../../electron/engine/store/migrations/index';
import { alertDeliveriesSchema } from '../../../electron/engine/store/migrations/005-alert-deliveries';

const dir = mkdtempSync(join(tmpdir(), 'bh-deliveries-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const table = () => DeliveryTable.open(join(dir, `h${++n}.sqlite`));

const T = Date.UTC(2026, 11, 3, 2, 10);
const DMARC: DeliveryResult = { ok: false, replyCode: 550, reply: '550 5.7.1 rejected by DMARC policy', error: 'mail.example.com:587 refused the recipients or the sender', retryable: false, durationMs: 40 };
const TIMEOUT: DeliveryResult = { ok: false, error: 'no answer from mail.example.com:587 in time', retryable: true, durationMs: 10_000 };
const OK: DeliveryResult = { ok: true, replyCode: 250, reply: '250 2.0.0 Ok: queued', retryable: false, durationMs: 30 };

function attempt(alertKey: string, at: number, result: DeliveryResult, extra: Partial<DeliveryAttempt> = {}): DeliveryAttempt {
  return { channelId: 'ops-mail', alertKey, purpose: 'status', at, attempt: 1, final: true, title: 'Backup Health: Orders dumps is critical (was ok)', status: 'critical', sources: 1, result, ...extra };
}

describe('DeliveryTable', () => {
  it('keeps each attempt as sent, newest first', () => {
    const log = table();
    log.record(attempt('a', T, TIMEOUT, { final: false }));
    log.record(attempt('a', T + 30_000, DMARC, { attempt: 2 }));
    expect(log.recent()).toEqual([
      { id: 2, ...attempt('a', T + 30_000, DMARC, { attempt: 2 }) },
      { id: 1, ...attempt('a', T, TIMEOUT, { final: false }) },
    ]);
    expect(log.recent({ channelId: 'other' })).toEqual([]);
  });

  it('a channel is failing once an alert is given up on, not while it is still being retried', () => {
    const log = table();
    expect(log.channelFailure('ops-mail')).toBeNull();
    log.record(attempt('a', T, TIMEOUT, { final: false }));
    expect(log.channelFailure('ops-mail')).toBeNull();
    log.record(attempt('a', T + 150_000, DMARC, { attempt: 3 }));
    expect(log.channelFailure('ops-mail')).toEqual({ channelId: 'ops-mail', failingSince: T, undelivered: 1, last: { replyCode: 550, reply: DMARC.reply, error: DMARC.error } });
    log.record(attempt('b', T + 3_600_000, TIMEOUT));
    expect(log.channelFailure('ops-mail')).toMatchObject({ failingSince: T, undelivered: 2, last: { error: TIMEOUT.error } });
  });

  it('a delivery ends the failure; failing again counts from there; tests do not count as undelivered', () => {
    const log = table();
    log.record(attempt('a', T, DMARC));
    log.record(attempt('b', T + 60_000, OK));
    expect(log.channelFailure('ops-mail')).toBeNull();
    log.record(attempt('t', T + 90_000, DMARC, { purpose: 'test' }));
    expect(log.channelFailure('ops-mail')).toBeNull();
    log.record(attempt('c', T + 120_000, DMARC, { purpose: 'channel-failing' }));
    expect(log.channelFailure('ops-mail')).toMatchObject({ failingSince: T + 120_000, undelivered: 1 });
    // a successful test shows the channel works again
    log.record(attempt('t2', T + 180_000, OK, { purpose: 'test' }));
    expect(log.channelFailure('ops-mail')).toBeNull();
  });

  it('keeps what each channel was told of each source, for every connection to the file, until changed or forgotten', () => {
    const file = join(dir, `h${++n}.sqlite`);
    const app = DeliveryTable.open(file);
    const serve = DeliveryTable.open(file);
    try {
      expect(app.told('ops-mail')).toEqual(new Map());
      app.setTold('ops-mail', new Map([['orders-dumps', { status: 'critical', at: T }], ['billing-db', { status: 'ok', at: T }]]));
      app.setTold('pager', new Map([['orders-dumps', { status: 'warning', at: T + 1 }]]));
      expect(serve.told('ops-mail')).toEqual(new Map([['billing-db', { status: 'ok', at: T }], ['orders-dumps', { status: 'critical', at: T }]]));
      serve.setTold('ops-mail', new Map([['orders-dumps', { status: 'ok', at: T + 60_000 }], ['billing-db', null]]));
      expect(app.told('ops-mail')).toEqual(new Map([['orders-dumps', { status: 'ok', at: T + 60_000 }]]));
      expect(app.told('pager')).toEqual(new Map([['orders-dumps', { status: 'warning', at: T + 1 }]]));
    } finally {
      app.close();
      serve.close();
    }
  });

  it('a history file of the schema before the delivery log gets its tables when opened', () => {
    const file = join(dir, 'old.sqlite');
    const old = new Database(file);
    const before = MIGRATIONS.indexOf(alertDeliveriesSchema);
    for (const sql of MIGRATIONS.slice(0, before)) old.exec(sql);
    old.pragma(`user_version = ${before}`);
    old.close();
    const log = DeliveryTable.open(file);
    log.record(attempt('a', T, OK));
    log.setTold('ops-mail', new Map([['orders-dumps', { status: 'critical', at: T }]]));
    expect(log.recent()).toHaveLength(1);
    expect(log.told('ops-mail').get('orders-dumps')).toEqual({ status: 'critical', at: T });
    log.close();
    const db = new Database(file);
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    db.close();
  });
});
