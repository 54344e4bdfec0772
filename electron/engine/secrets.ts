// A source's secrets, the same for every kind: its passwordFile (a file holding only the password, which other
// users must not be able to read; every kind reads it here, so the checks and their messages are the same for
// all of them), and the passwords the desktop app keeps in the OS keychain (ProbeSecrets, electron/main/secrets.ts).
import { readFile, stat } from 'node:fs/promises';
import { ProbeError } from './errors';

/** The password in `path` (one trailing newline dropped); a config ProbeError naming the file and the fix. */
export async function readPasswordFile(path: string, host?: string): Promise<string> {
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new ProbeError('config', `passwordFile ${path} is not a file`, host);
    if (process.platform !== 'win32' && (info.mode & 0o077) !== 0) {
      const mode = (info.mode & 0o777).toString(8).padStart(4, '0');
      throw new ProbeError('config', `passwordFile ${path} can be read by other users (mode ${mode}); run chmod 600 ${path}`, host);
    }
    const value = (await readFile(path, 'utf8')).replace(/\r?\n$/, '');
    if (value === '') throw new ProbeError('config', `passwordFile ${path} is empty`, host);
    return value;
  } catch (err) {
    if (err instanceof ProbeError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'does not exist' : code === 'EACCES' ? 'cannot be read by the user Backup Health runs as' : `cannot be read (${code ?? 'error'})`;
    throw new ProbeError('config', `passwordFile ${path} ${why}`, host);
  }
}

/** Where a probe gets a password the desktop app keeps for a source (`passwordStored: true`). */
export interface ProbeSecrets {
  /** The source's password, or undefined when none is kept for it. */
  password(sourceId: string): Promise<string | undefined>;
}
