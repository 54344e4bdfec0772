// A freshly initialised data directory, kept per PostgreSQL installation, so a scratch cluster can start
// from a copy (~0.2 s) instead of running initdb (~0.5 s): on a drill that is most of the fixed overhead.
// The cache lives in the system temp dir (not beside the clusters: a small drill disk must hold only the
// restore) and is only trusted when this user owns it and nobody else can write to it: a data directory
// planted by someone else would run their postgresql.conf. It is ~40 MB per installation.
//
// A cache reused by every drill must not be poisonable by one of them: the template is owned by Backup
// Health's own user, never by the user a restore runs as (as root, initdb runs as backup-health-drill and
// the finished template is handed back to root; that user can then neither write nor read it); and every copy
// is checked against the manifest written when the template was made (its files, sizes and config texts)
// before a cluster starts from it. Drills' templates have a superuser with a random name, kept beside them.
import { createHash, randomBytes } from 'node:crypto';
import { chownSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeFailure, run } from '../exec';
import type { RunAs } from './drill-user';
import type { PostgresInstall } from './postgres-install';

export type { RunAs } from './drill-user';

export const INITDB_CACHE_DIR = 'backup-health-initdb-cache';
export const INITDB_ARGS = ['--no-sync', '-A', 'trust', '-E', 'UTF8', '--locale=C'];
/** Files whose text is part of the manifest: what a poisoned template would change to run something. */
const CONFIG_TEXTS = ['postgresql.conf', 'postgresql.auto.conf', 'pg_hba.conf', 'pg_ident.conf', 'PG_VERSION'];

/** Which bootstrap superuser a template has: `postgres` (test clusters) or a random name (drills). */
export type SuperuserKind = 'postgres' | 'random';

export async function initdb(bin: string, dataDir: string, runAs: RunAs | undefined, superuser = 'postgres'): Promise<void> {
  const result = await run(join(bin, process.platform === 'win32' ? 'initdb.exe' : 'initdb'), ['-D', dataDir, ...INITDB_ARGS, '-U', superuser], {
    timeoutMs: 120_000,
    ...runAs,
    env: { ...process.env, LC_ALL: 'C' },
  });
  if (result.code !== 0) throw new Error(describeFailure(result, 'initdb'));
}

/**
 * Fills `dataDir` (which must not exist) with a new cluster, owned by `runAs` when given, and returns its
 * superuser's name: a checked copy of the cached template when there is a trustworthy one, else initdb (and
 * the cache is made for next time).
 */
export async function createDataDir(install: PostgresInstall, cacheDir: string, dataDir: string, runAs: RunAs | undefined, kind: SuperuserKind = 'postgres'): Promise<string> {
  const fresh = kind === 'postgres' ? 'postgres' : randomSuperuser();
  if (process.platform === 'win32') {
    await initdb(install.bin, dataDir, runAs, fresh);
    return fresh;
  }
  const cached = await cachedTemplate(install, cacheDir, runAs, kind).catch(() => null);
  if (cached) {
    const copy = await run('cp', ['-a', '--no-preserve=ownership', cached.dir, dataDir], { timeoutMs: 120_000 });
    const owned = copy.code === 0 && runAs ? await run('chown', ['-R', '--', `${runAs.uid}:${runAs.gid}`, dataDir], { timeoutMs: 120_000 }) : copy;
    if (owned.code === 0 && matchesManifest(dataDir, cached.manifest)) return cached.superuser;
    rmSync(dataDir, { recursive: true, force: true });
  }
  await initdb(install.bin, dataDir, runAs, fresh);
  return fresh;
}

function randomSuperuser(): string {
  return `bh_super_${randomBytes(8).toString('hex')}`;
}

interface Template {
  dir: string;
  superuser: string;
  manifest: string;
}

/**
 * The cached template: `<root>/<key>/data` (the data directory) beside `<root>/<key>/meta.json` (its superuser
 * and manifest). Both are made in a private temp dir renamed into place in one step, so two processes racing
 * to make it can never pair one's data directory with the other's superuser: the loser's rename fails and it
 * uses the winner's.
 */
async function cachedTemplate(install: PostgresInstall, cacheDir: string, runAs: RunAs | undefined, kind: SuperuserKind): Promise<Template | null> {
  const root = join(cacheDir, INITDB_CACHE_DIR);
  // Traversable (initdb runs in a private dir inside it as the clusters' user), writable only by us.
  if (!existsSync(root)) mkdirSync(root, { mode: 0o755 });
  if (!isPrivateToMe(root)) return null;
  const key = createHash('sha256').update(`${install.bin}\0${install.version}\0${INITDB_ARGS.join(' ')}\0${kind}\0v3`).digest('hex').slice(0, 16);
  const template = join(root, key);
  const known = readTemplate(template);
  if (known) return known;
  const building = mkdtempSync(join(root, `${key}-building-`));
  const superuser = kind === 'postgres' ? 'postgres' : randomSuperuser();
  try {
    if (runAs) chownSync(building, runAs.uid, runAs.gid);
    await initdb(install.bin, join(building, 'data'), runAs, superuser);
    // Handed back to us, directory and all: the user restores run as may neither change nor read the template.
    if (runAs) {
      const back = await run('chown', ['-R', '--', `${process.getuid!()}:${process.getgid!()}`, building], { timeoutMs: 120_000 });
      if (back.code !== 0) return null;
    }
    writeFileSync(join(building, 'meta.json'), JSON.stringify({ superuser, manifest: manifestOf(join(building, 'data')) }), { mode: 0o600 });
    renameSync(building, template);
  } catch {
    // another process may have won the race; either way the caller falls back or uses theirs
  } finally {
    rmSync(building, { recursive: true, force: true });
  }
  return readTemplate(template);
}

/** A finished template, trusted only when its directory and meta.json are ours and nobody else's to write. */
function readTemplate(template: string): Template | null {
  try {
    if (!isPrivateToMe(template) || !existsSync(join(template, 'data', 'PG_VERSION'))) return null;
    const meta = readSidecar(join(template, 'meta.json'));
    return meta ? { dir: join(template, 'data'), ...meta } : null;
  } catch {
    return null;
  }
}

function readSidecar(file: string): { superuser: string; manifest: string } | null {
  try {
    if (!isPrivateToMe(file)) return null;
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as { superuser?: unknown; manifest?: unknown };
    return typeof parsed.superuser === 'string' && typeof parsed.manifest === 'string' ? { superuser: parsed.superuser, manifest: parsed.manifest } : null;
  } catch {
    return null;
  }
}

/**
 * A digest of a data directory as initdb left it: every entry's path, type and size, and the text of its
 * configuration files. A copy that differs (a file added, a config changed, a link planted) is not used.
 */
export function manifestOf(dataDir: string): string {
  const hash = createHash('sha256');
  const visit = (dir: string, rel: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      const stat = lstatSync(path);
      const type = stat.isDirectory() ? 'd' : stat.isFile() ? 'f' : 'x';
      hash.update(`${rel}${name}\0${type}\0${stat.isFile() ? stat.size : 0}\n`);
      if (type === 'd') visit(path, `${rel}${name}/`);
    }
  };
  visit(dataDir, '');
  for (const name of CONFIG_TEXTS) {
    const path = join(dataDir, name);
    if (existsSync(path)) hash.update(readFileSync(path));
  }
  return hash.digest('hex');
}

function matchesManifest(dataDir: string, manifest: string): boolean {
  try {
    return manifestOf(dataDir) === manifest;
  } catch {
    return false;
  }
}

function isPrivateToMe(path: string): boolean {
  const stat = lstatSync(path);
  const me = typeof process.getuid === 'function' ? process.getuid() : -1;
  return (stat.isDirectory() || stat.isFile()) && stat.uid === me && (stat.mode & 0o022) === 0;
}
