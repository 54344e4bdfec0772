// A pgBackRest stanza, read through `pgbackrest info --output=json`, here or on `host` over ssh: every backup
// set is a backup. pgbackrest runs as the user running Backup Health (or the ssh login), so that user must be
// able to read the pgBackRest config and the repository (the postgres user, root, or a user in the
// repository's group). Over ssh, configPath is a path on that host.
//
// `info` reads only backup.info, so a backup whose directory was removed from the repository is still listed
// as fine. One `repo-ls` of the stanza's backup directory per repository catches that, for any repo type.
// One more `repo-ls` of its WAL archive checks that every segment since the oldest backup is there
// (archive-continuity.ts).
import type { PgBackRestSourceConfig } from '../../../../shared/config';
import type { ObservedBackup, PgBackRestMetrics } from '../../../../shared/model';
import { runTool } from '../../remote';
import type { Probe } from '../probe';
import { archiveContinuity } from './archive-continuity';
import { repoReachProblem } from './repo-reach';
import { PGBACKREST, pgbackrestOptions, readStanzaInfo, type PgBackRestLocation, type PgBackRestStanzaInfo } from './pgbackrest-command';

/** Observing a pgBackRest stanza; index.ts adds the drill and the rest of the kind. */
export const pgbackrestObserver: Pick<Probe<PgBackRestSourceConfig>, 'kind' | 'observe'> = {
  kind: 'pgbackrest',
  async observe(source, ctx) {
    const stanza = await readStanzaInfo(source, ctx.signal, ctx.timeoutMs);
    const present = await backupDirectories(source, stanza, ctx.signal, ctx.timeoutMs);
    const continuity = await archiveContinuity(source, stanza, ctx.signal, ctx.timeoutMs);
    return { backups: backupsOf(stanza, present), metrics: { ...metricsOf(stanza), ...continuity } };
  },
};

/**
 * Every backup, oldest first, as the app records it. The size is what this backup added to the repository
 * (info.repository.delta): what a failing backup job shrinks. The database size, the backup size before
 * compression and the backup set's repository size are kept in meta.
 * `present` maps repo key -> labels with a directory in that repository (absent when it could not be listed).
 */
export function backupsOf(stanza: PgBackRestStanzaInfo, present?: Map<number, Set<string>>): ObservedBackup[] {
  const backups = stanza.backup ?? [];
  const versions = new Map((stanza.db ?? []).map((db) => [`${db['repo-key'] ?? 1}:${db.id}`, db.version]));
  const missing = (label: string, repoKey: number) => present?.get(repoKey)?.has(label) === false;
  return backups.map((b) => {
    const repoKey = b.database?.['repo-key'] ?? 1;
    const lostReference = (b.reference ?? []).find((label) => missing(label, repoKey));
    const problem =
      b.error === true
        ? 'pgBackRest detected errors during this backup (pgbackrest info --set shows them); take a new backup'
        : missing(b.label, repoKey)
          ? `its directory is missing from repository ${repoKey}; pgbackrest cannot restore it`
          : lostReference
            ? `it depends on ${lostReference}, whose directory is missing from repository ${repoKey}; take a new full backup`
            : null;
    return {
      key: b.label,
      type: b.type,
      startedAt: b.timestamp.start * 1000,
      finishedAt: b.timestamp.stop * 1000,
      sizeBytes: b.info.repository.delta,
      readable: problem === null,
      problem,
      meta: {
        databaseSize: b.info.size,
        backupSize: b.info.delta,
        repoSize: b.info.repository.size,
        repoDelta: b.info.repository.delta,
        prior: b.prior ?? null,
        reference: b.reference ?? null,
        archiveStart: b.archive?.start ?? null,
        archiveStop: b.archive?.stop ?? null,
        repoKey,
        pgVersion: b.database ? (versions.get(`${repoKey}:${b.database.id}`) ?? null) : null,
        pgbackrestVersion: b.backrest?.version ?? null,
      },
    };
  });
}

export function metricsOf(stanza: PgBackRestStanzaInfo): PgBackRestMetrics {
  // The archive of the newest database (after an upgrade, stanza-upgrade adds one); its max is the newest WAL.
  const archive = [...(stanza.archive ?? [])].sort((a, b) => (a.database?.id ?? 0) - (b.database?.id ?? 0)).at(-1);
  return {
    kind: 'pgbackrest',
    stanzaStatus: { code: stanza.status.code, message: stanzaMessage(stanza) },
    archiveMin: archive?.min ?? null,
    archiveMax: archive?.max ?? null,
    backupCount: stanza.backup?.length ?? 0,
    backupLockHeld: stanza.status.lock?.backup?.held === true,
    // Each backup's delta is what it added (a full: all of it), so their sum is what a prune can shrink.
    repoSizeBytes: (stanza.backup ?? []).reduce((sum, b) => sum + b.info.repository.delta, 0),
  };
}

/** For code 99 ("other") the per-repo messages carry pgBackRest's real error text. */
function stanzaMessage(stanza: PgBackRestStanzaInfo): string {
  const { code, message } = stanza.status;
  if (code === 0) return message;
  const repos = (stanza.repo ?? []).filter((r) => r.status.code !== 0);
  if (code !== 99 || repos.length === 0) return message;
  return repos.map((r) => `repo${r.key}: ${repoReachProblem(r.status.message, '')?.message ?? r.status.message.trim()}`).join('; ');
}

/** Labels with a directory, per repository holding backups; a repository that cannot be listed is left out. */
async function backupDirectories(source: PgBackRestLocation, stanza: PgBackRestStanzaInfo, signal: AbortSignal, timeoutMs: number): Promise<Map<number, Set<string>>> {
  const repoKeys = [...new Set((stanza.backup ?? []).map((b) => b.database?.['repo-key'] ?? 1))];
  const present = new Map<number, Set<string>>();
  for (const repoKey of repoKeys) {
    const result = await runTool(source, PGBACKREST, [...pgbackrestOptions(source, repoKey), 'repo-ls', `backup/${source.stanza}`, '--output=json'], { timeoutMs, signal });
    if (result.code !== 0) continue;
    try {
      const entries = JSON.parse(result.stdout) as Record<string, { type?: string }>;
      present.set(repoKey, new Set(Object.entries(entries).filter(([, e]) => e.type === 'path').map(([name]) => name)));
    } catch {
      // not listable as JSON: judge by info alone
    }
  }
  return present;
}
