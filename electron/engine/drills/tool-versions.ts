// The versions of the tools a drill ran, for its evidence (issue 17): restic, borg, pgbackrest, barman, tar and
// the decompressors, each asked the way it answers (`restic version`, `pgbackrest version`, the rest
// `--version`) where it ran: here, or on the source's host over ssh (remote.ts runTool), the key then naming
// that host ("restic@db1.example"). A version is evidence, never a condition: a tool that cannot say (not
// installed, ssh down, a strange answer) is simply left out, and no drill fails or waits long for one.
//
// Each binary is asked once per process: here while the file is the same (its inode, size and time; a package
// upgrade replaces it), on another host for an hour (asking costs an ssh login, and an upgrade there is not seen).
import { statSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import type { DrillProvenance } from '../../../shared/model';
import { runTool, type Where } from '../remote';
import { binaryVersion } from './postgres-install';

/** One tool a drill ran: `command` (a name looked up on PATH, or a path) here or on `where.host`. */
export interface ToolUsed {
  /** The key's name: restic, borg, pgbackrest, barman, tar, gzip, zstd, lz4, … */
  name: string;
  /** What runs (default `name`): a path for a binary the drill picks by path (drill-jail's tar). */
  command?: string;
  where?: Where;
}

/** Tools that answer a subcommand rather than --version. */
const VERSION_ARGS: Readonly<Record<string, readonly string[]>> = { restic: ['version'], pgbackrest: ['version'] };

/** A version line longer than this is no version line (a tool that printed its help instead). */
const MAX_VERSION_CHARS = 120;

const ASK_TIMEOUT_MS = 20_000;
const REMOTE_KEEP_MS = 3_600_000;

/**
 * The version a tool printed, shortened to what names it: the first non-empty line, without the frame some
 * tools draw around it (zstd's and lz4's `*** … ***`), the build ("restic 0.14.0 compiled with go1.19.8 on
 * linux/amd64" → "restic 0.14.0") and the author ("3.4.0 Barman by EnterpriseDB (…)" → "3.4.0 Barman");
 * null when there is none or it holds no version number.
 */
export function versionFromOutput(output: string): string | null {
  const first = output.split(/\r?\n/).map((line) => line.trim()).find(Boolean);
  if (!first) return null;
  const line = first
    .replace(/^\*+\s*|\s*\*+$/g, '')
    .replace(/\s+compiled with .*$/i, '')
    .replace(/,?\s+by\s+[A-Z].*$/, '')
    .trim();
  if (!/\d+\.\d+/.test(line) || line.length > MAX_VERSION_CHARS) return null;
  return line;
}

/** The provenance key of a tool: its name here, `name@host` where it ran over ssh (the login left out). */
export function toolKey(name: string, where: Where = {}): string {
  if (!where.host) return name;
  return `${name}@${where.host.slice(where.host.lastIndexOf('@') + 1)}`;
}

interface Known {
  version: Promise<string | null>;
  /** Remote answers are kept until then (performance.now()); local ones while the file is the same. */
  until: number;
}

const known = new Map<string, Known>();

/** Forgets every version asked (a test that swaps a binary). */
export function forgetToolVersions(): void {
  known.clear();
}

/**
 * The version `command` prints here or on `where.host`, asked once (see the header); null when it cannot be
 * had. Never rejects. A failed ask is not kept: the next drill asks again.
 */
export function toolVersion(name: string, command = name, where: Where = {}, signal?: AbortSignal): Promise<string | null> {
  const cacheKey = where.host ? remoteKey(command, where) : localKey(command);
  if (cacheKey === null) return Promise.resolve(null);
  const now = performance.now();
  const found = known.get(cacheKey);
  if (found && found.until > now) return found.version;
  const version = ask(name, command, where, signal);
  known.set(cacheKey, { version, until: where.host ? now + REMOTE_KEEP_MS : Infinity });
  void version.then((v) => {
    if (v === null && known.get(cacheKey)?.version === version) known.delete(cacheKey);
  });
  return version;
}

async function ask(name: string, command: string, where: Where, signal?: AbortSignal): Promise<string | null> {
  try {
    const result = await runTool(where, command, VERSION_ARGS[name] ?? ['--version'], { timeoutMs: ASK_TIMEOUT_MS, maxOutputBytes: 64 * 1024, ...(signal ? { signal } : {}) });
    if (result.code !== 0 || result.spawnError || result.timedOut || result.aborted) return null;
    // barman 3.4 prints its version on stdout; some tools' --version goes to stderr.
    return versionFromOutput(result.stdout) ?? versionFromOutput(result.stderr);
  } catch {
    return null; // ssh failed (runTool throws a ProbeError): evidence, not a condition
  }
}

/** The binary here, by path and file identity; null when it is not there (not installed: nothing to record). */
function localKey(command: string): string | null {
  const path = isAbsolute(command) ? command : onPath(command);
  if (!path) return null;
  try {
    const stat = statSync(path);
    return `${path}\0${stat.ino}\0${stat.size}\0${stat.mtimeMs}`;
  } catch {
    return null;
  }
}

/** Where exec.run would find `command` on this process's PATH. */
function onPath(command: string): string | null {
  if (command.includes('/')) return null;
  for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const path = join(dir, command);
    try {
      if (statSync(path).isFile()) return path;
    } catch {
      // not in this directory
    }
  }
  return null;
}

function remoteKey(command: string, where: Where): string {
  return `${where.host}\0${(where.sshOptions ?? []).join('\0')}\0${command}`;
}

/**
 * Writes the version of each tool into `provenance.tools` under its key (toolKey), asking them all at once;
 * a tool that cannot say is left out. Never rejects.
 */
export async function recordToolVersions(provenance: Pick<DrillProvenance, 'tools'>, tools: readonly ToolUsed[], signal?: AbortSignal): Promise<void> {
  await Promise.all(
    tools.map(async ({ name, command, where }) => {
      const version = await toolVersion(name, command ?? name, where ?? {}, signal);
      if (version !== null) provenance.tools[toolKey(name, where)] = version;
    }),
  );
}

/**
 * Runs a drill's `steps` while the versions of `tools` are asked beside them, and waits for those before it
 * returns or throws, so they are in the evidence whatever the outcome.
 */
export async function withToolVersions<T>(frame: { evidence: { provenance: Pick<DrillProvenance, 'tools'> }; signal: AbortSignal }, tools: readonly ToolUsed[], steps: () => Promise<T>): Promise<T> {
  const recorded = recordToolVersions(frame.evidence.provenance, tools, frame.signal);
  try {
    return await steps();
  } finally {
    await recorded;
  }
}

/**
 * A PostgreSQL tool's version (pg_verifybackup) as the dump drill records pg_restore's: its server version, from
 * postgres-install.ts binaryVersion (which asks each binary once). Left out when it cannot be read.
 */
export async function recordPostgresTool(provenance: Pick<DrillProvenance, 'tools'>, name: string, path: string): Promise<void> {
  const found = await binaryVersion(path);
  if (found) provenance.tools[name] = found.version;
}
