// A source's passwordFile: a file holding only the password, which other users must not be able to read.
// Every kind reads it here, so the checks and their messages are the same for all of them.
import { readFile, stat } from 'node:fs/promises';
import { ProbeError } from '../errors';

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
