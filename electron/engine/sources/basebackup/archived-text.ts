// The text of a small file in the WAL archive (a .backup or .history file), decompressed when its name says
// so (.gz here with zlib, .zst and .lz4 through the local tools). Such files never change once archived, so
// each is read once per process.
import { constants, gunzipSync } from 'node:zlib';
import { decompressHead } from './decompress';
import type { SourceFiles } from './files';

const MAX_BYTES = 256 * 1024;
const MAX_CACHED = 10_000;
const texts = new Map<string, string>();

function decode(path: string, raw: Buffer, signal: AbortSignal): Promise<string | null> | string | null {
  if (path.endsWith('.gz')) {
    try {
      return gunzipSync(raw, { finishFlush: constants.Z_SYNC_FLUSH, maxOutputLength: 4 * MAX_BYTES }).toString('utf8');
    } catch {
      return null;
    }
  }
  if (path.endsWith('.zst') || path.endsWith('.lz4')) {
    return decompressHead(raw, path.endsWith('.zst') ? 'zstd' : 'lz4', 4 * MAX_BYTES, signal).then((out) => (out.ok ? out.data.toString('utf8') : null));
  }
  return raw.toString('utf8');
}

/** The texts of these archived files (null for one that cannot be read), reading only those not read before, in one round trip. */
export async function archivedTexts(files: SourceFiles, paths: readonly string[], signal: AbortSignal): Promise<(string | null)[]> {
  const keys = paths.map((path) => `${files.where}\0${path}`);
  const missing = paths.filter((_, i) => !texts.has(keys[i]!));
  const raws = await files.read(missing.map((path) => ({ path, end: 'head' as const, bytes: MAX_BYTES })));
  for (let i = 0; i < missing.length; i++) {
    const raw = raws[i];
    const text = raw ? await decode(missing[i]!, raw, signal) : null;
    if (text === null) continue;
    if (texts.size >= MAX_CACHED) texts.delete(texts.keys().next().value!);
    texts.set(`${files.where}\0${missing[i]}`, text);
  }
  return keys.map((key) => texts.get(key) ?? null);
}
