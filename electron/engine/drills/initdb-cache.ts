// A freshly initialised data directory, kept per PostgreSQL installation, so a scratch cluster can start
// from a copy (~0.2 s) instead of running initdb (~0.5 s): on a drill that is most of the fixed overhead.
// The cache lives in the system temp dir (not beside the clusters: a small drill disk must hold only the
// restore) and is only trusted when this user owns it and nobody else can write to it: a data directory
// planted by someone else would run their postgresql.conf. It is ~40 MB per installation.
import { createHash } from 'node:crypto';
import { chownSync, existsSync, lstatSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describeFailure, run } from '../exec';
import type { PostgresInstall } from './postgres-install';

export const INITDB_CACHE_DIR = 'backup-health-initdb-cache';
export const INITDB_ARGS = ['--no-sync', '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C'];

export interface RunAs {
  uid: number;
  gid: number;
}

export async function initdb(bin: string, dataDir: string, runAs: RunAs | undefined): Promise<void> {
  const result = await run(join(bin, process.platform === 'win32' ? 'initdb.exe' : 'initdb'), ['-D', dataDir, ...INITDB_ARGS], {
    timeoutMs: 120_000,
    ...runAs,
    env: { ...process.env, LC_ALL: 'C' },
  });
  if (result.code !== 0) throw new Error(describeFailure(result, 'initdb'));
}

/**
 * Fills `dataDir` (which must not exist) with a new cluster: a copy of the cached one when there is a
 * trustworthy cache, else initdb (and the cache is made for next time). Falls back to initdb on any doubt.
 */
export async function createDataDir(install: PostgresInstall, cacheDir: string, dataDir: string, runAs: RunAs | undefined): Promise<void> {
  if (process.platform === 'win32') return initdb(install.bin, dataDir, runAs);
  const template = await cachedTemplate(install, cacheDir, runAs).catch(() => null);
  if (template) {
    const copy = await run('cp', ['-a', template, dataDir], { timeoutMs: 120_000, ...runAs });
    if (copy.code === 0) return;
    rmSync(dataDir, { recursive: true, force: true });
  }
  await initdb(install.bin, dataDir, runAs);
}

async function cachedTemplate(install: PostgresInstall, cacheDir: string, runAs: RunAs | undefined): Promise<string | null> {
  const root = join(cacheDir, INITDB_CACHE_DIR);
  if (!existsSync(root)) mkdirSync(root, { mode: 0o755 });
  if (!isPrivateToMe(root)) return null;
  const key = createHash('sha256').update(`${install.bin}\0${install.version}\0${INITDB_ARGS.join(' ')}`).digest('hex').slice(0, 16);
  const template = join(root, key);
  if (existsSync(join(template, 'PG_VERSION'))) return template;
  // Build it in a private temp dir and rename it into place, so a half-made cache is never used.
  const building = mkdtempSync(join(root, `${key}-building-`));
  try {
    if (runAs) chownSync(building, runAs.uid, runAs.gid);
    await initdb(install.bin, join(building, 'data'), runAs);
    renameSync(join(building, 'data'), template);
  } catch {
    // another process may have won the race; either way the caller falls back or uses theirs
  } finally {
    rmSync(building, { recursive: true, force: true });
  }
  return existsSync(join(template, 'PG_VERSION')) ? template : null;
}

function isPrivateToMe(dir: string): boolean {
  const stat = lstatSync(dir);
  const me = typeof process.getuid === 'function' ? process.getuid() : -1;
  return stat.isDirectory() && stat.uid === me && (stat.mode & 0o022) === 0;
}
