// WAL continuity over an archive of 100,000 segments (sparse 16 MB files named as PostgreSQL names them, with a
// timeline switch and one gap), listed here (opendir and batched stats) and over ssh on 127.0.0.1 (one find
// round trip through the test sshd), then checked with walContinuity. Goal: <= 2 s each, listing included.
// Baselines: the same listing by GNU find alone (here, and over the same ssh), so the ratio is what reading
// it into the app and checking it adds.
import { mkdtempSync, rmSync, writeFileSync, closeSync, openSync, ftruncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../electron/engine/exec';
import { runTool } from '../../electron/engine/remote';
import { readWalArchive, type WalArchiveLocation } from '../../electron/engine/wal/archive-listing';
import { walContinuity } from '../../electron/engine/wal/continuity';
import { segmentName } from '../../electron/engine/wal/names';
import { startSshd } from '../support/sshd';
import type { BenchFigure } from './figure';

const SEGMENTS = 100_000;
const SEGMENT_SIZE = 16 * 1024 * 1024;
/** Timeline 2 begins here (a promotion); segment GAP_AT is missing. */
const SWITCH_AT = 60_000;
const GAP_AT = 80_000;
const RUNS = 5;
const GOAL_MS = 2000;

export async function benchWal(): Promise<BenchFigure[]> {
  const dir = mkdtempSync(join(tmpdir(), 'backup-health-bench-wal-'));
  const archive = join(dir, 'wal');
  const sshd = await startSshd();
  try {
    progress(`creating ${SEGMENTS} sparse segment files`);
    await run('mkdir', [archive]);
    for (let s = 1; s <= SEGMENTS; s++) {
      if (s === GAP_AT) continue;
      const fd = openSync(join(archive, segmentName(s < SWITCH_AT ? 1 : 2, s, SEGMENT_SIZE)), 'w');
      ftruncateSync(fd, SEGMENT_SIZE);
      closeSync(fd);
    }
    writeFileSync(join(archive, '00000002.history'), `1\t${(BigInt(SWITCH_AT) * BigInt(SEGMENT_SIZE) >> 32n).toString(16).toUpperCase()}/${(Number((BigInt(SWITCH_AT) * BigInt(SEGMENT_SIZE)) & 0xffffffffn) + 0x148).toString(16).toUpperCase()}\tno recovery target specified\n`);
    const startSegment = segmentName(1, 1, SEGMENT_SIZE);

    const check = async (location: WalArchiveLocation) => {
      const started = performance.now();
      const listing = await readWalArchive(location, { timeoutMs: 120_000 });
      const listed = performance.now();
      const summary = walContinuity({ listing: listing.entries, segmentSize: SEGMENT_SIZE, startSegment, histories: listing.histories });
      const done = performance.now();
      if (summary.gapCount !== 1 || summary.missingSegments !== 1 || summary.chain.join() !== '1,2' || summary.truncatedCount !== 0) {
        throw new Error(`unexpected summary: ${JSON.stringify({ ...summary, windows: undefined })}`);
      }
      return { totalMs: done - started, continuityMs: done - listed };
    };
    const findArgs = [archive, '-mindepth', '1', '-maxdepth', '1', '-type', 'f', '-printf', '%f\\t%s\\t%T@\\0'];
    const bareFind = async (host?: string) => {
      const started = performance.now();
      const result = await runTool(host ? { host, sshOptions: sshd.sshOptions } : {}, 'find', findArgs, { timeoutMs: 120_000, maxOutputBytes: 64 * 1024 * 1024 });
      if (result.code !== 0) throw new Error(`find failed: ${result.stderr}`);
      return performance.now() - started;
    };
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

    const figures: BenchFigure[] = [];
    for (const [where, location, host] of [
      ['here', { path: archive }, undefined],
      ['over ssh on 127.0.0.1', { path: archive, host: sshd.host, sshOptions: sshd.sshOptions }, sshd.host],
    ] as const) {
      await check(location); // warm the page cache and the ssh path once
      const runs = [];
      const bare = [];
      for (let i = 0; i < RUNS; i++) {
        runs.push(await check(location));
        bare.push(await bareFind(host));
      }
      const value = median(runs.map((r) => r.totalMs));
      const baseline = median(bare);
      const continuity = median(runs.map((r) => r.continuityMs));
      progress(`${where}: list and check ${value.toFixed(0)} ms (of which walContinuity ${continuity.toFixed(0)} ms); find alone ${baseline.toFixed(0)} ms`);
      figures.push({
        name: `WAL continuity of an archive of ${SEGMENTS} segments listed ${where} and checked (median of ${RUNS}); baseline: GNU find listing the same directory ${where}`,
        value: round(value),
        unit: 'ms',
        baseline: round(baseline),
        ratio: round(value / baseline),
        goal: `<= ${GOAL_MS} ms`,
        pass: value <= GOAL_MS,
      });
      if (!host) {
        figures.push({ name: `walContinuity alone over ${SEGMENTS} listed segments (median of ${RUNS})`, value: round(continuity), unit: 'ms', goal: '<= 1000 ms', pass: continuity <= 1000 });
      }
    }
    return figures;
  } finally {
    await sshd.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

function progress(text: string): void {
  process.stderr.write(`bench wal: ${text}\n`);
}
