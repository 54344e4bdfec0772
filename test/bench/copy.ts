// Copying a backup from another host, the first step of every remote drill: fetchTar (ssh's stdout through
// Node into a local tar, counting bytes for progress) as a ratio to the same copy done by a shell pipeline
// alone, `ssh host tar -cf - … | tar -xf -`, over the same real sshd on 127.0.0.1 — goal <= 1.2. Whatever
// ssh and tar cost is in both; the ratio is what Backup Health adds. Runs alternate, the best of each is kept.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeFailure, run } from '../../electron/engine/exec';
import { shellQuote, sshCommand } from '../../electron/engine/remote';
import { describeFetchFailure, fetchTar } from '../../electron/engine/remote-fetch';
import { startSshd } from '../support/sshd';
import type { BenchFigure } from './figure';

const COPY_MB = Number(process.env.BENCH_COPY_MB ?? 512);
const ROUNDS = 3;
const log = (text: string) => process.stderr.write(`[bench:copy] ${text}\n`);

export async function benchCopy(): Promise<BenchFigure[]> {
  const work = mkdtempSync(join(tmpdir(), 'backup-health-bench-copy-'));
  const sshd = await startSshd();
  try {
    const tree = join(work, 'tree');
    mkdirSync(tree);
    // Incompressible, in 64 MB files: a dump directory's worth of bytes, not one synthetic stream.
    for (let i = 0; i < COPY_MB / 64; i++) writeFileSync(join(tree, `part-${i}.dat`), randomBytes(64 * 1024 * 1024));
    log(`${COPY_MB} MB in ${tree}`);
    const where = { host: sshd.host, sshOptions: sshd.sshOptions };
    const remote = ['tar', '-C', tree, '-cf', '-', '.'];
    const bare: number[] = [];
    const ours: number[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const bareDest = mkdtempSync(join(work, 'bare-'));
      const [ssh, sshArgs] = sshCommand(sshd.host, sshd.sshOptions, remote);
      let t = performance.now();
      const piped = await run('sh', ['-c', `${shellQuote([ssh, ...sshArgs])} | tar -x -f - -C ${shellQuote([bareDest])}`], { timeoutMs: 600_000 });
      bare.push(performance.now() - t);
      if (piped.code !== 0) throw new Error(describeFailure(piped, 'ssh | tar'));
      rmSync(bareDest, { recursive: true, force: true });

      const dest = mkdtempSync(join(work, 'ours-'));
      let reports = 0;
      t = performance.now();
      const fetched = await fetchTar(where, remote[0]!, remote.slice(1), dest, { timeoutMs: 600_000, onProgress: () => reports++ });
      ours.push(performance.now() - t);
      const failure = describeFetchFailure(fetched, 'tar', sshd.host);
      if (failure) throw new Error(failure);
      rmSync(dest, { recursive: true, force: true });
      log(`round ${round}: ssh | tar ${(bare.at(-1)! / 1000).toFixed(2)} s, fetchTar ${(ours.at(-1)! / 1000).toFixed(2)} s (${reports} progress reports)`);
    }
    const baseline = Math.min(...bare);
    const value = Math.min(...ours);
    const ratio = value / baseline;
    return [
      {
        name: `remote copy of ${COPY_MB} MB over ssh (fetchTar vs ssh | tar)`,
        value: Math.round(value),
        unit: 'ms',
        baseline: Math.round(baseline),
        ratio: Number(ratio.toFixed(3)),
        goal: 'ratio <= 1.2',
        pass: ratio <= 1.2,
      },
    ];
  } finally {
    await sshd.stop();
    rmSync(work, { recursive: true, force: true });
  }
}
