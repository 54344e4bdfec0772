// A borg repository: every archive (matching the source's pattern) is a backup.
//
// `borg list --json` names the archives; their end times and sizes come from `borg info --json`, whose cost grows
// with the archives' chunk counts (it sums each one's chunks for deduplicated_size), not just their number. An
// archive never changes once written, so what info said is kept in memory by repository and archive id, and each
// poll asks info only about archives not seen before: `--last K`, where K reaches back to the oldest unseen one
// (new archives are the newest, so K is usually 1). The first poll after a start reads them all once.
//
// With `host`, borg runs on that machine over ssh (runBorg): the same calls and answers, errors naming the host.
import type { BorgSourceConfig } from '../../../../shared/config';
import type { BorgMetrics, ObservedBackup } from '../../../../shared/model';
import type { Probe } from '../probe';
import { ProbeError } from '../../errors';
import { borgError, borgPassphrase, parseBorgTime, repoName, runBorg } from './borg-run';
import { attachBorgDatabases } from './databases';
import { parseArchiveInfo, type BorgArchiveInfo } from './archive-info';

interface ListedArchive {
  id: string;
  name: string;
  startedAt: number;
}

interface RepositoryMemory {
  archives: Map<string, BorgArchiveInfo>;
  repoSizeBytes: number | null;
}

/**
 * Where the repository is (host, path) and its id -> what info said about its archives (only archives still
 * present are kept). Not the id alone: a copy of a repository (rsync'd offsite) keeps the id but has its own
 * size, and a source read over ssh must not lean on what a local source's borg said.
 */
const remembered = new Map<string, RepositoryMemory>();

/** Observing a borg repository; index.ts adds the drill and the rest of the kind. */
export const borgObserver: Pick<Probe<BorgSourceConfig>, 'kind' | 'observe'> = {
  kind: 'borg',
  async observe(source, ctx) {
    const started = performance.now();
    const passphrase = await borgPassphrase(source);
    const budget = { passphrase, signal: ctx.signal, timeoutMs: ctx.timeoutMs };
    const filter = source.pattern ? ['--glob-archives', source.pattern] : [];
    const listed = await runBorg({ source, ...budget, args: ['list', '--json', ...filter, source.repo] });
    if (listed.code !== 0) throw borgError(source, listed);
    const list = parseJson(source, listed.stdout) as { archives?: unknown[]; encryption?: { mode?: string }; repository?: { id?: string } };
    const archives = (list.archives ?? []).map(listedArchive).filter((a): a is ListedArchive => a !== null);
    archives.sort((a, b) => a.startedAt - b.startedAt);
    const memoryKey = `${source.host ?? ''}|${source.repo}|${list.repository?.id ?? ''}`;

    const previous = remembered.get(memoryKey);
    const memory: RepositoryMemory = { archives: new Map(), repoSizeBytes: previous?.repoSizeBytes ?? null };
    for (const a of archives) {
      const known = previous?.archives.get(a.id);
      if (known) memory.archives.set(a.id, known);
    }
    const firstUnseen = archives.findIndex((a) => !memory.archives.has(a.id));
    if (firstUnseen >= 0) {
      const info = await archiveInfo(source, budget, ['--last', String(archives.length - firstUnseen), ...filter, source.repo]);
      for (const a of info.archives) memory.archives.set(a.id, a);
      memory.repoSizeBytes = info.repoSizeBytes ?? memory.repoSizeBytes;
      // Archives sharing a timestamp may sort differently between list and info: ask for the stragglers by name.
      for (const a of archives) {
        if (memory.archives.has(a.id)) continue;
        const one = await archiveInfo(source, budget, [`${source.repo}::${a.name}`]);
        for (const found of one.archives) memory.archives.set(found.id, found);
      }
    }
    remembered.set(memoryKey, memory);

    const backups = archives.map((a) => observedArchive(a, memory.archives.get(a.id)));
    const metrics: BorgMetrics = { kind: 'borg', archiveCount: archives.length, encryption: list.encryption?.mode ?? 'unknown', repoSizeBytes: memory.repoSizeBytes };
    // Coverage: which databases the newest archives hold dumps of, within four fifths of the budget.
    if (source.database) await attachBorgDatabases(source, passphrase, backups, ctx.signal, started + ctx.timeoutMs * 0.8);
    return { backups, metrics };
  },
};

async function archiveInfo(
  source: BorgSourceConfig,
  budget: { passphrase: string; signal: AbortSignal; timeoutMs: number },
  selection: string[],
): Promise<{ archives: BorgArchiveInfo[]; repoSizeBytes: number | null }> {
  const result = await runBorg({ source, ...budget, args: ['info', '--json', ...selection] });
  if (result.code !== 0) throw borgError(source, result);
  const info = parseJson(source, result.stdout) as { archives?: unknown[]; cache?: { stats?: { unique_csize?: unknown } } };
  const size = info.cache?.stats?.unique_csize;
  return {
    archives: (info.archives ?? []).map(parseArchiveInfo).filter((a): a is BorgArchiveInfo => a !== null),
    repoSizeBytes: typeof size === 'number' ? size : null,
  };
}

function parseJson(source: BorgSourceConfig, stdout: string): unknown {
  try {
    return JSON.parse(stdout);
  } catch {
    throw new ProbeError('failed', `borg printed something other than JSON for ${repoName(source)}: ${stdout.slice(0, 120)}`, source.host);
  }
}

function listedArchive(raw: unknown): ListedArchive | null {
  const a = raw as { id?: unknown; name?: unknown; start?: unknown; time?: unknown };
  const startedAt = parseBorgTime(a.start ?? a.time);
  if (typeof a.id !== 'string' || typeof a.name !== 'string' || startedAt === null) return null;
  return { id: a.id, name: a.name, startedAt };
}

function observedArchive(archive: ListedArchive, info: BorgArchiveInfo | undefined): ObservedBackup {
  if (!info) {
    // borg listed it but info could not describe it: recorded, and flagged, rather than passed over.
    return { key: archive.name, type: 'snapshot', startedAt: archive.startedAt, finishedAt: archive.startedAt, sizeBytes: 0, readable: false, problem: 'borg info could not describe this archive', meta: { archiveId: archive.id } };
  }
  return {
    key: archive.name,
    type: 'snapshot',
    startedAt: info.startedAt,
    finishedAt: info.finishedAt,
    sizeBytes: info.originalSize,
    readable: true,
    meta: {
      archiveId: info.id,
      compressedSize: info.compressedSize,
      deduplicatedSize: info.deduplicatedSize,
      nfiles: info.nfiles,
      ...(info.hostname ? { hostname: info.hostname } : {}),
    },
  };
}
