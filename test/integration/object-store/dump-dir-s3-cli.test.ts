// A dump-dir in a bucket end to end, as a user runs it: the real bin with the credentials in its environment
// (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, as the SDK's chain reads them), `check` printing the s3://
// location and an empty bucket's finding, `drill` restoring the newest dump from the bucket, and `serve`
// answering its API; the secret access key never reaches the output, the history file or an API answer.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runClient } from '../../../electron/engine/drills/scratch-cluster';
import { ensureCliBuilt, runCli } from '../../support/cli';
import { removeTestParentDir, scratchDirsIn, sql, startTcpCluster, testParentDir, type TcpCluster } from '../../support/postgres-fixtures';
import { serve, signIn } from '../../support/serve';
import { startS3Server, type TestS3Server } from '../../support/s3-server';

const parent = testParentDir('s3-cli');
const drillDir = testParentDir('s3-cli-scratch');
const work = join(parent, 'work');
const data = join(work, 'data');
const configFile = join(work, 'config.yml');
let db: TcpCluster;
let s3: TestS3Server;
const HOUR = 3_600_000;

/** The environment a user gives the app: the keys, and a HOME without ~/.aws so nothing else is found. */
const env = () => ({ ...s3.env(), HOME: work, AWS_CONFIG_FILE: join(work, 'no-aws-config'), AWS_SHARED_CREDENTIALS_FILE: join(work, 'no-aws-credentials') });
const secret = () => s3.credentials.secretAccessKey;

beforeAll(async () => {
  ensureCliBuilt();
  mkdirSync(work, { recursive: true });
  s3 = await startS3Server();
  db = await startTcpCluster({ parentDir: parent });
  await sql(db.cluster, 'CREATE DATABASE orders;');
  await sql(db.cluster, `CREATE TABLE customers AS SELECT g AS id, 'customer ' || g AS name FROM generate_series(1, 2000) g;`, 'orders');
  const file = join(work, 'orders.dump');
  const dump = await runClient(db.cluster, 'pg_dump', ['-Fc', '-f', file, 'orders']);
  expect(dump.code, dump.stderr).toBe(0);
  await s3.createBucket('dumps');
  await s3.put('dumps', 'orders/orders-1.dump', readFileSync(file), new Date(Date.now() - 2 * HOUR));
  await s3.createBucket('empty');
  writeFileSync(
    configFile,
    `defaults:
  drillDir: ${drillDir}
sources:
  - id: orders-offsite
    kind: dump-dir
    url: s3://dumps/orders/
    endpoint: ${s3.endpoint}
    pattern: "*.dump"
    settle: 0s
  - id: empty-offsite
    kind: dump-dir
    url: s3://empty/
    endpoint: ${s3.endpoint}
`,
  );
}, 120_000);

afterAll(async () => {
  await db?.cluster.stop();
  await s3?.stop();
  expect(scratchDirsIn(drillDir)).toEqual([]);
  removeTestParentDir(parent);
  removeTestParentDir(drillDir);
});

describe('backup-health with dumps in a bucket', () => {
  it('config check takes the url source', async () => {
    const result = await runCli(['config', 'check', '--config', configFile], env());
    expect(result.stdout + result.stderr).toContain('ok (2 sources)');
    expect(result.code).toBe(0);
  });

  it('check prints the bucket source ok and the empty bucket critical', async () => {
    const result = await runCli(['check', '--config', configFile, '--data', data], env());
    expect(result.code).toBe(2);
    const lines = result.stdout.split('\n');
    expect(lines.find((l) => l.startsWith('orders-offsite'))).toMatch(/^orders-offsite\s+OK\s+2h ago/);
    expect(lines.find((l) => l.startsWith('empty-offsite'))).toMatch(/CRITICAL .*the bucket holds no backups: no object matching "\*" in s3:\/\/empty\//);
    expect(result.stdout + result.stderr).not.toContain(secret());
    expect(result.stderr).not.toMatch(/NodeVersionSupportWarning/);
  });

  it('drill restores the newest dump from the bucket', async () => {
    const result = await runCli(['drill', '--source', 'orders-offsite', '--config', configFile, '--data', data, '--json'], env());
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({ outcome: 'pass', backupKey: 's3://dumps/orders/orders-1.dump', rows: 2000 });
    expect(report.message).toMatch(/^copied s3:\/\/dumps\/orders\/orders-1\.dump from http:\/\/127\.0\.0\.1:\d+ /);
    expect(report.phases.copy).toBeGreaterThanOrEqual(0);
    expect(result.stderr).toMatch(/^copy: /m);
    expect(result.stdout + result.stderr).not.toContain(secret());
  });

  it('check without credentials says so, naming where they go', async () => {
    const result = await runCli(['check', '--config', configFile, '--data', join(work, 'data-nocreds')], { HOME: work, AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_CONFIG_FILE: join(work, 'none'), AWS_SHARED_CREDENTIALS_FILE: join(work, 'none') });
    expect(result.stdout).toMatch(/orders-offsite\s+UNKNOWN .*no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/);
  });

  it('serve answers with the s3:// location and never the secret; the history file holds no secret', async () => {
    const served = await serve(['--config', configFile, '--data', data, '--port', '0'], env());
    try {
      const cookie = await signIn(served);
      const post = async (method: string, args: unknown = {}) => {
        const res = await fetch(`${served.origin}/api/${method}`, { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: JSON.stringify(args) });
        return res.text();
      };
      const answers = [await post('pollNow', {}), await post('overview'), await post('source', { id: 'orders-offsite', range: '7d' }), await post('source', { id: 'empty-offsite', range: '7d' }), await post('settings'), await post('databases')];
      expect(answers[2]).toContain('s3://dumps/orders/');
      expect(answers[3]).toContain('the bucket holds no backups');
      for (const answer of answers) expect(answer).not.toContain(secret());
      expect(served.stderr()).not.toContain(secret());
    } finally {
      served.child.kill('SIGTERM');
      await served.exited;
    }
    for (const name of readdirSync(data)) expect(readFileSync(join(data, name)).includes(secret()), name).toBe(false);
  });
});
