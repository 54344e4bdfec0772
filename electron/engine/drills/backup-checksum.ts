// The SHA-256 of the backup a drill restores (issue 17: an auditor's "which backup, exactly"), read alongside the
// restore rather than in a pass after it: a dump drill starts it once its plan is made, so it reads the file while
// the scratch cluster starts and the database is prepared (the CPU mostly idle; measured in test/bench/drill.ts)
// and on beside pg_restore or psql, the page cache serving the reads of both. A file is hashed as `sha256sum FILE` would; a
// directory-format dump as the SHA-256 of its `sha256sum` lines sorted by name (model.ts BackupChecksum). A
// checksum that cannot be computed (the file vanished, the drill was stopped) is absent, never a failed drill.
// Physical drills use the same reads: a tar run's files (drills/tar-run.ts TarRunHashes), or the backup's own
// manifest (manifestChecksum here; pgBackRest's in sources/pgbackrest/backup-manifest.ts), with the reason a
// checksum is missing (ChecksumOutcome) recorded in its place.
import { constants } from 'node:fs';
import { open, readdir } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { basename, join } from 'node:path';
import { Writable } from 'node:stream';
import type { BackupChecksum } from '../../../shared/model';
import { runTool, type Where } from '../remote';

/** One read: large enough that the hash, not the calls, is the cost. */
const CHUNK_BYTES = 1024 * 1024;

/** Starts hashing `path` now; resolves to its checksum, or null when it could not be read to the end. Never rejects. */
export function checksumAlongside(path: string, isDirectory: boolean, signal: AbortSignal): Promise<BackupChecksum | null> {
  return (isDirectory ? directoryManifest(path, signal) : fileChecksum(path, signal)).catch(() => null);
}

export async function fileChecksum(path: string, signal?: AbortSignal): Promise<BackupChecksum> {
  const { hex, bytes } = await sha256OfFile(path, signal);
  return { algorithm: 'sha256', hex, of: 'file', bytes };
}

/** `name` (a file of `dir`) hashed as sha256sum would; null when it is no regular file or could not be read to the end. Never rejects. */
export function memberAlongside(dir: string, name: string, signal: AbortSignal): Promise<MemberHash | null> {
  return sha256OfFile(join(dir, name), signal).then(
    (hash) => ({ name, ...hash }),
    () => null,
  );
}

/** Members sorted by name in byte order (Buffer compare), as `LC_ALL=C ls` lists them. */
export async function directoryManifest(dir: string, signal?: AbortSignal): Promise<BackupChecksum> {
  const members: MemberHash[] = [];
  for (const name of await readdir(dir)) members.push({ name, ...(await sha256OfFile(join(dir, name), signal)) });
  return manifestOf(members);
}

export interface MemberHash {
  name: string;
  hex: string;
  bytes: number;
}

/**
 * A directory dump's checksum from its members' own (in any order): what a copy that hashed each file as it
 * arrived (a download) passes to the dump drill as options.checksum, equal to directoryManifest of the copy.
 */
export function manifestOf(members: readonly MemberHash[]): BackupChecksum {
  const sorted = [...members].sort((a, b) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)));
  const manifest = createHash('sha256');
  for (const m of sorted) manifest.update(`${m.hex}  ${m.name}\n`);
  return { algorithm: 'sha256', hex: manifest.digest('hex'), of: 'directory-manifest', bytes: sorted.reduce((sum, m) => sum + m.bytes, 0) };
}

/** Regular files only, never following a link (a backup is hostile input, as backup-staging.ts says). */
async function sha256OfFile(path: string, signal?: AbortSignal): Promise<{ hex: string; bytes: number }> {
  const handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    if (!(await handle.stat()).isFile()) throw new Error(`${path} is not a regular file`);
    const hash = createHash('sha256');
    const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
    let bytes = 0;
    for (;;) {
      if (signal?.aborted) throw new Error('stopped');
      const { bytesRead } = await handle.read(buffer, 0, CHUNK_BYTES, null);
      if (bytesRead === 0) break;
      hash.update(buffer.subarray(0, bytesRead));
      bytes += bytesRead;
    }
    return { hex: hash.digest('hex'), bytes };
  } finally {
    await handle.close();
  }
}

/** What a physical drill records of the backup it restored: its checksum, or why it has none (DrillProvenance). */
export type ChecksumOutcome = { checksum: BackupChecksum } | { missing: string };

/**
 * The bytes a tool writes (exec.ts run's `stdoutTo`), hashed as they pass through this process, and kept up to
 * `keepBytes` for the caller (a backup_manifest copied for pg_verifybackup). Each chunk is hashed as it is
 * written, so the digest is whole once the tool has exited.
 */
export class HashingSink extends Writable {
  private readonly hash = createHash('sha256');
  private readonly kept: Buffer[] = [];
  bytes = 0;
  /** More arrived than `keepBytes`: contents() is cut short. */
  overflowed = false;

  constructor(private readonly keepBytes = 0) {
    super();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    if (this.bytes <= this.keepBytes) this.kept.push(chunk);
    else if (this.keepBytes > 0) this.overflowed = true;
    done();
  }

  digest(): { hex: string; bytes: number } {
    return { hex: this.hash.copy().digest('hex'), bytes: this.bytes };
  }

  contents(): Buffer {
    return Buffer.concat(this.kept);
  }
}

/** $1 a file: its bytes on stdout if it is a regular file, not a link; exit 91 when it is a link, 90 when it is no file. */
const READ_REGULAR_SCRIPT = `[ -L "$1" ] && exit 91
[ -f "$1" ] || exit 90
exec cat -- "$1"`;

/**
 * A physical backup's manifest (`path`: its backup_manifest, here or on `where`'s host) hashed as sha256sum
 * would, never through a link: started while the restore reads the backup, it names the backup by the manifest
 * that lists each of its files with that file's own checksum. Never rejects: what stops it is the outcome's reason.
 */
export async function manifestChecksum(where: Where, path: string, signal: AbortSignal, timeoutMs: number): Promise<ChecksumOutcome> {
  const file = basename(path);
  const on = where.host ? ` on ${where.host}` : '';
  if (!where.host) {
    try {
      const { hex, bytes } = await sha256OfFile(path, signal);
      return { checksum: { algorithm: 'sha256', hex, of: 'backup-manifest', bytes, file } };
    } catch (err) {
      return { missing: readFailure(file, path, err as NodeJS.ErrnoException, signal) };
    }
  }
  try {
    const sink = new HashingSink();
    const read = await runTool(where, 'sh', ['-c', READ_REGULAR_SCRIPT, 'sh', path], { signal, timeoutMs, stdoutTo: sink });
    if (signal.aborted) return { missing: `the drill was stopped before its ${file} was read` };
    if (read.code === 90) return { missing: `the backup has no ${file}${on} (${path})` };
    if (read.code === 91) return { missing: `its ${file}${on} is a link, which drills never follow` };
    if (read.code !== 0) return { missing: `its ${file}${on} could not be read: ${read.stderr.trim().split('\n')[0] || `exited with ${read.code}`}` };
    return { checksum: { algorithm: 'sha256', ...sink.digest(), of: 'backup-manifest', file } };
  } catch (err) {
    return { missing: `its ${file}${on} could not be read: ${(err as Error).message}` };
  }
}

/** Why a file here could not be hashed, in a sentence. */
export function readFailure(file: string, path: string, err: NodeJS.ErrnoException, signal?: AbortSignal): string {
  if (signal?.aborted) return `the drill was stopped before its ${file} was read`;
  if (err.code === 'ENOENT') return `the backup has no ${file} (${path})`;
  if (err.code === 'ELOOP') return `its ${file} is a link, which drills never follow`;
  return `its ${file} could not be read: ${err.message}`;
}
