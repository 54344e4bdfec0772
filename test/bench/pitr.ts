// Point-in-time drill benchmark: an end-of-archive drill of a pg_basebackup run (jail, sandbox, the run unpacked
// by tar in the sandbox, the archive copied in, replay to the end, exact row counts, cleanup) as a ratio to what a
// sysadmin would do by hand in the same script: untar the same run into a directory, write recovery.signal, start
// PostgreSQL with restore_command copying straight from the archive, and wait until it accepts connections —
// unsandboxed, nothing verified. Goal <= 1.2. Rounds alternate (bare, drill, …); the best of each is kept.
import { chmodSync, chownSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateConfig, type BaseBackupSourceConfig } from '../../shared/config';
import { ScratchCluster } from '../../electron/engine/drills/scratch-cluster';
import { pickPostgresInstall } from '../../electron/engine/drills/postgres-install';
import { describeFailure, run } from '../../electron/engine/exec';
import { basebackupProbe } from '../../electron/engine/sources/basebackup/index';
import { runBaseBackupDrill } from '../../electron/engine/sources/basebackup/drill';
import { startBaseBackupSetup } from '../support/basebackup-fixtures';
import { probeContext, sql } from '../support/postgres-fixtures';
import type { BenchFigure } from './figure';

const ROWS_BEFORE = Number(process.env.BENCH_PITR_ROWS_BEFORE ?? 400_000);
const ROWS_AFTER = Number(process.env.BENCH_PITR_ROWS_AFTER ?? 1_000_000);
const ROUNDS = 3;
const log = (text: string) => process.stderr.write(`[bench:pitr] ${text}\n`);

export async function benchPitr(): Promise<BenchFigure[]> {
  const parent = mkdtempSync(join(tmpdir(), 'bh-bench-pitr-'));
  // The drill's user reads the backup and writes its directory here, as a sysadmin's drillDir allows.
  chmodSync(parent, 0o755);
  const setup = await startBaseBackupSetup({ parentDir: parent });
  try {
    log(`${ROWS_BEFORE.toLocaleString('en-US')} rows, a tar-format base backup, then ${ROWS_AFTER.toLocaleString('en-US')} more rows to replay …`);
    await setup.writeLoad(ROWS_BEFORE);
    const facts = await setup.backup({ format: 'tar' });
    for (let written = 0; written < ROWS_AFTER; written += 100_000) await setup.writeLoad(Math.min(100_000, ROWS_AFTER - written));
    await setup.switchAndWait();
    const segments = setup.archivedSegments().filter((name) => name.slice(8) >= facts.startSegment.slice(8)).length;
    const expected = Number(await sql(setup.primary(), 'SELECT count(*) FROM public.orders'));
    await setup.firstPrimary.stop(); // nothing else runs while timing; the backups and archive stay
    log(`${segments} segments to replay from ${facts.startSegment}; ${expected.toLocaleString('en-US')} rows`);

    const parsed = validateConfig({ defaults: { drillDir: parent }, sources: [{ id: 'bench-base', kind: 'basebackup', path: setup.basePath, walArchive: setup.walArchive }] });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    const source = parsed.config.sources[0] as BaseBackupSourceConfig;
    const backup = (await basebackupProbe.observe(source, probeContext({ timeoutMs: 120_000 }))).backups.find((b) => b.key === facts.label)!;
    const install = await pickPostgresInstall({ minMajor: 15 });

    const bare: number[] = [];
    const drills: number[] = [];
    let sandboxed: boolean | undefined;
    for (let round = 1; round <= ROUNDS; round++) {
      let t = performance.now();
      const cluster = await ScratchCluster.startFromDataDir({ install, parentDir: parent, purpose: 'bench bare recovery', startTimeoutSec: 1800 }, async (c) => {
        const untar = await run('tar', ['-xf', join(facts.dir, 'base.tar'), '-C', c.dataDir], { timeoutMs: 30 * 60_000, ...c.owner });
        if (untar.code !== 0) throw new Error(describeFailure(untar, 'tar'));
        writeFileSync(join(c.dataDir, 'recovery.signal'), '');
        if (c.owner) chownSync(join(c.dataDir, 'recovery.signal'), c.owner.uid, c.owner.gid);
        return { restore_command: `cp ${setup.walArchive}/%f "%p"`, archive_mode: 'off', hot_standby: 'off' };
      });
      bare.push(performance.now() - t);
      await cluster.stop();
      log(`round ${round}: bare untar + recovery ${(bare.at(-1)! / 1000).toFixed(2)} s`);

      t = performance.now();
      const drill = await runBaseBackupDrill(source, backup, { signal: new AbortController().signal, timeoutMs: 60 * 60_000, config: parsed.config, now: Date.now, onProgress: () => {} });
      drills.push(performance.now() - t);
      if (drill.outcome !== 'pass') throw new Error(`the benchmark drill did not pass: ${drill.message}`);
      if (drill.rows !== expected) throw new Error(`the drill restored ${drill.rows} rows, not ${expected}`);
      sandboxed = drill.safety?.sandboxed;
      log(`round ${round}: end-of-archive drill ${(drills.at(-1)! / 1000).toFixed(2)} s (replayed ${drill.recovery?.walReplayed} segments in ${((drill.recovery?.replayMs ?? 0) / 1000).toFixed(2)} s)`);
    }
    const best = (xs: number[]) => Math.min(...xs);
    const ratio = best(drills) / best(bare);
    return [
      {
        name: `end-of-archive drill of a base backup (${segments} WAL segments, ${sandboxed ? 'sandboxed' : 'NOT sandboxed'}) vs bare untar + recovery`,
        value: Math.round(best(drills)),
        unit: 'ms',
        baseline: Math.round(best(bare)),
        ratio: Number(ratio.toFixed(3)),
        goal: 'ratio <= 1.2',
        pass: ratio <= 1.2,
      },
    ];
  } finally {
    await setup.stop().catch(() => {});
    rmSync(parent, { recursive: true, force: true });
  }
}

