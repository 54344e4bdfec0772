// Real restic repositories for tests: restic run as a backup job would run it, a pg_dump of a small `orders`
// database to back up, a pack file damaged on disk, and an exclusive lock held by a real restic.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, closeSync, openSync, readdirSync, readSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { describeFailure, run } from '../../electron/engine/exec';
import { runClient, ScratchCluster } from '../../electron/engine/drills/scratch-cluster';
import { sql, waitFor } from './postgres-fixtures';

/** Where a test's repositories get their password and cache: what a backup job would set in its environment. */
export interface ResticJob {
  passwordFile: string;
  cacheDir: string;
  /** For a repository in S3: the job's credentials (AWS_ACCESS_KEY_ID, …) and the CA of a test server. */
  env?: Record<string, string>;
  cacert?: string;
}

/** `restic -r repo args…` as a backup job runs it; throws with restic's error, returns stdout. */
export async function restic(job: ResticJob, repo: string, args: string[]): Promise<string> {
  const env = { ...process.env, ...job.env, RESTIC_PASSWORD_FILE: job.passwordFile, RESTIC_CACHE_DIR: job.cacheDir };
  const result = await run('restic', ['-r', repo, ...(job.cacert ? ['--cacert', job.cacert] : []), ...args], { env, timeoutMs: 60_000 });
  if (result.code !== 0) throw new Error(describeFailure(result, 'restic'));
  return result.stdout;
}

/** `dir/orders.dump`: pg_dump -Fc of a database `orders` whose table customers holds 500 rows. */
export async function writeOrdersDump(dir: string, parentDir?: string): Promise<string> {
  const path = join(dir, 'orders.dump');
  // pg_dump runs as postgres when the tests run as root: let it write into the directory.
  chmodSync(dir, 0o777);
  await ScratchCluster.with({ purpose: 'restic test dump', ...(parentDir ? { parentDir } : {}) }, async (cluster) => {
    await sql(cluster, 'CREATE DATABASE orders;');
    await sql(cluster, 'CREATE TABLE customers AS SELECT g AS id, md5(g::text) AS name FROM generate_series(1, 500) g;', 'orders');
    const dump = await runClient(cluster, 'pg_dump', ['-Fc', '-f', path, 'orders']);
    if (dump.code !== 0) throw new Error(describeFailure(dump, 'pg_dump'));
  });
  chmodSync(dir, 0o755);
  return path;
}

/** The repository's pack files, biggest first. */
export function packsOf(repo: string): string[] {
  return readdirSync(join(repo, 'data'), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .sort((a, b) => statSync(b).size - statSync(a).size);
}

/** Flips 64 bytes a third into the file, as a failing disk would. */
export function corruptFile(path: string): void {
  chmodSync(path, 0o600);
  const fd = openSync(path, 'r+');
  try {
    const at = Math.floor(statSync(path).size / 3);
    const bytes = Buffer.alloc(64);
    readSync(fd, bytes, 0, 64, at);
    for (let i = 0; i < bytes.length; i++) bytes[i]! ^= 0xff;
    writeSync(fd, bytes, 0, 64, at);
  } finally {
    closeSync(fd);
  }
}

/**
 * A real restic holding the repository's exclusive lock until release(): `restic key passwd` takes it, then
 * waits for the new password on a FIFO; release() writes the same password again, so it finishes and unlocks.
 */
export async function holdExclusiveLock(job: ResticJob, repo: string, password: string, fifo: string): Promise<{ release(): Promise<void> }> {
  const made = await run('mkfifo', [fifo]);
  if (made.code !== 0) throw new Error(describeFailure(made, 'mkfifo'));
  const holder: ChildProcess = spawn('restic', ['-r', repo, '--cache-dir', job.cacheDir, 'key', 'passwd', '--new-password-file', fifo], {
    env: { ...process.env, RESTIC_PASSWORD_FILE: job.passwordFile },
    stdio: 'ignore',
  });
  const exited = new Promise((resolve) => holder.once('exit', resolve));
  try {
    await waitFor('restic to take the lock', () => readdirSync(join(repo, 'locks')).length > 0, { timeoutMs: 10_000, intervalMs: 50 });
  } catch (err) {
    holder.kill('SIGKILL');
    await exited;
    throw err;
  }
  return {
    async release() {
      writeFileSync(fifo, `${password}\n`);
      await exited;
    },
  };
}
