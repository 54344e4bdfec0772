// A pgBackRest backup set's checksum (issue 17): the SHA-256 of its backup.manifest, which pgBackRest keeps in the
// repository as backup/<stanza>/<label>/backup.manifest (pgBackRest's src/info/manifest.h names it
// BACKUP_MANIFEST_FILE, loaded from STORAGE_REPO_BACKUP "/<label>/"; the drill tests find it there) and which
// lists every file of the set with its SHA-1: pgbackrest restore hashes each file it writes and stops when that
// is not the manifest's (src/command/restore/file.c, "actual checksum … does not match expected checksum"). Read with `pgbackrest
// repo-get`, which reads any repository type (posix, s3, azure, gcs, sftp) and decrypts an encrypted one, so the
// hash is of the manifest's own text: `pgbackrest repo-get backup/<stanza>/<label>/backup.manifest | sha256sum`
// (for an unencrypted posix repository, also `sha256sum` of the file itself).
import { HashingSink, type ChecksumOutcome } from '../../drills/backup-checksum';
import { runTool } from '../../remote';
import { PGBACKREST, pgbackrestOptions, type PgBackRestLocation } from './pgbackrest-command';

/** A backup label as pgBackRest makes them (20241204-010000F, 20241204-010000F_20241204-020000I): nothing else goes into a path. */
const LABEL = /^\d{8}-\d{6}F(_\d{8}-\d{6}[DI])?$/;

/** backup.manifest's path as repo-get takes it: relative to the repository's path. */
export function manifestRepoPath(stanza: string, label: string): string | null {
  return LABEL.test(label) && !/[/\\]|^\.\.?$/.test(stanza) ? `backup/${stanza}/${label}/backup.manifest` : null;
}

/** The set's backup.manifest hashed as repo-get writes it (here or on the source's host); never rejects. */
export async function backupManifestChecksum(source: PgBackRestLocation, label: string, repoKey: number | undefined, signal: AbortSignal, timeoutMs: number): Promise<ChecksumOutcome> {
  const path = manifestRepoPath(source.stanza, label);
  if (!path) return { missing: `${label} is not a pgBackRest backup label, so its backup.manifest was not looked up` };
  const on = source.host ? ` on ${source.host}` : '';
  try {
    const sink = new HashingSink();
    const read = await runTool(source, PGBACKREST, [...pgbackrestOptions(source, repoKey), 'repo-get', path], { signal, timeoutMs, stdoutTo: sink });
    if (signal.aborted) return { missing: 'the drill was stopped before its backup.manifest was read' };
    if (read.code !== 0 || read.spawnError) {
      const said = read.spawnError?.message ?? read.stderr.trim().split('\n').find((l) => /ERROR/.test(l)) ?? read.stderr.trim().split('\n')[0] ?? `exited with ${read.code}`;
      return { missing: `pgbackrest repo-get${on} could not read its backup.manifest: ${said.replace(/^P\d+\s+ERROR:\s*/, '')}` };
    }
    return { checksum: { algorithm: 'sha256', ...sink.digest(), of: 'backup-manifest', file: 'backup.manifest' } };
  } catch (err) {
    return { missing: `its backup.manifest${on} could not be read: ${(err as Error).message}` };
  }
}
