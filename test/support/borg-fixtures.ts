// What the borg tests share: borg run as the backup job would run it, sources as the config gives them, a lock
// held by a running borg, a damaged segment, and a backup tree holding a real pg_dump.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateConfig, type BorgSourceConfig, type Config } from '../../shared/config';
import type { DrillProgress } from '../../shared/model';
import { describeFailure, run } from '../../electron/engine/exec';
import { runClient } from '../../electron/engine/drills/scratch-cluster';
import { DRILL_DIR_PREFIXES } from '../../electron/engine/drills/drill-dirs';
import type { DrillContext } from '../../electron/engine/sources/probe';
import { sql, startTcpCluster, waitFor } from './postgres-fixtures';

/** `borg …` as the backup job runs it: its own BORG_BASE_DIR (jobBaseDir), the passphrase in the environment. */
export function borgJob(jobBaseDir: string, passphrase: string) {
  const env = { ...process.env, BORG_BASE_DIR: jobBaseDir, BORG_PASSPHRASE: passphrase };
  return {
    env,
    async borg(args: string[], cwd?: string, withPassphrase = passphrase): Promise<void> {
      const result = await run('borg', args, { env: { ...env, BORG_PASSPHRASE: withPassphrase }, cwd });
      if (result.code !== 0) throw new Error(describeFailure(result, 'borg'));
    },
  };
}

/** A validated config with one borg source `orders-borg` made of `fields`. */
export function borgConfig(fields: Record<string, unknown>, defaults: Record<string, unknown> = {}): { config: Config; source: BorgSourceConfig } {
  const parsed = validateConfig({ defaults, sources: [{ id: 'orders-borg', kind: 'borg', ...fields }] });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return { config: parsed.config, source: parsed.config.sources[0] as BorgSourceConfig };
}

export function borgSource(fields: Record<string, unknown>): BorgSourceConfig {
  return borgConfig(fields).source;
}

/** A DrillContext as the engine gives one, collecting progress into `progress`. */
export function borgDrillContext(config: Config, progress: DrillProgress[] = [], signal = new AbortController().signal): DrillContext {
  return { signal, timeoutMs: 120_000, config, now: () => Date.now(), onProgress: (p) => progress.push(p) };
}

/** Drill trees a borg drill left in drillDir (none, once it is over). */
export function borgDrillTrees(drillDir: string): string[] {
  return readdirSync(drillDir).filter((n) => DRILL_DIR_PREFIXES.some((prefix) => n.startsWith(prefix)));
}

/**
 * `borg with-lock REPO sleep 30` running, as a backup would hold the lock, once the lock is on disk.
 * Returns how to end it (the lock goes with it).
 */
export async function holdBorgLock(repo: string, env: NodeJS.ProcessEnv): Promise<() => Promise<void>> {
  const holder = spawn('borg', ['with-lock', repo, 'sleep', '30'], { env, detached: true, stdio: 'ignore' });
  const exited = new Promise((r) => holder.once('exit', r));
  const release = async () => {
    process.kill(-holder.pid!, 'SIGTERM');
    await exited;
  };
  try {
    await waitFor('borg with-lock to take the lock', () => existsSync(join(repo, 'lock.exclusive')), { timeoutMs: 10_000, intervalMs: 50 });
  } catch (err) {
    await release();
    throw err;
  }
  return release;
}

/**
 * Flips bytes through the biggest segment file of a repository, as a failing disk would: all of it, or only the
 * part between the fractions `from` and `to` of its length (borg writes file data before the archive's metadata,
 * so a middle part of a segment holding a big incompressible file damages only that file's chunks).
 */
export function corruptBiggestSegment(repo: string, { from = 0, to = 1 } = {}): void {
  const segments = readdirSync(join(repo, 'data', '0')).map((n) => join(repo, 'data', '0', n));
  const biggest = segments.sort((a, b) => statSync(b).size - statSync(a).size)[0]!;
  const bytes = readFileSync(biggest);
  const end = Math.min(bytes.length - 100, Math.floor(bytes.length * to));
  for (let i = Math.max(100, Math.floor(bytes.length * from)); i < end; i += 97) bytes[i] = bytes[i]! ^ 0xff;
  writeFileSync(biggest, bytes);
}

/**
 * A nightly backup tree in `backupDir`: pg/orders.dump (pg_dump -Fc of a database `orders` whose `customers`
 * table has 500 rows) and a README. The database's cluster (under parentDir) is stopped before returning.
 */
export async function writeOrdersBackupTree(parentDir: string, backupDir: string): Promise<void> {
  const db = await startTcpCluster({ parentDir });
  try {
    await sql(db.cluster, 'CREATE DATABASE orders;');
    await sql(db.cluster, `CREATE TABLE customers AS SELECT g AS id, 'customer ' || g AS name FROM generate_series(1, 500) g;`, 'orders');
    mkdirSync(join(backupDir, 'pg'), { recursive: true });
    const dump = await runClient(db.cluster, 'pg_dump', ['-Fc', '-f', join(backupDir, 'pg', 'orders.dump'), 'orders']);
    if (dump.code !== 0) throw new Error(describeFailure(dump, 'pg_dump'));
    writeFileSync(join(backupDir, 'README'), 'nightly backup\n');
  } finally {
    await db.cluster.stop();
  }
}

/** Command lines (NULs as spaces) of this machine's processes that mention `needle`. */
export function commandLinesMentioning(needle: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmdline.includes(needle)) found.push(cmdline);
    } catch {
      // exited meanwhile
    }
  }
  return found;
}
