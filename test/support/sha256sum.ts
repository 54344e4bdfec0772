// What coreutils' sha256sum says of a backup's files, run the way an auditor would reproduce a drill's recorded
// checksum (shared/model.ts BackupChecksum): a file's own, and a directory's sorted manifest.
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** `sha256sum FILE`'s hex. */
export function sha256sumOf(file: string): string {
  return execFileSync('sha256sum', ['--', file], { encoding: 'utf8' }).split(' ')[0]!;
}

/** `(cd DIR && LC_ALL=C ls | xargs sha256sum) | sha256sum`'s hex, and the bytes of the files it hashed. */
export function directoryManifestOf(dir: string): { hex: string; bytes: number } {
  const hex = execFileSync('sh', ['-c', 'cd "$1" && LC_ALL=C ls | xargs sha256sum | sha256sum', 'sh', dir], { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } }).split(' ')[0]!;
  const bytes = readdirSync(dir).filter((n) => !n.startsWith('.')).reduce((sum, n) => sum + statSync(join(dir, n)).size, 0);
  return { hex, bytes };
}
