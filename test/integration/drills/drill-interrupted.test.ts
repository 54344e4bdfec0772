// Every way a `backup-health drill` can end early, done to the real bin in the middle of a real restore: SIGHUP
// (a closed terminal or ssh session), SIGINT, SIGTERM, an uncaught error and an unhandled rejection each stop
// the drill, stop its scratch PostgreSQL, remove its directory and record it as an error saying why; a closed
// stdout or stderr is no reason to stop (the drill finishes and is recorded); SIGKILL, which nothing can catch,
// leaves no process running (parent-death signals), and the next `check` removes the directory and records the
// drill that was cut off. Runs as root and, in the unprivileged run, as an ordinary user.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runClient } from '../../../electron/engine/drills/scratch-cluster';
import { ensureCliBuilt, runCli } from '../../support/cli';
import { removeTestParentDir, scratchDirsIn, sql, startTcpCluster, testParentDir, waitFor, type TcpCluster } from '../../support/postgres-fixtures';
import { describeProcessesUsing, isAlive, postgresProcessesUsing, postmastersUsing, processesUsing, restoreRunning } from '../../support/processes';

const parent = testParentDir('drill-interrupted');
const drillDir = testParentDir('drill-interrupted-scratch');
const dumps = join(parent, 'dumps');
const data = join(parent, 'data');
const configFile = join(parent, 'config.yml');
const DUMP = join(dumps, 'orders-1.dump');
let db: TcpCluster;

interface RunningDrill {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** `backup-health drill` as a user starts it, stopped here once it is restoring. */
async function drillUntilRestoring(options: { env?: NodeJS.ProcessEnv; nodeArgs?: string[]; closeStdout?: boolean } = {}): Promise<RunningDrill> {
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), 'bin/backup-health.js', 'drill', '--source', 'orders-dumps', '--config', configFile, '--data', data], {
    env: { ...process.env, NO_COLOR: '1', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  if (options.closeStdout) child.stdout!.destroy(); // nobody reads it: every write of the drill's gets EPIPE
  else child.stdout!.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  await waitFor('the drill to start restoring', () => /^restore: /m.test(stderr), { timeoutMs: 60_000, intervalMs: 10 });
  // Killed before pg_restore runs as itself (setpriv sets its parent-death signal, then execs it), it is orphaned.
  await waitFor('pg_restore to run under its parent-death signal', () => restoreRunning(drillDir), { timeoutMs: 60_000, intervalMs: 10 });
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

async function lastDrill(): Promise<{ outcome: string; message: string; backupKey: string }> {
  const history = await runCli(['history', '--source', 'orders-dumps', '--config', configFile, '--data', data, '--json']);
  expect(history.code, history.stderr).toBe(0);
  return JSON.parse(history.stdout).drills[0];
}

/**
 * After a SIGKILL: the drill's postmaster dies at once (its parent-death signal); pg_restore -j's workers, when
 * not in a sandbox, end when their pipe or connection closes, a moment later and longer under load. A wait
 * that runs out names what is still running.
 */
async function processesOfKilledDrillEnd(dir: string): Promise<void> {
  const named = (err: Error) => {
    throw new Error(`${err.message}; still running:\n${describeProcessesUsing(dir)}`);
  };
  await waitFor('the killed drill\'s postmaster to end', () => postmastersUsing(dir).length === 0).catch(named);
  await waitFor('every process of the killed drill to end', () => processesUsing(dir).length === 0, { timeoutMs: 60_000 }).catch(named);
}

/** Nothing of any drill left: no directory, no postgres, no tool working in one. */
function expectNothingLeft(): void {
  expect(scratchDirsIn(drillDir)).toEqual([]);
  expect(processesUsing(drillDir)).toEqual([]);
}

beforeAll(async () => {
  ensureCliBuilt();
  mkdirSync(dumps, { recursive: true });
  db = await startTcpCluster({ parentDir: parent });
  await sql(db.cluster, 'CREATE DATABASE orders;');
  // Big enough that its restore takes a moment (a signal lands in it), small enough for nine drills.
  await sql(
    db.cluster,
    `CREATE TABLE customers AS SELECT g AS id, 'customer ' || g AS name FROM generate_series(1, 2000) g;
     CREATE TABLE orders AS SELECT g AS id, (g % 2000) + 1 AS customer_id, md5(g::text) AS note FROM generate_series(1, 400000) g;
     CREATE INDEX orders_note ON orders (note);`,
    'orders',
  );
  const dump = await runClient(db.cluster, 'pg_dump', ['-Fc', '-f', DUMP, 'orders']);
  expect(dump.code, dump.stderr).toBe(0);
  const when = new Date(Date.now() - 3_600_000);
  utimesSync(DUMP, when, when);
  writeFileSync(configFile, `defaults:\n  drillDir: ${drillDir}\nsources:\n  - id: orders-dumps\n    kind: dump-dir\n    path: ${dumps}\n    pattern: "*.dump"\n    settle: 0s\n    drill:\n      jobs: 1\n`);
}, 120_000);

afterAll(async () => {
  await db?.cluster.stop();
  expect(scratchDirsIn(parent)).toEqual([]);
  expect(postgresProcessesUsing(drillDir)).toEqual([]);
  removeTestParentDir(parent);
  removeTestParentDir(drillDir);
});

describe('a drill told to stop', () => {
  it.each([
    ['SIGHUP', 'its terminal or ssh session closed'],
    ['SIGINT', 'Ctrl-C'],
    ['SIGTERM', 'asked to stop by kill or a service manager'],
  ] as const)('by %s stops its scratch cluster, removes its directory and is recorded as an error saying so (exit 3)', async (signal, meaning) => {
    const drill = await drillUntilRestoring();
    drill.child.kill(signal);
    const { code } = await drill.exited;
    expect(code, drill.stderr()).toBe(3);
    const why = new RegExp(`^the drill was interrupted during the (restore|verify) phase: backup-health got ${signal} \\(${meaning}\\)$`);
    const [headline] = drill.stdout().split('\n');
    expect(headline!.replace(/^ERROR orders-dumps: /, '')).toMatch(why);
    expect(drill.stderr()).toMatch(/^cleanup: 1 of 1$/m);
    expectNothingLeft();
    expect(await lastDrill()).toMatchObject({ outcome: 'error', backupKey: DUMP, message: expect.stringMatching(why) });
  });

  it.each([
    ['an uncaught exception', 'throw', 'injected fault (test)'],
    ['an unhandled rejection', 'reject', 'injected rejection (test)'],
  ] as const)('by %s in the middle of a restore is cleaned up and recorded the same way, naming the error', async (_, fault, error) => {
    const drill = await drillUntilRestoring({ nodeArgs: ['--import', './test/support/inject-fault.mjs'], env: { INJECT_FAULT: fault } });
    drill.child.kill('SIGUSR2');
    const { code } = await drill.exited;
    expect(code, drill.stderr()).toBe(3);
    expect(drill.stderr()).toContain(`backup-health: internal error, stopping the drill: ${error}`);
    const why = new RegExp(`^the drill was interrupted during the (restore|verify) phase: backup-health hit an internal error: ${error.replace(/[()]/g, '\\$&')}$`);
    expect(drill.stdout()).toMatch(/^ERROR orders-dumps: the drill was interrupted/);
    expectNothingLeft();
    expect(await lastDrill()).toMatchObject({ outcome: 'error', message: expect.stringMatching(why) });
  });
});

describe('a drill whose output nobody reads', () => {
  it('goes on when its stderr is closed mid-restore (EPIPE on the progress lines): it passes, is recorded and printed, and leaves nothing', async () => {
    const drill = await drillUntilRestoring();
    drill.child.stderr!.destroy();
    const { code } = await drill.exited;
    expect(code).toBe(0);
    expect(drill.stdout()).toMatch(/^PASS orders-dumps: restored orders: 2 tables, 402,000 rows/);
    expectNothingLeft();
    expect(await lastDrill()).toMatchObject({ outcome: 'pass', backupKey: DUMP });
  });

  it('goes on when its stdout is closed (EPIPE on the result): it passes, is recorded, and leaves nothing', async () => {
    const drill = await drillUntilRestoring({ closeStdout: true });
    const { code } = await drill.exited;
    expect(code, drill.stderr()).toBe(0);
    expect(drill.stderr()).toMatch(/^cleanup: 1 of 1$/m);
    expect(drill.stderr()).not.toMatch(/EPIPE|Error/);
    expectNothingLeft();
    expect(await lastDrill()).toMatchObject({ outcome: 'pass', backupKey: DUMP });
  });
});

describe('a drill killed with SIGKILL', () => {
  it.each([
    ['in the sandbox where there is one', {}],
    ['without a sandbox', { BACKUP_HEALTH_SANDBOX: 'off' }],
  ] as const)('%s leaves no process running; the next check removes its directory and records it as cut off', async (_, env) => {
    const drill = await drillUntilRestoring({ env });
    const [dir] = scratchDirsIn(drillDir);
    expect(dir).toBeDefined();
    const leftover = join(drillDir, dir!);
    expect(postgresProcessesUsing(leftover).length).toBeGreaterThan(0); // its server was running...
    drill.child.kill('SIGKILL');
    await drill.exited;
    // ...and dies with it, with pg_restore and everything else started for the drill (parent-death signals).
    await processesOfKilledDrillEnd(leftover);
    expect(existsSync(leftover)).toBe(true); // nothing could remove it as the process died

    const check = await runCli(['check', '--config', configFile, '--data', data]);
    expect(check.stderr).toBe('');
    expectNothingLeft();
    const recorded = await lastDrill();
    expect(recorded).toMatchObject({ outcome: 'error', backupKey: DUMP });
    const said = `the drill was cut off: the process running it (pid ${drill.child.pid}) ended without finishing or cleaning up (killed with SIGKILL, crashed, or the machine stopped); its directory ${leftover} was removed at `;
    expect(recorded.message.slice(0, said.length)).toBe(said);
    expect(recorded.message.slice(said.length)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z; run the drill again$/);
    // Health says so: the last drill could not run.
    expect(check.stdout).toContain('the drill was cut off');
    expect(isAlive(drill.child.pid!)).toBe(false);
    expect(readdirSync(drillDir)).toEqual([]);
  });

  it('is recorded by the next history too, which lists it (any command that opens the history sweeps)', async () => {
    const drill = await drillUntilRestoring();
    const [dir] = scratchDirsIn(drillDir);
    const leftover = join(drillDir, dir!);
    drill.child.kill('SIGKILL');
    await drill.exited;
    await processesOfKilledDrillEnd(leftover);
    expect(existsSync(leftover)).toBe(true);
    const recorded = await lastDrill(); // `history --json`, nothing else in between
    expect(recorded).toMatchObject({ outcome: 'error', backupKey: DUMP });
    expect(recorded.message).toContain(`the drill was cut off: the process running it (pid ${drill.child.pid}) ended`);
    expectNothingLeft();
  });
});
