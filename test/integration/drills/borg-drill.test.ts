// Restore drills of real borg archives: extract, borg check, files against the archive's stats, and the pg_dump
// inside restored into a scratch cluster; a corrupt segment makes the drill fail; nothing is left behind.
import { readdirSync, readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig, type BorgSourceConfig, type Config } from '../../../shared/config';
import type { DrillProgress, ObservedBackup } from '../../../shared/model';
import { describeFailure, run } from '../../../electron/engine/exec';
import { runClient } from '../../../electron/engine/drills/scratch-cluster';
import { BORG_DRILL_PREFIX } from '../../../electron/engine/drills/borg-drill';
import { borgProbe } from '../../../electron/engine/probes/borg';
import type { DrillContext } from '../../../electron/engine/probes/probe';
import { probeContext, removeTestParentDir, scratchDirsIn, sql, startTcpCluster, testParentDir, type TcpCluster } from '../../support/postgres-fixtures';

const PASSPHRASE = 'drill passphrase';
const root = testParentDir('borg-drill');
const drillDir = testParentDir('borg-drill-scratch');
const repo = join(root, 'repo');
const passwordFile = join(root, 'pass');
let db: TcpCluster;

async function borg(args: string[], cwd?: string): Promise<void> {
  const env = { ...process.env, BORG_BASE_DIR: join(root, 'job-borg'), BORG_PASSPHRASE: PASSPHRASE };
  const result = await run('borg', args, { env, cwd });
  if (result.code !== 0) throw new Error(describeFailure(result, 'borg'));
}

function parsed(): { config: Config; source: BorgSourceConfig } {
  const result = validateConfig({
    defaults: { drillDir },
    sources: [{ id: 'orders-borg', kind: 'borg', repo, passwordFile, drill: { jobs: 2, checks: [{ name: 'customers', sql: 'select count(*) = 500 from customers' }] } }],
  });
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return { config: result.config, source: result.config.sources[0] as BorgSourceConfig };
}

async function drill(key: string, progress: DrillProgress[] = []) {
  const { config, source } = parsed();
  const observation = await borgProbe.observe(source, probeContext({ config }));
  const backup = observation.backups.find((b) => b.key === key) as ObservedBackup;
  const ctx: DrillContext = { signal: new AbortController().signal, timeoutMs: 120_000, config, now: () => Date.now(), onProgress: (p) => progress.push(p) };
  return borgProbe.drill!(source, backup, ctx);
}

beforeAll(async () => {
  process.env.XDG_CACHE_HOME = join(root, 'cache');
  writeFileSync(passwordFile, PASSPHRASE, { mode: 0o600 });
  db = await startTcpCluster({ parentDir: root });
  await sql(db.cluster, 'CREATE DATABASE orders;');
  await sql(db.cluster, `CREATE TABLE customers AS SELECT g AS id, 'customer ' || g AS name FROM generate_series(1, 500) g;`, 'orders');
  const backupDir = join(root, 'backup');
  mkdirSync(join(backupDir, 'pg'), { recursive: true });
  const dump = await runClient(db.cluster, 'pg_dump', ['-Fc', '-f', join(backupDir, 'pg', 'orders.dump'), 'orders']);
  expect(dump.code, dump.stderr).toBe(0);
  writeFileSync(join(backupDir, 'README'), 'nightly backup\n');
  await borg(['init', '--encryption=repokey', repo]);
  await borg(['create', `${repo}::nightly-1`, '.'], backupDir);
  const docs = join(root, 'docs');
  mkdirSync(docs);
  writeFileSync(join(docs, 'notes.txt'), 'no database here\n');
  await borg(['create', `${repo}::docs-1`, '.'], docs);
}, 60_000);

afterAll(async () => {
  await db?.cluster.stop();
  expect(scratchDirsIn(drillDir)).toEqual([]);
  expect(readdirSync(drillDir).filter((n) => n.startsWith(BORG_DRILL_PREFIX))).toEqual([]);
  removeTestParentDir(drillDir);
  removeTestParentDir(root);
});

describe('a borg restore drill', () => {
  it('extracts the archive, checks it and restores the pg_dump inside', async () => {
    const progress: DrillProgress[] = [];
    const result = await drill('nightly-1', progress);
    expect(result.message).toMatch(/^nightly-1 extracted and checked \(2 files, .*\); pg\/orders\.dump: /);
    expect(result).toMatchObject({ outcome: 'pass', sourceId: 'orders-borg', backupKey: 'nightly-1', tables: 1, rows: 500 });
    expect(result.checks).toMatchObject([{ name: 'customers', passed: true }]);
    expect(Object.keys(result.phases).sort()).toEqual(['cleanup', 'prepare', 'restore', 'verify']);
    expect(result.restoreMs).toBeGreaterThan(0);
    expect(new Set(progress.map((p) => p.phase))).toEqual(new Set(['prepare', 'restore', 'verify', 'cleanup']));
    expect(progress.every((p) => p.backupKey === 'nightly-1')).toBe(true);
    expect(readdirSync(drillDir).filter((n) => n.startsWith(BORG_DRILL_PREFIX))).toEqual([]);
  });

  it('passes an archive without a dump on its files alone, and says so', async () => {
    const result = await drill('docs-1');
    expect(result).toMatchObject({ outcome: 'pass', tables: 0 });
    expect(result.message).toContain('holds no pg_dump output, so no database was restored');
  });

  it('fails when a segment of the repository is corrupt', async () => {
    const { config, source } = parsed();
    const observation = await borgProbe.observe(source, probeContext({ config })); // seen before the damage
    const segments = readdirSync(join(repo, 'data', '0')).map((n) => join(repo, 'data', '0', n));
    const biggest = segments.sort((a, b) => statSync(b).size - statSync(a).size)[0]!;
    const bytes = readFileSync(biggest);
    for (let i = 100; i < bytes.length - 100; i += 97) bytes[i] = bytes[i]! ^ 0xff;
    writeFileSync(biggest, bytes);
    const ctx: DrillContext = { signal: new AbortController().signal, timeoutMs: 120_000, config, now: () => Date.now(), onProgress: () => {} };
    const result = await borgProbe.drill!(source, observation.backups.find((b) => b.key === 'nightly-1')!, ctx);
    expect(result.outcome).toBe('fail');
    expect(result.message).toMatch(/^borg (extract|check|info) of nightly-1 .*Data integrity error/);
    expect(result.message).not.toContain(PASSPHRASE);
    expect(readdirSync(drillDir).filter((n) => n.startsWith(BORG_DRILL_PREFIX))).toEqual([]);
  });
});
