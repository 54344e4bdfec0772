// Restore drills of real restic snapshots: restic dump unpacked by the drill's user, files against restic ls, restic check
// --read-data-subset, and the pg_dump inside restored into a scratch cluster; a corrupt pack file makes the
// drill fail; nothing is left behind.
import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig, type Config, type ResticSourceConfig } from '../../../shared/config';
import type { DrillProgress, ObservedBackup } from '../../../shared/model';
import { run } from '../../../electron/engine/exec';
import { DRILL_DIR_PREFIXES } from '../../../electron/engine/drills/drill-dirs';
import { resticProbe } from '../../../electron/engine/sources/restic/index';
import type { DrillContext } from '../../../electron/engine/sources/probe';
import { probeContext, removeTestParentDir, scratchDirsIn, testParentDir } from '../../support/postgres-fixtures';
import { corruptFile, packsOf, restic, writeOrdersDump } from '../../support/restic-fixtures';
import { expectPostgresToolVersion, expectToolVersion, postgresToolOf } from '../../support/tool-version';
import { TAR } from '../../../electron/engine/drills/drill-jail';

const PASSWORD = 'drill password';
const root = testParentDir('restic-drill');
const drillDir = testParentDir('restic-drill-scratch');
const src = join(root, 'backup');
const passwordFile = join(root, 'password');
const goodRepo = join(root, 'good');
const badRepo = join(root, 'bad');
const brokenTreesRepo = join(root, 'broken-trees');
let xdgCache: string | undefined;

const job = { passwordFile, cacheDir: join(root, 'job-cache') };

function parsed(repo: string): { config: Config; source: ResticSourceConfig } {
  const result = validateConfig({
    defaults: { drillDir },
    sources: [{ id: 'orders-restic', kind: 'restic', repo, passwordFile, drill: { jobs: 2, readDataSubset: '100%', checks: [{ name: 'customers', sql: 'select count(*) = 500 from customers' }] } }],
  });
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return { config: result.config, source: result.config.sources[0] as ResticSourceConfig };
}

async function drill(repo: string, progress: DrillProgress[] = []) {
  const { config, source } = parsed(repo);
  const observation = await resticProbe.observe(source, probeContext({ config, timeoutMs: 20_000 }));
  const newest = observation.backups.at(-1) as ObservedBackup;
  const ctx: DrillContext = { signal: new AbortController().signal, timeoutMs: 120_000, config, now: () => Date.now(), onProgress: (p) => progress.push(p) };
  return resticProbe.drill!(source, newest, ctx);
}

beforeAll(async () => {
  xdgCache = process.env.XDG_CACHE_HOME;
  process.env.XDG_CACHE_HOME = join(root, 'xdg-cache');
  writeFileSync(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
  mkdirSync(src);
  await writeOrdersDump(src, drillDir);
  writeFileSync(join(src, 'notes.txt'), 'not a dump\n');
  linkSync(join(src, 'notes.txt'), join(src, 'notes-link.txt')); // restic restore makes it a hard link again
  expect((await run('mkfifo', [join(src, 'queue')])).code).toBe(0);
  mkdirSync(join(src, 'random'));
  writeFileSync(join(src, 'random', 'noise.bin'), randomBytes(300_000)); // incompressible: lands in a data pack
  for (const repo of [goodRepo, badRepo, brokenTreesRepo]) {
    await restic(job, repo, ['init']);
    await restic(job, repo, ['backup', src]);
  }
  // The bad repository: bytes flipped in its biggest pack (noise.bin's data; the snapshot's trees still load).
  // The broken-trees one: in every pack, trees included.
  for (const path of [packsOf(badRepo)[0]!, ...packsOf(brokenTreesRepo)]) corruptFile(path);
}, 120_000);

afterAll(async () => {
  if (xdgCache === undefined) delete process.env.XDG_CACHE_HOME;
  else process.env.XDG_CACHE_HOME = xdgCache;
  expect(scratchDirsIn(drillDir)).toEqual([]);
  expect(readdirSync(drillDir).filter((n) => DRILL_DIR_PREFIXES.some((prefix) => n.startsWith(prefix)))).toEqual([]);
  removeTestParentDir(root);
  removeTestParentDir(drillDir);
});

describe('restic restore drill', () => {
  it('restores the snapshot, matches restic ls, passes restic check, and restores the pg_dump inside', async () => {
    const progress: DrillProgress[] = [];
    const result = await drill(goodRepo, progress);
    expect(result.message).toMatch(/^snapshot [0-9a-f]{8} restored \(.+\), matches restic ls, restic check --read-data-subset=100% found no errors; dump .*orders\.dump: /);
    expect(result.outcome).toBe('pass');
    expect(result.tables).toBe(1);
    expect(result.rows).toBe(500);
    expect(result.checks.map((c) => [c.name, c.passed])).toEqual([
      ['restored files match restic ls', true],
      ['restic check', true],
      ['customers', true],
    ]);
    expect(result.restoredBytes).toBeGreaterThan(300_000);
    expect(result.restoreMs).toBeGreaterThan(0);
    expect(result.phases.restore).toBeGreaterThan(0);
    expect(progress.some((p) => p.phase === 'restore')).toBe(true);
    expect(new Set(progress.map((p) => p.backupKey))).toEqual(new Set([result.backupKey]));
    expect(readdirSync(drillDir).filter((n) => DRILL_DIR_PREFIXES.some((prefix) => n.startsWith(prefix)))).toEqual([]);
    // The evidence: the versions of restic, of the tar that unpacked its dump, and of the dump drill's pg_restore.
    const { tools, scratchServer } = result.provenance!;
    expect(Object.keys(tools).sort()).toEqual(['pg_restore', 'restic', 'tar']);
    await expectToolVersion(tools.restic, 'restic', ['version']);
    await expectToolVersion(tools.tar, TAR);
    await expectPostgresToolVersion(tools.pg_restore, await postgresToolOf(scratchServer, 'pg_restore'));
  });

  it('fails when a pack file is corrupt', async () => {
    const result = await drill(badRepo);
    expect(result.outcome).toBe('fail');
    expect(result.restoreMs).toBeNull();
    expect(result.message).toMatch(/^snapshot [0-9a-f]{8} did not restore: /);
    expect(Object.keys(result.provenance!.tools).sort()).toEqual(['restic', 'tar']); // a failed drill keeps what it ran
    expect(readdirSync(drillDir).filter((n) => DRILL_DIR_PREFIXES.some((prefix) => n.startsWith(prefix)))).toEqual([]);
  });

  it('observes a snapshot whose trees cannot be read as unreadable', async () => {
    const { config, source } = parsed(brokenTreesRepo);
    const { backups } = await resticProbe.observe(source, probeContext({ config, timeoutMs: 20_000 }));
    expect(backups).toHaveLength(1);
    expect(backups[0]).toMatchObject({ readable: false, sizeBytes: 0 });
    expect(backups[0]!.problem).toMatch(/^restic cannot read this snapshot: .*ciphertext verification failed; run restic check$/);
  });
});
