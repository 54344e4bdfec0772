// Finds installed PostgreSQL server binaries and picks one able to read a given archive.
import { readdirSync, existsSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { majorOfVersion } from '../postgres/version';
import { run } from '../exec';

export interface PostgresInstall {
  /** Directory holding initdb, postgres, pg_ctl, pg_restore, psql. */
  bin: string;
  major: number;
  /** e.g. "15.18 (Debian 15.18-0+deb12u1)" */
  version: string;
}

/** Directories where distributions and installers put versioned PostgreSQL binaries. */
function versionedBinDirs(): string[] {
  const globs: Array<[string, (entry: string) => string]> = [
    ['/usr/lib/postgresql', (v) => join('/usr/lib/postgresql', v, 'bin')], // Debian, Ubuntu
    ['/usr', (v) => (v.startsWith('pgsql-') ? join('/usr', v, 'bin') : '')], // RHEL PGDG
    ['/opt/homebrew/opt', (v) => (v.startsWith('postgresql') ? join('/opt/homebrew/opt', v, 'bin') : '')],
    ['/usr/local/opt', (v) => (v.startsWith('postgresql') ? join('/usr/local/opt', v, 'bin') : '')],
    ['/Applications/Postgres.app/Contents/Versions', (v) => join('/Applications/Postgres.app/Contents/Versions', v, 'bin')],
    ['C:\\Program Files\\PostgreSQL', (v) => join('C:\\Program Files\\PostgreSQL', v, 'bin')],
  ];
  const dirs: string[] = [];
  for (const [parent, toBin] of globs) {
    let entries: string[];
    try {
      entries = readdirSync(parent);
    } catch {
      continue;
    }
    for (const entry of entries) {
      const bin = toBin(entry);
      if (bin) dirs.push(bin);
    }
  }
  return dirs;
}

const exe = (name: string) => (process.platform === 'win32' ? `${name}.exe` : name);

/** "postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)" -> { major: 15, version: "15.18 (Debian ...)" } */
export function parseVersionLine(line: string): { major: number; version: string } | null {
  const m = /\(PostgreSQL\)\s+(\d+\S*(?:\s.*)?)$/.exec(line.trim());
  if (!m) return null;
  return { major: majorOfVersion(m[1])!, version: m[1]!.trim() };
}

/** Where installations are looked for by default, in words, for messages. */
const DEFAULT_PLACES = '/usr/lib/postgresql/*/bin and PATH';

/** The default places to look: versioned install directories, then PATH. */
export function defaultSearchDirs(): string[] {
  return [...versionedBinDirs(), ...(process.env.PATH ?? '').split(delimiter).filter(Boolean)];
}

/**
 * Every usable installation, newest major first. `configuredBin` (the user's `postgresBin`) comes first
 * when it works. An installation needs initdb and postgres (to run a scratch cluster). `searchDirs`
 * replaces the default places (defaultSearchDirs()), e.g. to prove what happens when nothing is installed.
 */
export async function findPostgresInstalls(configuredBin?: string, searchDirs: readonly string[] = defaultSearchDirs()): Promise<PostgresInstall[]> {
  const candidates = [...(configuredBin ? [configuredBin] : []), ...searchDirs];
  const seen = new Set<string>();
  const installs: PostgresInstall[] = [];
  for (const bin of candidates) {
    if (seen.has(bin)) continue;
    seen.add(bin);
    const postgres = join(bin, exe('postgres'));
    if (!existsSync(postgres) || !existsSync(join(bin, exe('initdb')))) continue;
    const parsed = await binaryVersion(postgres);
    if (parsed) installs.push({ bin, ...parsed });
  }
  const configured = configuredBin ? installs.filter((i) => i.bin === configuredBin) : [];
  const rest = installs.filter((i) => i.bin !== configuredBin).sort((a, b) => b.major - a.major);
  return [...configured, ...rest];
}

const versions = new Map<string, Promise<{ major: number; version: string } | null>>();

/**
 * `<binary> --version`, parsed; asked once per binary and kept while the file is the same (its size, time and
 * inode): every drill looks for installations, and a package upgrade replaces the file.
 */
export function binaryVersion(path: string): Promise<{ major: number; version: string } | null> {
  let key: string;
  try {
    const stat = statSync(path);
    key = `${path}\0${stat.ino}\0${stat.size}\0${stat.mtimeMs}`;
  } catch {
    return Promise.resolve(null);
  }
  let known = versions.get(key);
  if (!known) {
    known = run(path, ['--version'], { timeoutMs: 10_000 }).then((result) => (result.code === 0 ? parseVersionLine(result.stdout) : null));
    versions.set(key, known);
  }
  return known;
}

export class NoPostgresError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NoPostgresError';
  }
}

/** The installation to use for an archive needing at least `minMajor` (any when undefined). */
export async function pickPostgresInstall(opts: { minMajor?: number; configuredBin?: string; searchDirs?: readonly string[] } = {}): Promise<PostgresInstall> {
  const installs = await findPostgresInstalls(opts.configuredBin, opts.searchDirs);
  if (installs.length === 0) {
    throw new NoPostgresError(
      `no PostgreSQL server binaries found (looked in ${placesLookedIn(opts.configuredBin, opts.searchDirs)}); install postgresql (e.g. apt-get install postgresql) or set postgresBin`,
    );
  }
  const usable = opts.minMajor === undefined ? installs : installs.filter((i) => i.major >= opts.minMajor!);
  if (usable.length === 0) {
    const have = installs.map((i) => i.major).join(', ');
    throw new NoPostgresError(
      `this needs PostgreSQL ${opts.minMajor} or newer, but only ${have} is installed; install postgresql-${opts.minMajor} (or postgresql-client-${opts.minMajor} and its server) or set postgresBin`,
    );
  }
  return usable[0]!;
}

/** "/opt/pg/bin (postgresBin), /usr/lib/postgresql/*\/bin and PATH", for "looked in ..." messages. */
export function placesLookedIn(configuredBin?: string, searchDirs?: readonly string[]): string {
  const places = searchDirs === undefined ? DEFAULT_PLACES : searchDirs.length === 0 ? '' : searchDirs.join(', ');
  const configured = configuredBin ? `${configuredBin} (postgresBin)` : '';
  return [configured, places].filter(Boolean).join(', ') || 'nowhere: no postgresBin and no search directories';
}
