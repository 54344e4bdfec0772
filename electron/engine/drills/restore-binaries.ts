// Which PostgreSQL can restore a given dump, and what to install when none here can.
//
// Two things limit it. pg_restore reads archive versions up to its own (1.14 up to 15, 1.15 from 16, 1.16
// from 17; pg_backup_archiver.h), and refuses newer ones ("unsupported version (1.16) in file header").
// And the SQL a pg_dump writes is for servers of its own major or newer: restoring into an older one is not
// supported (a pg_dump 17 plain dump starts with SET transaction_timeout, which 15 rejects). So the oldest
// usable major is the larger of the two.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { DumpHeader } from '../../../shared/model';
import { majorOfVersion } from '../postgres/version';
import { binaryVersion, findPostgresInstalls, placesLookedIn, type PostgresInstall } from './postgres-install';

/** The pg_restore major that first reads each archive minor version after 1.14. */
const ARCHIVE_READERS: Record<number, number> = { 15: 16, 16: 17 };
/** Archive minors above this are newer than any release we know of. */
const NEWEST_KNOWN_ARCHIVE_MINOR = 16;

/** The oldest pg_restore major able to read an archive version ("1.16" -> 17); undefined when any can. */
export function archiveReaderMajor(archiveVersion: string | undefined): number | undefined {
  const m = /^(\d+)\.(\d+)/.exec(archiveVersion ?? '');
  if (!m) return undefined;
  const [major, minor] = [Number(m[1]), Number(m[2])];
  if (major !== 1 || minor <= 14) return undefined;
  return ARCHIVE_READERS[minor] ?? ARCHIVE_READERS[NEWEST_KNOWN_ARCHIVE_MINOR]! + (minor - NEWEST_KNOWN_ARCHIVE_MINOR);
}

export interface RestoreRequirement {
  /** The oldest PostgreSQL major that can restore the dump; undefined when the header does not limit it. */
  minMajor?: number;
  /** Needed to read the archive at all. */
  readerMajor?: number;
  /** The pg_dump major that wrote it. */
  pgDumpMajor?: number;
  /** "pg_dump 17.2 (archive 1.16)", "pg_dump 15.18", "pg_dump 17 or newer (archive 1.16)". */
  madeBy: string;
}

export function restoreRequirement(header: DumpHeader): RestoreRequirement {
  const readerMajor = archiveReaderMajor(header.archiveVersion);
  const pgDumpMajor = majorOfVersion(header.pgDumpVersion);
  const archive = header.archiveVersion ? ` (archive ${header.archiveVersion.replace(/-0$/, '')})` : '';
  const dumpVersion = header.pgDumpVersion?.split(' ')[0];
  const madeBy = dumpVersion
    ? `pg_dump ${dumpVersion}${archive}`
    : readerMajor !== undefined
      ? `pg_dump ${readerMajor} or newer${archive}`
      : `an unknown pg_dump version${archive}`;
  const candidates = [readerMajor, pgDumpMajor].filter((m): m is number => m !== undefined);
  const requirement: RestoreRequirement = { madeBy };
  if (candidates.length > 0) requirement.minMajor = Math.max(...candidates);
  if (readerMajor !== undefined) requirement.readerMajor = readerMajor;
  if (pgDumpMajor !== undefined) requirement.pgDumpMajor = pgDumpMajor;
  return requirement;
}

/** The package to install for a major, as Debian and the PGDG repositories name it. */
function packageFor(major: number | undefined): string {
  return major === undefined ? 'postgresql' : `postgresql-${major}`;
}

/**
 * Why no installation here will do, in one sentence naming what to install. `installs` are those found
 * (newest first); `places` where they were looked for.
 */
export function explainNoUsableInstall(requirement: RestoreRequirement, installs: readonly PostgresInstall[], places: string): string {
  const install = `install ${packageFor(requirement.minMajor)} (server and client) or set postgresBin to its bin directory`;
  if (installs.length === 0) {
    const dump = requirement.minMajor !== undefined ? ` this dump was made by ${requirement.madeBy};` : '';
    return `no PostgreSQL binaries to restore with (looked in ${places});${dump} ${install}`;
  }
  const newest = Math.max(...installs.map((i) => i.major));
  const tool = `pg_restore ${newest}`;
  if (requirement.readerMajor !== undefined && newest < requirement.readerMajor) {
    return `this dump was made by ${requirement.madeBy}; ${tool} cannot read it; ${install}`;
  }
  return `this dump was made by ${requirement.madeBy}; PostgreSQL ${newest} cannot restore it (a dump restores only into its pg_dump's major or newer); ${install}`;
}

export type InstallChoice = { ok: true; install: PostgresInstall } | { ok: false; message: string };

/**
 * The installation to restore with: the configured one if it is new enough, else the newest that is.
 * It must also have the client tools the restore runs (pg_restore, psql), and a psql among them must be one
 * that can lock its meta-commands (psqlLocksMetaCommands): plain dumps are psql scripts.
 */
export async function chooseRestoreInstall(
  requirement: RestoreRequirement,
  tools: readonly string[],
  opts: { configuredBin?: string; searchDirs?: readonly string[] } = {},
): Promise<InstallChoice> {
  const installs = await findPostgresInstalls(opts.configuredBin, opts.searchDirs);
  const usable = installs.filter((i) => requirement.minMajor === undefined || i.major >= requirement.minMajor);
  const install = usable[0];
  if (!install) return { ok: false, message: explainNoUsableInstall(requirement, installs, placesLookedIn(opts.configuredBin, opts.searchDirs)) };
  const missing = tools.filter((tool) => !existsSync(toolPath(install, tool)));
  if (missing.length > 0) {
    return { ok: false, message: `PostgreSQL ${install.major} in ${install.bin} has no ${missing.join(' or ')}; install postgresql-client-${install.major}` };
  }
  if (!tools.includes('psql')) return { ok: true, install };
  const refused: PsqlFound[] = [];
  for (const candidate of usable) {
    if (!existsSync(toolPath(candidate, 'psql'))) continue;
    const version = await psqlVersion(candidate);
    if (version !== null && psqlLocksMetaCommands(version)) return { ok: true, install: candidate };
    refused.push({ bin: candidate.bin, major: candidate.major, version });
  }
  return { ok: false, message: explainPsqlCannotLock(refused) };
}

function toolPath(install: PostgresInstall, tool: string): string {
  return join(install.bin, process.platform === 'win32' ? `${tool}.exe` : tool);
}

// ---------------------------------------------------------------------------------------------------------
// psql's \restrict (CVE-2025-8714): the lock on meta-commands a plain dump's restore depends on

/** The first minor release of each major whose psql has \restrict; every major from 18 has it. */
const RESTRICT_SINCE: Readonly<Record<number, number>> = { 13: 22, 14: 19, 15: 14, 16: 10, 17: 6 };
const FIRST_MAJOR_ALWAYS_LOCKING = 18;

/**
 * Whether a psql of this version ("15.18 (Debian 15.18-0+deb12u1)", "18beta3", "19devel") has \restrict.
 * 18's betas 1 and 2 predate it.
 */
export function psqlLocksMetaCommands(version: string): boolean {
  const m = /^\s*(\d+)(?:\.(\d+))?(?:(beta|rc|devel)(\d*))?/.exec(version);
  if (!m) return false;
  const major = Number(m[1]);
  if (major >= FIRST_MAJOR_ALWAYS_LOCKING) return !(major === FIRST_MAJOR_ALWAYS_LOCKING && m[3] === 'beta' && Number(m[4]) < 3);
  const since = RESTRICT_SINCE[major];
  if (since === undefined || m[3] !== undefined || m[2] === undefined) return false;
  return Number(m[2]) >= since;
}

/** The release to install for a psql that locks, in a major at least `major`: "15.14", "13.22", "18". */
export function lockingPsqlRelease(major: number): string {
  const since = RESTRICT_SINCE[major];
  if (since !== undefined) return `${major}.${since}`;
  return major >= FIRST_MAJOR_ALWAYS_LOCKING ? String(major) : `13.${RESTRICT_SINCE[13]}`;
}

export interface PsqlFound {
  bin: string;
  major: number;
  /** As psql --version says it; null when it would not say. */
  version: string | null;
}

/** Why no psql here may restore a plain dump, naming what to install. */
export function explainPsqlCannotLock(found: readonly PsqlFound[]): string {
  const newest = found[0];
  if (!newest) return 'no psql to restore a plain dump with; install postgresql-client (13.22, 14.19, 15.14, 16.10, 17.6 or newer)';
  const which = found.map((p) => `psql ${p.version?.split(' ')[0] ?? 'of an unknown version'} in ${p.bin}`).join(', ');
  const release = lockingPsqlRelease(newest.major);
  const major = majorOfVersion(release)!;
  return (
    `${which} cannot lock its meta-commands (\\restrict), so a plain dump could run programs through it (\\!); ` +
    `plain dumps are restored only with psql 13.22, 14.19, 15.14, 16.10, 17.6 or newer: ` +
    `install postgresql-${major} ${release === String(major) ? '' : `${release} or newer `}(server and client) or set postgresBin to its bin directory`
  );
}

/** "psql (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)" -> "15.18 (Debian 15.18-0+deb12u1)". */
async function psqlVersion(install: PostgresInstall): Promise<string | null> {
  return (await binaryVersion(toolPath(install, 'psql')))?.version ?? null;
}
