// The WAL archive's files and timeline histories, here or over ssh, as the WAL library lists them
// (electron/engine/wal/archive-listing.ts). It reads plain .history files; one an archive_command compressed
// (00000002.history.gz) is read here, so a gzipping archive follows its timelines too.
import type { BaseBackupSourceConfig } from '../../../../shared/config';
import { readWalArchive, type WalArchiveListing } from '../../wal/archive-listing';
import { DEFAULT_WAL_SEGMENT_SIZE, parseWalFileName } from '../../wal/names';
import { parseTimelineHistory } from '../../wal/timelines';
import type { ProbeContext } from '../probe';
import type { SourceFiles } from './files';
import { archivedTexts } from './archived-text';
import { join } from 'node:path';

export async function listWalArchive(source: BaseBackupSourceConfig, files: SourceFiles, ctx: ProbeContext): Promise<WalArchiveListing> {
  const listing = await readWalArchive({ path: source.walArchive, field: 'walArchive', host: source.host, sshOptions: source.sshOptions }, { signal: ctx.signal, timeoutMs: ctx.timeoutMs });
  const known = new Set(listing.histories.map((h) => h.timeline));
  const histories = [...listing.histories];
  const problems = [...listing.historyProblems];
  const compressed = listing.entries.flatMap((entry) => {
    // The segment size does not matter for .history names.
    const file = parseWalFileName(entry.name, DEFAULT_WAL_SEGMENT_SIZE);
    return file?.kind === 'timeline-history' && file.compression !== null && !known.has(file.timeline) ? [{ name: entry.name, timeline: file.timeline }] : [];
  });
  const texts = await archivedTexts(files, compressed.map((c) => join(source.walArchive, c.name)), ctx.signal);
  compressed.forEach(({ name, timeline }, i) => {
    if (known.has(timeline)) return;
    const text = texts[i];
    const parsed = text === null || text === undefined ? null : parseTimelineHistory(timeline, text, name);
    if (parsed?.ok) {
      histories.push(parsed.history);
      known.add(timeline);
    } else problems.push(parsed ? parsed.message : `${name} could not be read or decompressed: recovery may not find its way to timeline ${timeline}`);
  });
  return { entries: listing.entries, histories, historyProblems: problems };
}
