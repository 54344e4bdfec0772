// The copy step of a restore drill of a stanza on another host: the backup is restored where it lives and the
// result copied here, where the scratch cluster runs.
//
// On the host, in one sh script and a private temp dir: `pgbackrest restore --set=<label>` into <tmp>/data,
// `pgbackrest archive-get` of every WAL file the backup needs into <tmp>/wal, then `tar -cf - data wal` to
// stdout, which fetchTar unpacks here as it arrives. The temp dir goes whatever happens: the script removes it
// on exit (and on HUP/INT/TERM/PIPE), and when ssh did not end normally (cancel, timeout, lost connection; the
// remote script then runs on, as sshd does not signal a command without a tty) a second ssh call stops the
// script and removes it. A script that finds temp dirs of drills whose script is gone (a crash here) removes
// them too. The host needs room in its TMPDIR for the whole database.
import { existsSync, readdirSync, readlinkSync, symlinkSync, unlinkSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { formatBytes } from '../../../../shared/units';
import { describeFailure, run } from '../../exec';
import { runTool, type Where } from '../../remote';
import { describeFetchFailure, fetchTar } from '../../remote-fetch';
import type { PgBackRestLocation } from './pgbackrest-command';
import type { WalToFetch } from './wal';
import { drillError, fail, type DrillStop } from '../../drills/restore-plan';
import type { ScratchCluster } from '../../drills/scratch-cluster';
import type { DrillFrame } from '../../drills/drill-frame';

/** Temp dirs on the host are `<TMPDIR>/backup-health-pgbackrest-<drill token>-XXXXXX`. */
export const REMOTE_DIR_PREFIX = 'backup-health-pgbackrest-';

const CLEANUP_TIMEOUT_MS = 60_000;

/**
 * $1 token, $2 backup label, $3… the WAL files to fetch; the stanza, config and repo come as PGBACKREST_*
 * variables. On a repository host the stanza's pg1-host names the database server, where pgbackrest would
 * restore: --reset-pg1-host makes both commands work on the temp dir here. Only tar writes to stdout (fd 3,
 * closed for every other step, so nothing left behind holds the copy open); everything else, pgbackrest's
 * own console output included, goes to stderr. Every step runs in the background and is waited for, so a
 * trapped signal acts at once. Exit codes: 90 no temp dir, 91 restore failed, 92 archive-get failed; else tar's.
 */
const COPY_SCRIPT = `token=$1 label=$2; shift 2
exec 3>&1 1>&2
prefix="\${TMPDIR:-/tmp}/${REMOTE_DIR_PREFIX}"
for old in "$prefix"*; do
  [ -f "$old/pid" ] && ! kill -0 "$(cat "$old/pid")" 2>/dev/null && rm -rf "$old" 2>/dev/null
done
child=
tmp=$(mktemp -d "$prefix$token-XXXXXX") || exit 90
trap 'rm -rf "$tmp"' EXIT
trap 'if [ -n "$child" ]; then kill "$child" 2>/dev/null; wait "$child"; fi; exit 143' HUP INT TERM PIPE
echo $$ > "$tmp/pid"
step() { "$@" 3>&- & child=$!; wait "$child"; }
mkdir -m 700 "$tmp/data" "$tmp/wal" || exit 90
step pgbackrest --reset-pg1-host --pg1-path="$tmp/data" --set="$label" --type=immediate --target-action=promote --archive-mode=off --tablespace-map-all="$tmp/tablespaces" restore || exit 91
for wal; do step pgbackrest --reset-pg1-host --pg1-path="$tmp/data" archive-get "$wal" "$tmp/wal/$wal" || { echo "backup-health: archive-get $wal failed" >&2; exit 92; }; done
if [ -d "$tmp/tablespaces" ]; then set -- data wal tablespaces; else set -- data wal; fi
tar -C "$tmp" -cf - "$@" >&3 3>&- & child=$!; wait "$child"`;

/** $1 token: stops the copy script of that drill, if it still runs, and removes its temp dir. */
const CLEANUP_SCRIPT = `for d in "\${TMPDIR:-/tmp}/${REMOTE_DIR_PREFIX}$1-"*; do
  [ -d "$d" ] || continue
  pid=$(cat "$d/pid" 2>/dev/null)
  if [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null; then
    i=0; while kill -0 "$pid" 2>/dev/null && [ $i -lt 300 ]; do sleep 0.1 2>/dev/null || sleep 1; i=$((i+1)); done
  fi
  rm -rf "$d" || exit 1
done`;

export interface RemoteCopyOptions {
  source: PgBackRestLocation & { host: string };
  label: string;
  /** The repository holding the backup. */
  repoKey: number | undefined;
  /** The WAL files to fetch there with the backup (wal.ts walForBackup). */
  wal: WalToFetch;
  cluster: ScratchCluster;
  signal: AbortSignal;
  remaining: () => number;
  /** Bytes received of about `total` (the backup's database size). */
  onProgress: (done: number, total: number, detail: string) => void;
  /** The drill frame's: cleanups run at its cleanup phase; notes end its message whatever the outcome. */
  frame: Pick<DrillFrame, 'onCleanup' | 'note'>;
}

/**
 * Restores the backup on its host and copies data/ and wal/ into cluster.dir. Throws a DrillStop (fail: the backup or its WAL is bad; error: the drill could
 * not run), or a ProbeError when ssh itself fails.
 */
export async function copyRestoredBackup(options: RemoteCopyOptions): Promise<void> {
  const { source, label, signal, remaining, cluster } = options;
  const host = source.host;
  const repoSource = { ...source, repo: options.repoKey ?? source.repo };
  const { wal, total } = options.wal;

  const token = randomBytes(6).toString('hex');
  const env = { PGBACKREST_STANZA: source.stanza, ...(source.configPath ? { PGBACKREST_CONFIG: source.configPath } : {}), ...(repoSource.repo !== undefined ? { PGBACKREST_REPO: String(repoSource.repo) } : {}) };
  // The script removes its temp dir there itself when it runs to its end (its EXIT trap); otherwise (ssh
  // killed or cut, the drill stopped) the drill's cleanup removes it.
  let finished = false;
  options.frame.onCleanup(`the temp dir on ${host}`, () => (finished ? undefined : removeRemoteDir(source, token, (text) => options.frame.note(text))));
  const fetched = await fetchTar(source, 'sh', ['-c', COPY_SCRIPT, 'sh', token, label, ...wal], cluster.dir, {
    env,
    signal,
    timeoutMs: remaining(),
    onProgress: ({ bytes }) => options.onProgress(bytes, Math.max(total, bytes), `restored on ${host}, copying it here`),
  });
  // The script's own exit (any code) ran its EXIT trap; ssh killed or cut means it may still run there.
  finished = fetched.remote.code !== null && fetched.remote.code !== 255 && !fetched.remote.aborted && !fetched.remote.timedOut;
  signal.throwIfAborted();
  const failure = judgeCopy(fetched, source, total);
  if (failure) throw failure;
  await fixCopiedTree(cluster, token);
}

/** Why the copy did not bring the restored backup here, or null when it did. */
function judgeCopy(fetched: Awaited<ReturnType<typeof fetchTar>>, source: PgBackRestLocation & { host: string }, total: number): DrillStop | null {
  const { remote } = fetched;
  const host = source.host;
  const said = remote.stderr.trim().split('\n').filter(Boolean).at(-1) ?? '';
  const error = /ERROR: \[\d+\]: (.*)/.exec(remote.stderr)?.[1]?.trim() ?? said;
  if (/No space left/i.test(remote.stderr)) return drillError(`${host} ran out of disk space in its temp dir (TMPDIR of the ssh login) while restoring a ${formatBytes(total)} database there: ${error}`);
  if (remote.code === 90) return drillError(`could not create a temp dir on ${host} (TMPDIR of the ssh login): ${said}`);
  if (remote.code === 91) {
    if (/permission denied/i.test(error)) return drillError(`pgbackrest restore on ${host}: ${error}; the ssh login ${host} must be able to read the pgBackRest config and repository`);
    return fail(`the backup does not restore: pgbackrest restore on ${host} failed: ${error}`);
  }
  if (remote.code === 92) return fail(`the WAL the backup needs cannot be read from the archive on ${host}: ${error}`);
  const failure = describeFetchFailure(fetched, 'the copy script', host);
  return failure ? drillError(`copying the restored backup from ${host} failed: ${failure}`) : null;
}

/** The separate ssh call that stops a copy script left running and removes its temp dir; never throws. */
async function removeRemoteDir(where: Where & { host: string }, token: string, note: (text: string) => void): Promise<void> {
  const leftover = `a temp dir ${REMOTE_DIR_PREFIX}${token}-* may be left in the temp dir of ${where.host}`;
  try {
    const result = await runTool(where, 'sh', ['-c', CLEANUP_SCRIPT, 'sh', token], { timeoutMs: CLEANUP_TIMEOUT_MS });
    if (result.code !== 0) note(`${leftover}: ${describeFailure(result, 'removing it')}`);
  } catch (err) {
    note(`${leftover}: ${(err as Error).message}`);
  }
}

/**
 * The copy is owned by the user running Backup Health: give it to the cluster's user (postgres as root), and
 * point the tablespace links, which name the host's temp dir, at the copied tablespaces.
 */
async function fixCopiedTree(cluster: ScratchCluster, token: string): Promise<void> {
  const links = join(cluster.dataDir, 'pg_tblspc');
  for (const name of existsSync(links) ? readdirSync(links) : []) {
    const link = join(links, name);
    const target = readlinkSync(link);
    const at = target.indexOf(`/${REMOTE_DIR_PREFIX}${token}-`);
    if (at < 0) continue;
    unlinkSync(link);
    symlinkSync(join(cluster.dir, target.slice(target.indexOf('/', at + 1) + 1)), link);
  }
  if (!cluster.owner) return;
  const trees = ['data', 'wal', 'tablespaces'].filter((d) => existsSync(join(cluster.dir, d)));
  const chown = await run('chown', ['-R', `${cluster.owner.uid}:${cluster.owner.gid}`, ...trees], { cwd: cluster.dir, timeoutMs: 10 * 60_000 });
  if (chown.code !== 0) throw drillError(`could not give the copied backup to the scratch cluster's user: ${describeFailure(chown, 'chown')}`);
}
