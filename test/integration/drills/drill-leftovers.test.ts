// What a drill killed outright leaves (its directories, owner files naming the drill) and what the next command
// makes of it: each directory removed by one sweeper however many sweep at once, each dead drill recorded once,
// a sweeper that died mid-way taken over, and an owner file the drill's user scribbled on recording nothing.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killedDrills, sweepDrillLeftovers } from '../../../electron/engine/drills/drill-leftovers';
import { sweepScratchClusters, type SweptCluster } from '../../../electron/engine/drills/scratch-sweep';
import type { Drill } from '../../../shared/model';
import { removeTestParentDir, testParentDir } from '../../support/postgres-fixtures';

const parent = testParentDir('drill-leftovers');
let deadPid: number;
let otherDeadPid: number;

/** The pid of a process that has exited. */
async function exitedPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid!;
}

/** A drill directory as a killed drill leaves it, its owner file as given. */
function leftover(name: string, owner: unknown, file = 'owner.json'): string {
  const dir = join(parent, `backup-health-scratch-${name}`);
  mkdirSync(join(dir, 'data'), { recursive: true });
  writeFileSync(join(dir, 'postgres.log'), 'LOG:  database system is ready to accept connections\n');
  const active = new Date('2026-03-01T10:05:00Z');
  utimesSync(join(dir, 'postgres.log'), active, active);
  utimesSync(join(dir, 'data'), active, active);
  writeFileSync(join(dir, file), typeof owner === 'string' ? owner : JSON.stringify(owner));
  return dir;
}

beforeAll(async () => {
  deadPid = await exitedPid();
  otherDeadPid = await exitedPid();
});

afterAll(() => {
  expect(readdirSync(parent)).toEqual([]);
  removeTestParentDir(parent);
});

describe('the sweep of a killed drill', () => {
  it('removes its directory once and names the drill once, however many sweep at the same moment', async () => {
    const dir = leftover('a', { pid: deadPid, startedAt: '2026-03-01T10:00:00.000Z', purpose: 'restore drill of /srv/orders-1.dump', drill: { sourceId: 'orders', backupKey: '/srv/orders-1.dump' } });
    const sweeps = await Promise.all([sweepScratchClusters(parent), sweepScratchClusters(parent), sweepScratchClusters(parent)]);
    expect(sweeps.flat()).toEqual([
      { dir, ownerPid: deadPid, killedPostmaster: null, drill: { sourceId: 'orders', backupKey: '/srv/orders-1.dump', startedAt: Date.parse('2026-03-01T10:00:00Z'), lastActiveAt: Date.parse('2026-03-01T10:05:00Z') } },
    ]);
    expect(existsSync(dir)).toBe(false);
  });

  it('records it as an error in the history: started when its directory was made, over when it was last active', async () => {
    const dir = leftover('b', { pid: deadPid, startedAt: '2026-03-01T10:00:00.000Z', drill: { sourceId: 'orders', backupKey: '/srv/orders-1.dump' } });
    const recorded: Drill[] = [];
    const now = Date.parse('2026-03-01T12:00:00Z');
    await sweepDrillLeftovers(parent, ['orders'], { recordDrill: (d) => (recorded.push(d), d) }, now);
    expect(recorded).toEqual([
      {
        sourceId: 'orders',
        backupKey: '/srv/orders-1.dump',
        startedAt: Date.parse('2026-03-01T10:00:00Z'),
        finishedAt: Date.parse('2026-03-01T10:05:00Z'),
        outcome: 'error',
        phases: {},
        restoreMs: null,
        tables: 0,
        rows: 0,
        restoredBytes: null,
        checks: [],
        message: `the drill was cut off: the process running it (pid ${deadPid}) ended without finishing or cleaning up (killed with SIGKILL, crashed, or the machine stopped); its directory ${dir} was removed at 2026-03-01T12:00:00.000Z; run the drill again`,
        restoredWith: null,
        tableDetails: [],
        provenance: { host: hostname(), tools: {}, scratchServer: null },
      },
    ]);
  });

  it('takes over the claim of a sweeper that died mid-way, removing the directory without recording the drill again', async () => {
    const dir = leftover('c', { pid: deadPid, drill: { sourceId: 'orders', backupKey: '/srv/orders-1.dump' } }, `sweeping-${otherDeadPid}.json`);
    expect(await sweepScratchClusters(parent)).toEqual([{ dir, ownerPid: deadPid, killedPostmaster: null }]);
    expect(existsSync(dir)).toBe(false);
  });

  it('ends what of the dead drill still runs there before removing the directory (a sandbox left sleeping, orphaned pg_restore workers)', async () => {
    const dir = leftover('stuck', { pid: deadPid });
    // A stand-in for a bubblewrap whose parent-death signal was lost in a race: alive, naming the directory, with
    // nothing inside. The race itself cannot be made to happen on demand.
    const stuck = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 600_000)', '--', '--bind', dir, dir], { stdio: 'ignore' });
    const exited = new Promise((resolve) => stuck.once('exit', (_code, signal) => resolve(signal)));
    await new Promise((resolve) => stuck.once('spawn', resolve));
    expect(await sweepScratchClusters(parent)).toEqual([{ dir, ownerPid: deadPid, killedPostmaster: null }]);
    expect(await exited).toBe('SIGKILL');
    expect(existsSync(dir)).toBe(false);
  });

  it('leaves a directory whose drill or sweeper is alive', async () => {
    const running = leftover('d', { pid: process.pid, drill: { sourceId: 'orders', backupKey: '/srv/orders-1.dump' } });
    const beingSwept = leftover('e', { pid: deadPid }, `sweeping-${process.ppid}.json`);
    expect(await sweepScratchClusters(parent)).toEqual([]);
    expect(readdirSync(running).sort()).toEqual(['data', 'owner.json', 'postgres.log']);
    expect(readdirSync(beingSwept).sort()).toEqual(['data', 'postgres.log', `sweeping-${process.ppid}.json`]);
    removeTestParentDir(running);
    removeTestParentDir(beingSwept);
  });

  it('records nothing for an owner file the drill user rewrote, and still removes the directory', async () => {
    const dirs = [
      leftover('f', { pid: deadPid, drill: { sourceId: 42, backupKey: '/srv/x.dump' } }),
      leftover('g', { pid: deadPid, drill: { sourceId: 'orders', backupKey: 'x'.repeat(5000) } }),
      leftover('h', { pid: deadPid, drill: 'orders' }),
    ];
    const swept = await sweepScratchClusters(parent);
    expect(swept.map((s) => s.dir).sort()).toEqual(dirs);
    expect(swept.every((s) => s.drill === undefined)).toBe(true);
    // An owner file that is not an owner file at all: not ours to sweep.
    const junk = leftover('i', 'not json');
    expect(await sweepScratchClusters(parent)).toEqual([]);
    removeTestParentDir(junk);
  });
});

describe('killedDrills', () => {
  const swept = (dir: string, pid: number, sourceId: string, extra: Partial<SweptCluster> = {}): SweptCluster => ({
    dir,
    ownerPid: pid,
    killedPostmaster: null,
    drill: { sourceId, backupKey: '/srv/orders-1.dump', startedAt: 1_000, lastActiveAt: 5_000 },
    ...extra,
  });

  it('makes one drill of the directories one dead process used for one source, and none for a source not configured', () => {
    const drills = killedDrills([swept('/d/1', 7, 'orders'), swept('/d/2', 7, 'orders', { killedPostmaster: 99 }), swept('/d/3', 8, 'gone')], ['orders'], 9_000);
    expect(drills).toHaveLength(1);
    expect(drills[0]).toMatchObject({ sourceId: 'orders', outcome: 'error', startedAt: 1_000, finishedAt: 5_000 });
    expect(drills[0]!.message).toBe(
      'the drill was cut off: the process running it (pid 7) ended without finishing or cleaning up (killed with SIGKILL, crashed, or the machine stopped); its scratch PostgreSQL was still running and was stopped, and its directories /d/1, /d/2 were removed at 1970-01-01T00:00:09.000Z; run the drill again',
    );
  });

  it('never dates the end before the start nor after now', () => {
    const early = killedDrills([swept('/d/1', 7, 'orders', { drill: { sourceId: 'orders', backupKey: 'k', startedAt: 5_000, lastActiveAt: 1_000 } })], ['orders'], 9_000);
    expect(early[0]).toMatchObject({ startedAt: 5_000, finishedAt: 5_000 });
    const future = killedDrills([swept('/d/1', 7, 'orders', { drill: { sourceId: 'orders', backupKey: 'k', startedAt: 1_000, lastActiveAt: 20_000 } })], ['orders'], 9_000);
    expect(future[0]).toMatchObject({ startedAt: 1_000, finishedAt: 9_000 });
  });
});
