// The one-sender lease over a real history file, two connections in one process (as the desktop app's engine
// and a `serve` would have): one holds it, the other is told who and until when; renewal, expiry, release; the
// status line; a file of the previous schema gains the table.
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AlertLease, describeLease, leaseHolder, type LeaseHolder } from '../../../electron/engine/store/alert-lease';
import { MIGRATIONS, SCHEMA_VERSION } from '../../../electron/engine/store/migrations/index';
import { alertSenderLeaseSchema } from '../../../electron/engine/store/migrations/006-alert-sender-lease';
import { openHistory, tempDir } from './temp-history';

const T = Date.UTC(2026, 11, 3, 22, 0);
const TTL = 3 * 60_000;
const leases: AlertLease[] = [];
afterEach(() => {
  for (const lease of leases.splice(0)) lease.close();
});

function openLease(file: string): AlertLease {
  const lease = AlertLease.open(file);
  leases.push(lease);
  return lease;
}

/** The desktop app and a serve on one history file, each with its own connection, as two processes would be. */
function twoProcesses() {
  const { file } = openHistory();
  const app = { lease: openLease(file), holder: leaseHolder('the desktop app') };
  const serve = { lease: openLease(file), holder: { ...leaseHolder('serve', 4242, 'host1') } };
  return { file, app, serve };
}

describe('AlertLease', () => {
  it('the first to ask holds it; the other is told who holds it and until when', () => {
    const { app, serve } = twoProcesses();
    expect(serve.lease.tryAcquire(serve.holder, T, TTL)).toEqual({ held: true, since: T, until: T + TTL });
    expect(app.lease.tryAcquire(app.holder, T + 1000, TTL)).toEqual({ held: false, holder: serve.holder, until: T + TTL });
    expect(app.lease.current()).toEqual({ holder: serve.holder, since: T, until: T + TTL });
  });

  it('the holder renews its own lease every round, keeping its start; the other stays out', () => {
    const { app, serve } = twoProcesses();
    serve.lease.tryAcquire(serve.holder, T, TTL);
    for (let round = 1; round <= 10; round++) {
      const now = T + round * 60_000;
      expect(serve.lease.tryAcquire(serve.holder, now, TTL)).toEqual({ held: true, since: T, until: now + TTL });
      expect(app.lease.tryAcquire(app.holder, now + 1, TTL)).toMatchObject({ held: false, until: now + TTL });
    }
  });

  it('a lease not renewed is taken over once it runs out, and the old holder is then told it lost it', () => {
    const { app, serve } = twoProcesses();
    serve.lease.tryAcquire(serve.holder, T, TTL);
    expect(app.lease.tryAcquire(app.holder, T + TTL - 1, TTL).held).toBe(false);
    expect(app.lease.tryAcquire(app.holder, T + TTL, TTL)).toEqual({ held: true, since: T + TTL, until: T + 2 * TTL });
    expect(serve.lease.tryAcquire(serve.holder, T + TTL + 1, TTL)).toEqual({ held: false, holder: app.holder, until: T + 2 * TTL });
  });

  it('a holder that comes back after its own lease ran out starts a new one', () => {
    const { serve } = twoProcesses();
    serve.lease.tryAcquire(serve.holder, T, TTL);
    expect(serve.lease.tryAcquire(serve.holder, T + 2 * TTL, TTL)).toEqual({ held: true, since: T + 2 * TTL, until: T + 3 * TTL });
  });

  it('released on the way out: the other takes it at once; only the holder can release it', () => {
    const { app, serve } = twoProcesses();
    serve.lease.tryAcquire(serve.holder, T, TTL);
    expect(app.lease.release(app.holder)).toBe(false);
    expect(app.lease.tryAcquire(app.holder, T + 1, TTL).held).toBe(false);
    expect(serve.lease.release(serve.holder)).toBe(true);
    expect(app.lease.current()).toBeNull();
    expect(app.lease.tryAcquire(app.holder, T + 2, TTL)).toEqual({ held: true, since: T + 2, until: T + 2 + TTL });
  });

  it('the same pid on the same host after a restart is another holder (the token differs)', () => {
    const { app } = twoProcesses();
    const before: LeaseHolder = leaseHolder('serve', 4242, 'host1');
    const restarted: LeaseHolder = leaseHolder('serve', 4242, 'host1');
    expect(restarted.id).not.toBe(before.id);
    expect(before.id).toMatch(/^4242@host1#[0-9a-f]{16}$/);
    app.lease.tryAcquire(before, T, TTL);
    expect(app.lease.tryAcquire(restarted, T + 1, TTL)).toMatchObject({ held: false, holder: { id: before.id } });
  });

  it('refuses a lifetime that is not a positive, finite time', () => {
    const { app } = twoProcesses();
    for (const ttl of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) expect(() => app.lease.tryAcquire(app.holder, T, ttl)).toThrow(RangeError);
    expect(app.lease.current()).toBeNull();
  });

  it('a history file of the schema before the lease gains the lease table when opened', () => {
    const file = join(tempDir(), 'old.sqlite');
    const old = new Database(file);
    const before = MIGRATIONS.indexOf(alertSenderLeaseSchema);
    for (const sql of MIGRATIONS.slice(0, before)) old.exec(sql);
    old.pragma(`user_version = ${before}`);
    expect(old.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'alert_sender_lease'").get()).toEqual({ n: 0 });
    old.close();
    const lease = openLease(file);
    expect(lease.tryAcquire(leaseHolder('serve'), T, TTL).held).toBe(true);
    const db = new Database(file);
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    db.close();
  });
});

describe('describeLease', () => {
  it("says this process sends, or who does and until when, in the reader's time zone", () => {
    expect(describeLease({ held: true, since: T, until: T + TTL }, T, 'UTC')).toBe('alerts sent by this process');
    const other = { held: false as const, holder: { id: '4242@host1#ab', program: 'serve', pid: 4242, host: 'host1' }, until: Date.UTC(2026, 11, 3, 22, 10) };
    expect(describeLease(other, T, 'UTC')).toBe('alerts sent by serve (pid 4242 on host1) until 22:10; this one stays quiet');
    expect(describeLease(other, T, 'Europe/Berlin')).toBe('alerts sent by serve (pid 4242 on host1) until 23:10; this one stays quiet');
    // past midnight in that zone: the date is said
    expect(describeLease({ ...other, until: Date.UTC(2026, 11, 4, 0, 5) }, T, 'UTC')).toBe('alerts sent by serve (pid 4242 on host1) until Dec 4 00:05; this one stays quiet');
  });
});
