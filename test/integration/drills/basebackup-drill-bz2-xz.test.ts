// An archive some of whose segments were compressed with bzip2 and xz (archive_commands that run `bzip2 -c` or
// `xz -c`, or a clean-up job that compressed old segments) and the others left plain: observing counts every one
// as present (no gap), and a drill of the base backup replays through all of them to the last commit, each
// decompressed by restore_command with the real bzip2 and xz inside the drill's sandbox. A machine without one of
// the tools ends the drill as an error naming the tool and its package before the replay starts (the pipe in
// restore_command would otherwise hand PostgreSQL an empty segment, judged a segment cut short in the archive).
import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BaseBackupMetrics } from '../../../shared/model';
import { validateConfig, type BaseBackupSourceConfig } from '../../../shared/config';
import { basebackupProbe } from '../../../electron/engine/sources/basebackup/index';
import { runBaseBackupDrill } from '../../../electron/engine/sources/basebackup/drill';
import { DrillStop } from '../../../electron/engine/drills/drill-stop';
import { checkDecompressors } from '../../../electron/engine/drills/wal-replay';
import { probeContext, removeTestParentDir, scratchDirsIn, testParentDir } from '../../support/postgres-fixtures';
import { basebackupSource, judgeBaseBackups, startBaseBackupSetup, type BaseBackupSetup, type SwitchedSegment } from '../../support/basebackup-fixtures';
import { postgresProcessesUsing } from '../../support/processes';
import { expectToolVersion } from '../../support/tool-version';

const sourceParent = testParentDir('bbx-src');
const drillParent = testParentDir('bbx-runs');
let setup: BaseBackupSetup;
let label = '';
let last: SwitchedSegment;
/** Each segment from the backup's start on, and how it is kept in the archive. */
const kept = new Map<string, 'bz2' | 'xz' | 'plain'>();

beforeAll(async () => {
  setup = await startBaseBackupSetup({ parentDir: sourceParent });
  await setup.writeLoad(300);
  const backup = await setup.backup({ format: 'tar' });
  label = backup.label;
  for (let i = 0; i < 5; i++) {
    await setup.writeLoad(100);
    last = await setup.switchAndWait();
  }
  // From the backup's start on, in turn: bz2, xz, plain; the newest one compressed too, so the replay must get
  // through a compressed segment to reach the last commit. The tools replace the file, keeping its time and owner.
  const needed = setup.archivedSegments().filter((name) => name.slice(8) >= backup.startSegment.slice(8));
  const ways = ['bz2', 'xz', 'plain'] as const;
  needed.forEach((name, i) => kept.set(name, name === last.segment ? 'xz' : ways[i % ways.length]!));
  for (const [name, way] of kept) {
    if (way !== 'plain') execFileSync(way === 'bz2' ? 'bzip2' : 'xz', ['-q', join(setup.walArchive, name)]);
  }
}, 240_000);

afterAll(async () => {
  await setup?.stop();
  expect(scratchDirsIn(sourceParent)).toEqual([]);
  removeTestParentDir(sourceParent);
  removeTestParentDir(drillParent);
});

describe('base backups with .bz2 and .xz segments in the archive', () => {
  it('compressed the archive as the test meant: every kind of file is there', () => {
    const files = setup.archived();
    for (const [name, way] of kept) expect(files).toContain(way === 'plain' ? name : `${name}.${way}`);
    expect([...kept.values()].filter((w) => w === 'bz2').length).toBeGreaterThan(0);
    expect([...kept.values()].filter((w) => w === 'xz').length).toBeGreaterThan(1);
    expect([...kept.values()].filter((w) => w === 'plain').length).toBeGreaterThan(0);
  });

  it('observing counts .bz2 and .xz segments as present: no gap, the newest segment is the compressed last one', async () => {
    const source = basebackupSource(setup);
    const observation = await basebackupProbe.observe(source, probeContext({ timeoutMs: 60_000 }));
    const metrics = observation.metrics as BaseBackupMetrics;
    expect(metrics.walArchive).toMatchObject({ gapCount: 0, missingSegments: 0, truncatedCount: 0, newestSegment: last.segment });
    expect(judgeBaseBackups(source, observation).findings.filter((f) => f.rule === 'wal-continuity')).toEqual([]);
  });

  it('a drill replays through the .bz2 and .xz segments to the last commit', async () => {
    const parsed = validateConfig({ defaults: { drillDir: drillParent }, sources: [{ id: 'orders-base', kind: 'basebackup', path: setup.basePath, walArchive: setup.walArchive }] });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    const source = parsed.config.sources[0] as BaseBackupSourceConfig;
    const backup = (await basebackupProbe.observe(source, probeContext({ timeoutMs: 60_000 }))).backups.find((b) => b.key === label)!;
    const drill = await runBaseBackupDrill(source, backup, { signal: new AbortController().signal, timeoutMs: 180_000, config: parsed.config, now: Date.now, onProgress: () => {} });
    expect(drill.outcome, drill.message).toBe('pass');
    expect(drill.safety?.sandboxed).toBe(true);
    expect(drill.recovery).toMatchObject({ mode: 'end-of-archive', lastReplayedSegment: last.segment });
    // restore_command restored each segment from the backup's start to the last (the server logs each one).
    expect(drill.recovery!.walReplayed).toBeGreaterThanOrEqual(kept.size);
    expect(Math.abs(drill.recovery!.lastCommitAt! - last.lastCommitAt)).toBeLessThan(1000);
    expect(drill.tableDetails?.find((t) => t.name === 'orders')?.rows).toBe(800);
    // restore_command's decompressors are in the evidence, as each prints its version (bzip2 on stderr).
    expect(Object.keys(drill.provenance!.tools)).toEqual(expect.arrayContaining(['bzip2', 'xz']));
    await expectToolVersion(drill.provenance!.tools.bzip2, 'bzip2');
    await expectToolVersion(drill.provenance!.tools.xz, 'xz');
    expect(scratchDirsIn(drillParent)).toEqual([]);
    expect(postgresProcessesUsing(drillParent)).toEqual([]);
  }, 300_000);

  it('a decompressor missing from the drill\'s PATH is a drill error naming the tool and its package', () => {
    const wal = join(drillParent, 'fetched-wal');
    const bin = join(drillParent, 'bin-without-xz');
    mkdirSync(wal);
    mkdirSync(bin);
    for (const [name, way] of kept) writeFileSync(join(wal, way === 'plain' ? name : `${name}.${way}`), '');
    const stopped = (path: string[]) => {
      try {
        checkDecompressors({ dir: wal, compressed: true }, path);
        return null;
      } catch (err) {
        expect(err).toBeInstanceOf(DrillStop);
        return { outcome: (err as DrillStop).outcome, message: (err as Error).message };
      }
    };
    expect(stopped([bin])).toEqual({ outcome: 'error', message: expect.stringMatching(/^the WAL archive holds segments compressed with bzip2 \([0-9A-F]{24}\.bz2\), and bzip2 is not installed on this machine \(not in .+\): install bzip2 so the drill can replay them$/) });
    symlinkSync(execFileSync('sh', ['-c', 'command -v bzip2']).toString().trim(), join(bin, 'bzip2'));
    expect(stopped([bin])).toEqual({ outcome: 'error', message: expect.stringContaining(', and xz is not installed on this machine (not in ' + bin + '): install xz-utils so the drill can replay them') });
    // This machine's drill PATH has both (the drill above passed with them).
    expect(stopped(['/usr/local/bin', '/usr/bin', '/bin'])).toBeNull();
    checkDecompressors({ dir: wal, compressed: true });
  });
});
