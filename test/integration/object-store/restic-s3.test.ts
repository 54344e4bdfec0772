// A restic repository in an S3-compatible bucket (s3rver behind TLS with a CA made for the run), watched and
// drilled through restic itself: the credentials come from the environment Backup Health runs in, the private
// CA from `cacert` (restic --cacert). Without the CA, or with credentials the service does not know, the
// problem is named (a certificate, refused credentials), never "no repository there" and never a failed backup.
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig, type Config, type ResticSourceConfig } from '../../../shared/config';
import type { ObservedBackup } from '../../../shared/model';
import { ProbeError } from '../../../electron/engine/errors';
import { resticProbe } from '../../../electron/engine/sources/restic/index';
import type { DrillContext } from '../../../electron/engine/sources/probe';
import { probeContext, removeTestParentDir, scratchDirsIn, testParentDir } from '../../support/postgres-fixtures';
import { restic, writeOrdersDump } from '../../support/restic-fixtures';
import { startS3Server, type TestS3Server } from '../../support/s3-server';
import { savedEnv } from '../../support/saved-env';

const root = testParentDir('restic-s3');
const drillDir = testParentDir('restic-s3-drills');
const passwordFile = join(root, 'password');
const src = join(root, 'backup');
const CREDENTIAL_VARS = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_REGION', 'AWS_PROFILE', 'AWS_SHARED_CREDENTIALS_FILE', 'XDG_CACHE_HOME'] as const;
let restoreEnv = () => {};
let s3: TestS3Server;
let repo: string;
let dumpBytes: number;

function parsed(fields: Record<string, unknown> = {}): { config: Config; source: ResticSourceConfig } {
  const result = validateConfig({
    defaults: { drillDir },
    sources: [{ id: 'orders-offsite', kind: 'restic', repo, passwordFile, cacert: s3.caFile, drill: { readDataSubset: '100%' }, ...fields }],
  });
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return { config: result.config, source: result.config.sources[0] as ResticSourceConfig };
}

async function observe(fields: Record<string, unknown> = {}) {
  const { config, source } = parsed(fields);
  return resticProbe.observe(source, probeContext({ config, timeoutMs: 30_000 }));
}

async function drill(backup: ObservedBackup, fields: Record<string, unknown> = {}) {
  const { config, source } = parsed(fields);
  const ctx: DrillContext = { signal: new AbortController().signal, timeoutMs: 120_000, config, now: () => Date.now(), onProgress: () => {} };
  return resticProbe.drill!(source, backup, ctx);
}

async function probeError(promise: Promise<unknown>): Promise<ProbeError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ProbeError);
  return err as ProbeError;
}

/** Runs `body` with other S3 credentials in the environment Backup Health runs in. */
async function withCredentials<T>(accessKeyId: string, secretAccessKey: string, body: () => Promise<T>): Promise<T> {
  const before = [process.env.AWS_ACCESS_KEY_ID, process.env.AWS_SECRET_ACCESS_KEY];
  process.env.AWS_ACCESS_KEY_ID = accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = secretAccessKey;
  try {
    return await body();
  } finally {
    process.env.AWS_ACCESS_KEY_ID = before[0];
    process.env.AWS_SECRET_ACCESS_KEY = before[1];
  }
}

beforeAll(async () => {
  restoreEnv = savedEnv(CREDENTIAL_VARS);
  s3 = await startS3Server({ tls: true, denyBuckets: ['backups'] });
  await s3.createBucket('backups');
  repo = `s3:${s3.endpoint}/backups/orders`;
  // What a sysadmin sets where Backup Health runs (a systemd unit's Environment=, a shell profile): the SDK's variables.
  process.env.AWS_ACCESS_KEY_ID = s3.credentials.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = s3.credentials.secretAccessKey;
  process.env.AWS_REGION = 'us-east-1';
  process.env.XDG_CACHE_HOME = join(root, 'xdg-cache');
  writeFileSync(passwordFile, 'offsite password\n', { mode: 0o600 });
  mkdirSync(src);
  dumpBytes = statSync(await writeOrdersDump(src, drillDir)).size;
  const job = { passwordFile, cacheDir: join(root, 'job-cache'), cacert: s3.caFile! };
  await restic(job, repo, ['init']);
  await restic(job, repo, ['backup', src]);
}, 120_000);

afterAll(async () => {
  restoreEnv();
  await s3?.stop();
  expect(scratchDirsIn(drillDir)).toEqual([]);
  removeTestParentDir(root);
  removeTestParentDir(drillDir);
});

describe('a restic repository in an S3-compatible bucket', () => {
  it('is observed and drilled through restic, with the credentials of the environment and cacert', async () => {
    const { backups, metrics } = await observe();
    expect(metrics).toMatchObject({ kind: 'restic', snapshotCount: 1, restoreSizeBytes: dumpBytes });
    expect(backups).toHaveLength(1);
    expect(backups[0]).toMatchObject({ type: 'snapshot', readable: true, sizeBytes: dumpBytes, meta: { paths: [src] } });

    const result = await drill(backups[0]!);
    expect(result.message).toMatch(/^snapshot [0-9a-f]{8} restored \(.+\), matches restic ls, restic check --read-data-subset=100% found no errors; dump .*orders\.dump: /);
    expect(result).toMatchObject({ outcome: 'pass', tables: 1, rows: 500 });
    expect(result.checks.map((c) => [c.name, c.passed])).toEqual([
      ['restored files match restic ls', true],
      ['restic check', true],
    ]);
    expect(JSON.stringify(result)).not.toContain(s3.credentials.secretAccessKey);
  });

  it('names the certificate when the private CA is not given (cacert), and a drill is an error, not a failed backup', async () => {
    const err = await probeError(observe({ cacert: undefined }));
    expect(err.code).toBe('config');
    expect(err.message).toBe(
      `restic could not verify the TLS certificate of ${s3.endpoint} for ${repo} (x509: certificate signed by unknown authority): if a private CA signed it, set cacert to that CA's certificate, a PEM file (restic --cacert)`,
    );
    const { backups } = await observe();
    const result = await drill(backups[0]!, { cacert: undefined });
    expect(result.outcome).toBe('error');
    expect(result.message).toContain('could not verify the TLS certificate');
  });

  it('names credentials the service does not know, without printing the secret', async () => {
    const err = await withCredentials('BHUNKNOWNKEY', 'not-the-secret-1234', () => probeError(observe()));
    expect(err.code).toBe('auth-failed');
    expect(err.message).toMatch(new RegExp(`^${s3.endpoint.replace(/\./g, '\\.')} refused the S3 credentials restic used for ${repo.replace(/\./g, '\\.')} \\(The AWS Access Key Id you provided does not exist in our records\\.\\): check them; restic takes them from AWS_ACCESS_KEY_ID`));
    expect(err.message).not.toContain('not-the-secret-1234');
  });

  it('takes credentials from a profile (AWS_PROFILE), and names Access Denied when they may not read the bucket', async () => {
    const credentials = join(root, 'aws-credentials');
    writeFileSync(credentials, `[offsite-reader]\naws_access_key_id = ${s3.deniedCredentials.accessKeyId}\naws_secret_access_key = ${s3.deniedCredentials.secretAccessKey}\n`, { mode: 0o600 });
    const before = [process.env.AWS_ACCESS_KEY_ID, process.env.AWS_SECRET_ACCESS_KEY];
    delete process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_SECRET_ACCESS_KEY;
    process.env.AWS_SHARED_CREDENTIALS_FILE = credentials;
    process.env.AWS_PROFILE = 'offsite-reader';
    try {
      const err = await probeError(observe());
      expect(err.code).toBe('permission-denied');
      expect(err.message).toMatch(/^the S3 credentials restic used may not read s3:https:\/\/127\.0\.0\.1:\d+\/backups\/orders \(Access Denied\): let them list and read the bucket/);
      expect(err.message).not.toContain(s3.deniedCredentials.secretAccessKey);
    } finally {
      delete process.env.AWS_SHARED_CREDENTIALS_FILE;
      delete process.env.AWS_PROFILE;
      process.env.AWS_ACCESS_KEY_ID = before[0];
      process.env.AWS_SECRET_ACCESS_KEY = before[1];
    }
  });

  it('names a bucket that does not exist', async () => {
    const err = await probeError(observe({ repo: `s3:${s3.endpoint}/no-such-bucket/orders` }));
    expect(err.code).toBe('not-found');
    expect(err.message).toBe(`the bucket of s3:${s3.endpoint}/no-such-bucket/orders does not exist on ${s3.endpoint}: check repo`);
  });

  it('refuses cacert for a repository restic does not reach over https', () => {
    const result = validateConfig({ sources: [{ id: 'local', kind: 'restic', repo: '/srv/restic', passwordFile, cacert: '/etc/ssl/private-ca.pem' }] });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problems).toEqual([
      expect.objectContaining({ path: 'sources[0].cacert', message: 'cacert is for a repository restic reaches over https (s3:https://…, rest:https://…); remove it, or check repo' }),
    ]);
  });
});
