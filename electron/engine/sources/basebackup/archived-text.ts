// The text of a small file in the WAL archive (a .backup or .history file), decompressed when its name says
// so (.gz here with zlib, .zst and .lz4 through the local tools). Such files never change once archived, so
// each is read once per process.
import { constants, gunzipSync } from 'node:zlib';
import { decompressHead } from './decompress';
import type { SourceFiles } from './files';

const MAX_BYTES = 256 * 1024;
const MAX_CACHED = 10_000;
const texts = new Map<string, string>();

async function read(files: SourceFiles, path: string, signal: AbortSignal): Promise<string | null> {
  const [raw] = await files.read([{ path, end: 'head', bytes: MAX_BYTES }]);
  if (!raw) return null;
  if (path.endsWith('.gz')) {
    try {
      return gunzipSync(raw, { finishFlush: constants.Z_SYNC_FLUSH, maxOutputLength: 4 * MAX_BYTES }).toString('utf8');
    } catch {
      return null;
    }
  }
  if (path.endsWith('.zst') || path.endsWith('.lz4')) {
    const out = await decompressHead(raw, path.endsWith('.zst') ? 'zstd' : 'lz4', 4 * MAX_BYTES, signal);
    return out.ok ? out.data.toString('utf8') : null;
  }
  return raw.toString('utf8');
}

export async function archivedText(files: SourceFiles, path: string, signal: AbortSignal): Promise<string | null> {
  const key = `${files.where}\0${path}`;
  const known = texts.get(key);
  if (known !== undefined) return known;
  const text = await read(files, path, signal);
  if (text !== null) {
    if (texts.size >= MAX_CACHED) texts.delete(texts.keys().next().value!);
    texts.set(key, text);
  }
  return text;
}
