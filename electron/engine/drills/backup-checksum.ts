// The SHA-256 of the dump a drill restores (issue 17: an auditor's "which backup, exactly"), read alongside the
// restore rather than in a pass after it: started when pg_restore or psql starts, it reads the same file while
// they do, so the page cache serves one of the two reads. A file is hashed as `sha256sum FILE` would; a
// directory-format dump as the SHA-256 of its `sha256sum` lines sorted by name (model.ts BackupChecksum). A
// checksum that cannot be computed (the file vanished, the drill was stopped) is absent, never a failed drill.
import { constants } from 'node:fs';
import { open, readdir } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { BackupChecksum } from '../../../shared/model';

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
