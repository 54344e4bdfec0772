// A real pgBackRest setup for tests: a ScratchCluster archiving into a stanza "demo" whose repository, logs and
// locks live in a temp dir of the test's parent dir. archive_command is set with ALTER SYSTEM (not -c), so a
// test can break it and reload. Everything pgbackrest does runs as the cluster's user, as it would in life.
import { chownSync, copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateConfig, type PgBackRestSourceConfig } from '../../shared/config';
import type { Finding } from '../../shared/model';
import { describeFailure, run, type RunResult } from '../../electron/engine/exec';
import { ScratchCluster } from '../../electron/engine/drills/scratch-cluster';
export { judgeObservation } from './judge-observation';
import { evaluate } from '../../electron/engine/sources/evaluate';
import type { ProbeError } from '../../electron/engine/errors';
import { quoteLiteral, sql } from './postgres-fixtures';

export const STANZA = 'demo';

export interface PgBackRestSetup {
  cluster: ScratchCluster;
  /** The temp dir holding pgbackrest.conf, repo/ (empty for a bucket), log/, lock/ and a bucket's ca.pem. */
  dir: string;
  configPath: string;
  repoPath: string;
  /** pgbackrest --config=… --stanza=demo <args>, as the cluster's user; never throws. */
  pgbackrest(args: string[], stanza?: string): Promise<RunResult>;
  /** A backup of this type (throws with pgbackrest's error if it fails); returns its label. */
  backup(type: 'full' | 'diff' | 'incr'): Promise<string>;
  /** archive_command pushing to `stanza` (ALTER SYSTEM + reload). */
  setArchiveStanza(stanza: string): Promise<void>;
  stop(): Promise<void>;
}

/** A repository in an S3-compatible bucket instead of a directory: where, and the keys the backup job uses. */
export interface PgBackRestS3Repo {
  host: string;
  port: number;
  bucket: string;
  /** The CA that signed the server's certificate (repo1-storage-ca-file); copied where the cluster's user reads it. */
  caFile: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
}

/** pgbackrest.conf's repo1 lines for a bucket: path-style URIs, as most S3-compatible services need. */
export function s3RepoLines(s3: PgBackRestS3Repo, caFile: string, withKeys = true): string[] {
  return [
    'repo1-type=s3',
    'repo1-path=/pgbackrest',
    `repo1-s3-bucket=${s3.bucket}`,
    `repo1-s3-endpoint=${s3.host}`,
    `repo1-storage-port=${s3.port}`,
    'repo1-s3-region=us-east-1',
    'repo1-s3-uri-style=path',
    `repo1-storage-ca-file=${caFile}`,
    ...(withKeys ? [`repo1-s3-key=${s3.credentials.accessKeyId}`, `repo1-s3-key-secret=${s3.credentials.secretAccessKey}`] : []),
  ];
}

export async function startPgBackRestCluster(parentDir: string, options: { s3?: PgBackRestS3Repo } = {}): Promise<PgBackRestSetup> {
  const cluster = await ScratchCluster.start({ parentDir, purpose: 'pgbackrest test', settings: { archive_mode: 'on', wal_level: 'replica', max_wal_senders: '2' } });
  const owner = cluster.owner;
  const dir = mkdtempSync(join(parentDir, 'pgbackrest-'));
  const repoPath = join(dir, 'repo');
  for (const d of [dir, repoPath, join(dir, 'log'), join(dir, 'lock')]) {
    mkdirSync(d, { recursive: true });
    if (owner) chownSync(d, owner.uid, owner.gid);
  }
  const caFile = join(dir, 'ca.pem');
  if (options.s3) copyFileSync(options.s3.caFile, caFile);
  const configPath = join(dir, 'pgbackrest.conf');
  writeFileSync(
    configPath,
    [
      '[global]',
      ...(options.s3 ? s3RepoLines(options.s3, caFile) : [`repo1-path=${repoPath}`]),
      'repo1-retention-full=99',
      `log-path=${join(dir, 'log')}`,
      `lock-path=${join(dir, 'lock')}`,
      'log-level-console=warn',
      'start-fast=y',
      'archive-timeout=10',
      '',
      `[${STANZA}]`,
      `pg1-path=${cluster.dataDir}`,
      `pg1-socket-path=${cluster.socketDir}`,
      `pg1-port=${cluster.port}`,
      // The test cluster's superuser. Without it pgbackrest logs in as the OS user, which is that role only
      // when run as root (everything then runs as postgres); a normal user's login would be refused.
      'pg1-user=postgres',
      '',
    ].join('\n'),
    // The keys of a bucket are the backup job's secret: only its user reads this file.
    { mode: options.s3 ? 0o600 : 0o644 },
  );
  if (owner) chownSync(configPath, owner.uid, owner.gid);
  const pgbackrest = (args: string[], stanza = STANZA) => run('pgbackrest', [`--config=${configPath}`, `--stanza=${stanza}`, ...args], { timeoutMs: 60_000, ...owner });
  const setArchiveStanza = async (stanza: string) => {
    const command = `pgbackrest --config=${configPath} --stanza=${stanza} archive-push %p`;
    await sql(cluster, `ALTER SYSTEM SET archive_command = ${quoteLiteral(command)}; SELECT pg_reload_conf();`);
  };
  const setup: PgBackRestSetup = {
    cluster,
    dir,
    configPath,
    repoPath,
    pgbackrest,
    setArchiveStanza,
    async backup(type) {
      const result = await pgbackrest([`--type=${type}`, 'backup']);
      if (result.code !== 0) throw new Error(`pgbackrest backup --type=${type} failed: ${describeFailure(result, 'pgbackrest')}`);
      const info = await pgbackrest(['info', '--output=json']);
      const labels = (JSON.parse(info.stdout) as { backup: { label: string }[] }[])[0]!.backup.map((b) => b.label);
      return labels.at(-1)!;
    },
    stop: () => cluster.stop(),
  };
  try {
    await setArchiveStanza(STANZA);
    const created = await pgbackrest(['stanza-create']);
    if (created.code !== 0) throw new Error(`pgbackrest stanza-create failed: ${describeFailure(created, 'pgbackrest')}`);
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  return setup;
}

/** A validated pgbackrest source of stanza "demo" (id demo-backups) with these fields. */
export function pgbackrestSource(fields: Record<string, unknown>): PgBackRestSourceConfig {
  const parsed = validateConfig({ sources: [{ id: 'demo-backups', kind: 'pgbackrest', stanza: STANZA, ...fields }] });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.config.sources[0] as PgBackRestSourceConfig;
}


/** The health of `source` after one poll that failed with `error`. */
export function judgeProbeError(source: PgBackRestSourceConfig, error: ProbeError, at = Date.now()): { status: string; findings: Finding[] } {
  const parsed = validateConfig({});
  if (!parsed.ok) throw new Error('empty config');
  return evaluate({
    source,
    defaults: parsed.config.defaults,
    now: at,
    latest: { sourceId: source.id, at, durationMs: 10, ok: false, error: { code: error.code, message: error.message, ...(error.host ? { host: error.host } : {}) }, metrics: null, newestBackupAt: null, newestBackupSize: null, storedBytes: null, status: 'unknown' },
    consecutiveFailures: 1,
    backups: [],
    history: [],
  });
}
