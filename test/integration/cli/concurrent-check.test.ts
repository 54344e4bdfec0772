// `serve` and cron `check`s on one --data directory, as a sysadmin runs them: every real status change of a
// source is stored once, in the order it was observed, and every process tells its listeners of it once, whoever stored it.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiEvent } from '../../../shared/api';
import type { StatusEvent } from '../../../shared/model';
import { ensureCliBuilt, runCli } from '../../support/cli';
import { writePlainDump } from '../../support/plain-dump';
import { serve, type Served } from '../../support/serve';
import { openEventStream, type EventStream } from '../server/fixture';

const HOUR = 3_600_000;
const root = mkdtempSync(join(tmpdir(), 'backup-health-concurrent-check-'));

beforeAll(() => {
  ensureCliBuilt();
  // A bundle built before the history decided status changes would test the old code.
  if (!readFileSync('out/cli/index.js', 'utf8').includes('recordStatusTransaction')) execFileSync(process.execPath, ['build/build-cli.mjs'], { stdio: 'inherit' });
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const served: Served[] = [];
afterAll(async () => {
  for (const s of served) {
    s.child.kill('SIGTERM');
    await s.exited;
  }
});

function workDir() {
  const dir = mkdtempSync(join(root, 'case-'));
  const dumps = join(dir, 'dumps');
  mkdirSync(dumps);
  // Last night's dump, good; tonight's, when present, empty: what a failed pg_dump leaves (critical).
  writePlainDump(dumps, 'nightly-1.sql', 2 * HOUR);
  const config = join(dir, 'config.yml');
  writeFileSync(config, `sources:\n  - id: nightly\n    kind: dump-dir\n    path: ${dumps}\n    settle: 0s\n    maxAge: 26h\n`);
  const data = join(dir, 'data');
  return {
    config,
    data,
    dumps,
    breakTonight: () => writePlainDump(dumps, 'nightly-2.sql', HOUR, 0),
    fixTonight: () => rmSync(join(dumps, 'nightly-2.sql')),
    check: () => runCli(['check', '--config', config, '--data', data]),
    /** Status changes as `backup-health history` shows them, oldest first. */
    changes: async (): Promise<StatusEvent[]> => {
      const result = await runCli(['history', '--source', 'nightly', '--since', '1d', '--config', config, '--data', data, '--json']);
      expect(result.code, result.stderr).toBe(0);
      return (JSON.parse(result.stdout) as { events: StatusEvent[] }).events.reverse();
    },
  };
}

const transitions = (events: StatusEvent[]) => events.map((e) => `${e.from}->${e.to}`);
const statusEventsOf = (stream: EventStream) =>
  stream.events().filter((e): e is Extract<ApiEvent, { type: 'status' }> => e.type === 'status').map((e) => e.event);

/**
 * What the dashboard heard, against what the history stored: every change after the first, once each and in the
 * order stored. The first (null->ok) is told by serve's own first poll, which it starts at once and which may
 * finish before the test's event stream connects (then the test's Poll now joins it, with nothing more to tell).
 */
function expectHeardOnce(stream: EventStream, changes: StatusEvent[]): void {
  const heard = statusEventsOf(stream);
  expect(heard.length === changes.length || heard.length === changes.length - 1, `heard ${transitions(heard)} of ${transitions(changes)}`).toBe(true);
  expect(heard).toEqual(changes.slice(changes.length - heard.length));
}

async function startServe(w: ReturnType<typeof workDir>) {
  const s = await serve(['--config', w.config, '--data', w.data, '--port', '0']);
  served.push(s);
  const headers = { authorization: `Bearer ${s.token}` };
  const stream = await openEventStream(s.port, headers);
  expect(stream.status).toBe(200);
  /** Poll now, through the dashboard's API, and wait until its poll event came down the stream. */
  const pollNow = async (): Promise<string> => {
    const before = stream.events().length;
    const res = await fetch(`${s.origin}/api/pollNow`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ id: 'nightly' }) });
    const answer = (await res.json()) as { ok: true; value: { status: string; lastPollAt: number }[] };
    const { status, lastPollAt } = answer.value[0]!;
    // A status event comes before the poll event of the same commit, so once the poll is here, so is any change.
    await stream.until(() => stream.events().slice(before).some((e) => e.type === 'poll' && e.summary.lastPollAt === lastPollAt));
    return status;
  };
  return { stream, pollNow };
}

describe('serve and cron checks on one history', () => {
  it('a change a check stored first is not stored again by serve, which remembered the old status', async () => {
    const w = workDir();
    const { stream, pollNow } = await startServe(w);
    expect(await pollNow()).toBe('ok');
    expect(transitions(await w.changes())).toEqual(['null->ok']);

    w.breakTonight();
    const check = await w.check();
    expect(check.code, check.stderr).toBe(2);
    expect(check.stdout).toMatch(/^BACKUP HEALTH CRITICAL/);
    // serve last saw ok; it now sees critical, which the history already has.
    expect(await pollNow()).toBe('critical');

    w.fixTonight();
    expect((await w.check()).code).toBe(0);
    expect(await pollNow()).toBe('ok');

    const changes = await w.changes();
    expect(transitions(changes)).toEqual(['null->ok', 'ok->critical', 'critical->ok']);
    expect(changes[1]!.findings[0]).toMatchObject({ rule: 'backup-unreadable', message: expect.stringContaining('nightly-2.sql is empty') });
    // The checks stored the flips; serve's dashboard heard each once, at serve's next poll, as stored.
    expectHeardOnce(stream, changes);
  });

  it('checks racing each other, then serve racing checks, store exactly one change per flip, in observation order', async () => {
    const w = workDir();
    const { stream, pollNow } = await startServe(w);
    expect(await pollNow()).toBe('ok');
    const expected = ['null->ok'];
    for (let flip = 0; flip < 4; flip++) {
      const bad = flip % 2 === 0;
      const code = bad ? 2 : 0;
      if (bad) w.breakTonight();
      else w.fixTonight();
      // Two cron checks see the flip at once; serve, not asked, still remembers the status before it.
      for (const check of await Promise.all([w.check(), w.check()])) expect([check.code, check.stderr]).toEqual([code, '']);
      // Then serve and two more checks see it at once.
      const [serveSaw, ...checks] = await Promise.all([pollNow(), w.check(), w.check()]);
      expect(serveSaw).toBe(bad ? 'critical' : 'ok');
      for (const check of checks) expect([check.code, check.stderr]).toEqual([code, '']);
      expected.push(bad ? 'ok->critical' : 'critical->ok');
      expect(transitions(await w.changes())).toEqual(expected);
    }

    const changes = await w.changes();
    // One chain: each change starts where the one before ended, at or after its time.
    for (let i = 1; i < changes.length; i++) {
      expect(changes[i]!.from).toBe(changes[i - 1]!.to);
      expect(changes[i]!.at).toBeGreaterThanOrEqual(changes[i - 1]!.at);
      expect(changes[i]!.id).toBeGreaterThan(changes[i - 1]!.id!);
    }
    // serve's dashboard heard every change once, in the order stored, whether serve or a check stored it.
    expectHeardOnce(stream, changes);
  }, 240_000); // twenty-one CLI processes and serve's polls: minutes on a loaded two-core machine, not a measure

  it('failures in a row are counted across serve and checks, so they agree when a source turns critical', async () => {
    const w = workDir();
    writeFileSync(w.config, readFileSync(w.config, 'utf8').replace('sources:', 'defaults:\n  failuresBeforeCritical: 3\nsources:'));
    const { stream, pollNow } = await startServe(w);
    expect(await pollNow()).toBe('ok');
    renameSync(w.dumps, `${w.dumps}.moved`);
    // Two failed checks (UNKNOWN), then serve's first failed poll is the third in a row.
    for (const check of [await w.check(), await w.check()]) expect([check.code, check.stdout]).toEqual([3, expect.stringMatching(/^BACKUP HEALTH UNKNOWN/)]);
    expect(await pollNow()).toBe('critical');
    const check = await w.check();
    expect([check.code, check.stdout]).toEqual([2, expect.stringContaining('for the last 4 polls')]);
    expect(await pollNow()).toBe('critical');
    const changes = await w.changes();
    expect(transitions(changes)).toEqual(['null->ok', 'ok->unknown', 'unknown->critical']);
    // serve stored the change to critical; its dashboard heard the checks' change to unknown too, once each.
    expectHeardOnce(stream, changes);
  }, 120_000);
});
