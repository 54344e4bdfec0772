// A pgBackRest stanza in an S3-compatible bucket (s3rver behind TLS with a CA made for the run): a real cluster
// archives its WAL there and backs up there (repo1-type=s3, path-style URIs, repo1-storage-ca-file); Backup
// Health observes it with pgbackrest info and repo-ls and drills it with pgbackrest restore and archive-get, the
// scratch cluster still sandboxed. Backup Health's own pgbackrest.conf holds no keys: they come from its
// environment (PGBACKREST_REPO1_S3_KEY, PGBACKREST_REPO1_S3_KEY_SECRET), and reach the restore run as the
// drill's user without that user reading any file that holds them. A wrong key is named, its secret never.
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ObservedBackup, PgBackRestMetrics } from '../../../shared/model';
import { ProbeError } from '../../../electron/engine/errors';
import { runPgBackRestDrill } from '../../../electron/engine/sources/pgbackrest/drill';
import { pgbackrestProbe } from '../../../electron/engine/sources/pgbackrest/index';
import { probeContext, removeTestParentDir, scratchDirsIn, sql, testParentDir } from '../../support/postgres-fixtures';
import { pgbackrestSource, s3RepoLines, startPgBackRestCluster, type PgBackRestSetup } from '../../support/pgbackrest-fixtures';
import { postgresProcessesUsing } from '../../support/processes';
import { startS3Server, type TestS3Server } from '../../support/s3-server';
import { savedEnv } from '../../support/saved-env';

const sourceParent = testParentDir('pgbackrest-s3-source');
const drillParent = testParentDir('pgbackrest-s3-drills');
const KEY_VARS = ['PGBACKREST_REPO1_S3_KEY', 'PGBACKREST_REPO1_S3_KEY_SECRET'] as const;
let restoreEnv = () => {};
let s3: TestS3Server;
let setup: PgBackRestSetup;
let ownConfig: string;
let backups: ObservedBackup[];

const source = (fields: Record<string, unknown> = {}) => pgbackrestSource({ configPath: ownConfig, ...fields });

async function probeError(promise: Promise<unknown>): Promise<ProbeError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ProbeError);
  return err as ProbeError;
}

beforeAll(async () => {
  restoreEnv = savedEnv(KEY_VARS);
  s3 = await startS3Server({ tls: true });
  await s3.createBucket('pg-offsite');
  // localhost, not 127.0.0.1: pgBackRest 2.45 matches the certificate's DNS names only, never its IP addresses.
  const repo = { host: 'localhost', port: s3.port, bucket: 'pg-offsite', caFile: s3.caFile!, credentials: s3.credentials };
  setup = await startPgBackRestCluster(sourceParent, { s3: repo });
  await sql(setup.cluster, 'CREATE DATABASE shop');
  await sql(setup.cluster, "CREATE TABLE customers AS SELECT g AS id, 'c' || g AS name FROM generate_series(1, 3000) g", 'shop');
  await setup.backup('full');
  await sql(setup.cluster, "INSERT INTO customers SELECT g, 'c' || g FROM generate_series(3001, 3500) g", 'shop');
  await setup.backup('incr');

  // Backup Health's own config (readable by the drill's user, as every pgBackRest config Backup Health reads):
  // the same repository, without its keys; those are in Backup Health's environment.
  const caFile = join(sourceParent, 'ca.pem');
  copyFileSync(s3.caFile!, caFile);
  ownConfig = join(sourceParent, 'pgbackrest.conf');
  const theirs = readFileSync(setup.configPath, 'utf8').split('\n');
  const repoLines = new Set(s3RepoLines(repo, join(setup.dir, 'ca.pem')));
  writeFileSync(ownConfig, ['[global]', ...s3RepoLines(repo, caFile, false), ...theirs.filter((line) => line !== '[global]' && !repoLines.has(line))].join('\n'), { mode: 0o644 });
  process.env.PGBACKREST_REPO1_S3_KEY = s3.credentials.accessKeyId;
  process.env.PGBACKREST_REPO1_S3_KEY_SECRET = s3.credentials.secretAccessKey;
  backups = (await pgbackrestProbe.observe(source(), probeContext({ timeoutMs: 30_000 }))).backups;
}, 180_000);

afterAll(async () => {
  restoreEnv();
  await setup?.stop();
  await s3?.stop();
  expect(scratchDirsIn(sourceParent)).toEqual([]);
  removeTestParentDir(sourceParent);
  removeTestParentDir(drillParent);
});

describe('a pgBackRest stanza in an S3-compatible bucket', () => {
  it('is observed: its backups listed from the bucket, the WAL archive continuous', async () => {
    const { backups: listed, metrics } = await pgbackrestProbe.observe(source(), probeContext({ timeoutMs: 30_000 }));
    expect(listed.map((b) => [b.type, b.readable])).toEqual([
      ['full', true],
      ['incr', true],
    ]);
    const m = metrics as PgBackRestMetrics;
    expect(m).toMatchObject({ kind: 'pgbackrest', stanzaStatus: { code: 0 }, backupCount: 2 });
    expect(m.walArchive).toMatchObject({ missingSegments: 0, gapCount: 0 });
    expect(m.walArchive!.segmentsPresent).toBe(m.walArchive!.segmentsExpected);
    expect(m.walArchive!.segmentsExpected).toBeGreaterThanOrEqual(2);
  });

  it('is drilled: pgbackrest restore and archive-get read the bucket, the scratch cluster replays in its sandbox', async () => {
    const newest = backups.at(-1)!;
    const result = await runPgBackRestDrill({ sourceId: 'demo-backups', source: source(), backup: newest, checks: [{ name: 'customers', sql: 'select count(*) = 3500 from customers' }], parentDir: drillParent, timeoutMs: 120_000 });
    expect(result.message).toMatch(new RegExp(`^restored incr backup ${newest.key} and recovered it to consistency: 2 databases, 1 table, 3,500 rows`));
    expect(result).toMatchObject({ outcome: 'pass', tables: 1, rows: 3500, checks: [{ name: 'customers', passed: true }] });
    expect(JSON.stringify(result)).not.toContain(s3.credentials.secretAccessKey);
    // The restore (the drill's user, as root) had the keys from the environment only: its config holds none.
    expect(readFileSync(ownConfig, 'utf8')).not.toMatch(/repo1-s3-key/);
    expect(scratchDirsIn(drillParent)).toEqual([]);
    expect(postgresProcessesUsing(drillParent)).toEqual([]);
  });

  it('names the certificate when the private CA is not given (repo1-storage-ca-file)', async () => {
    const withoutCa = join(sourceParent, 'without-ca.conf');
    // pgBackRest retries a failed handshake until io-timeout (60 s by default), past the poll's timeout.
    const lines = readFileSync(ownConfig, 'utf8').split('\n').filter((line) => !line.startsWith('repo1-storage-ca-file='));
    writeFileSync(withoutCa, [lines[0], 'io-timeout=5', ...lines.slice(1)].join('\n'));
    const err = await probeError(pgbackrestProbe.observe(source({ configPath: withoutCa }), probeContext({ timeoutMs: 30_000 })));
    expect(err.code).toBe('config');
    expect(err.message).toBe(
      `pgbackrest could not verify the certificate of the repository's server: unable to verify certificate presented by 'localhost:${s3.port}': [20] unable to get local issuer certificate; if a private CA signed it, set repo1-storage-ca-file to that CA's certificate`,
    );
  });

  it('names a key the service does not know, never its secret', async () => {
    process.env.PGBACKREST_REPO1_S3_KEY = 'BHUNKNOWNKEY';
    process.env.PGBACKREST_REPO1_S3_KEY_SECRET = 'not-the-secret-5678';
    try {
      const err = await probeError(pgbackrestProbe.observe(source(), probeContext({ timeoutMs: 30_000 })));
      expect(err.code).toBe('auth-failed');
      expect(err.message).toBe(
        "the repository's S3 service refused pgbackrest's keys (HTTP request failed with 403 (Forbidden) InvalidAccessKeyId): check repo1-s3-key and repo1-s3-key-secret (in the pgBackRest config, or PGBACKREST_REPO1_S3_KEY and PGBACKREST_REPO1_S3_KEY_SECRET in the environment Backup Health runs in)",
      );
    } finally {
      process.env.PGBACKREST_REPO1_S3_KEY = s3.credentials.accessKeyId;
      process.env.PGBACKREST_REPO1_S3_KEY_SECRET = s3.credentials.secretAccessKey;
    }
  });
});

