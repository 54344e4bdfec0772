// Dumps in an S3-compatible bucket (dump-dir with url:), against a real S3-compatible server on 127.0.0.1
// (s3rver, test/support/s3-server.ts) holding real pg_dump output: observed like a local directory (exact sizes,
// the objects' times, headers read with ranged GETs), an empty bucket critical, and every way of not being able
// to read a bucket its own finding, never an empty bucket. Credentials reach the app only as a user gives
// them: profiles of a shared credentials file (the SDK's chain), never the config.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig, type DumpDirSourceConfig } from '../../../shared/config';
import { dumpDirProbe } from '../../../electron/engine/sources/dump-dir/index';
import { ProbeError } from '../../../electron/engine/errors';
import { freePort, probeContext } from '../../support/postgres-fixtures';
import { makeOrdersDumps } from '../../support/orders-dumps';
import { judgeObservation } from '../../support/judge-observation';
import { startS3Server, type TestS3Server } from '../../support/s3-server';
import { dateCustomDump } from '../../support/dump-dates';

let root: string;
let s3: TestS3Server;
let tlsS3: TestS3Server;
const dumps = new Map<string, Buffer>();
const DAY = 86_400_000;
/** Three nightly dumps at 02:00:00, the last one last night (whole seconds: s3rver's LastModified is its file's mtime). */
const lastNight = new Date(Date.now() - DAY);
lastNight.setHours(2, 0, 0, 0);
const dates = [2, 1, 0].map((daysBefore) => new Date(lastNight.getTime() - daysBefore * DAY));
const savedEnv = { ...process.env };

function source(fields: Record<string, unknown>): DumpDirSourceConfig {
  const parsed = validateConfig({ sources: [{ id: `orders-offsite-${Math.random().toString(36).slice(2, 8)}`, kind: 'dump-dir', url: 's3://dumps/orders/', endpoint: s3.endpoint, profile: 'reader', settle: '0s', ...fields }] });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.config.sources[0] as DumpDirSourceConfig;
}

async function probeError(fields: Record<string, unknown>, timeoutMs = 20_000): Promise<ProbeError> {
  const err = await dumpDirProbe.observe(source(fields), probeContext({ timeoutMs })).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ProbeError);
  return err as ProbeError;
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'backup-health-test-s3-dumps-'));
  s3 = await startS3Server({ denyBuckets: ['dumps'] });
  tlsS3 = await startS3Server({ tls: true });
  // The SDK's chain as a user sets it up: a shared credentials file with a profile per key, nothing in the env.
  for (const key of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_CA_BUNDLE', 'HTTPS_PROXY', 'HTTP_PROXY', 'https_proxy', 'http_proxy']) delete process.env[key];
  const credentials = join(root, 'credentials');
  writeFileSync(
    credentials,
    [
      `[reader]\naws_access_key_id = ${s3.credentials.accessKeyId}\naws_secret_access_key = ${s3.credentials.secretAccessKey}\n`,
      `[denied]\naws_access_key_id = ${s3.deniedCredentials.accessKeyId}\naws_secret_access_key = ${s3.deniedCredentials.secretAccessKey}\n`,
      `[unknown-key]\naws_access_key_id = BHNOSUCHKEY\naws_secret_access_key = not-a-secret-it-knows\n`,
      `[tls-reader]\naws_access_key_id = ${tlsS3.credentials.accessKeyId}\naws_secret_access_key = ${tlsS3.credentials.secretAccessKey}\n`,
    ].join('\n'),
    { mode: 0o600 },
  );
  writeFileSync(join(root, 'config'), '');
  process.env.AWS_SHARED_CREDENTIALS_FILE = credentials;
  process.env.AWS_CONFIG_FILE = join(root, 'config');

  const made = await makeOrdersDumps(root, 's3 dump-dir test');
  dumps.set('custom', made.custom);
  dumps.set('plain', made.plain);

  await s3.createBucket('dumps');
  for (const [i, at] of dates.entries()) {
    // Each copy's header says the night it was made, as pg_dump would have written it then.
    const night = join(root, `night-${i}.dump`);
    writeFileSync(night, dumps.get('custom')!);
    dateCustomDump(night, at);
    await s3.put('dumps', `orders/orders-2026-12-0${i + 1}.dump`, readFileSync(night), at);
  }
  await s3.put('dumps', 'orders/README.txt', 'nightly dumps of orders\n');
  await s3.put('dumps', 'other/orders-elsewhere.dump', dumps.get('custom')!);
  await s3.createBucket('empty');
  await tlsS3.createBucket('dumps');
  await tlsS3.put('dumps', 'orders/orders-2026-12-01.dump', dumps.get('custom')!, dates[0]);
}, 180_000);

afterAll(async () => {
  process.env = savedEnv;
  await s3?.stop();
  await tlsS3?.stop();
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('dump-dir in a bucket', () => {
  it('sees the daily dumps with their exact sizes, the times the bucket gives them, and their headers', async () => {
    const observed = await dumpDirProbe.observe(source({ pattern: '*.dump' }), probeContext());
    expect(observed.backups.map((b) => b.key)).toEqual(dates.map((_, i) => `s3://dumps/orders/orders-2026-12-0${i + 1}.dump`));
    for (const [i, b] of observed.backups.entries()) {
      expect(b.sizeBytes).toBe(dumps.get('custom')!.length);
      expect(b.finishedAt).toBe(dates[i]!.getTime());
      expect(b).toMatchObject({ readable: true, meta: { header: { format: 'custom', dbName: 'orders' } } });
    }
    expect(observed.metrics).toEqual({ kind: 'dump-dir', fileCount: 3, totalBytes: 3 * dumps.get('custom')!.length, inProgress: 0 });
    const judged = judgeObservation(source({ pattern: '*.dump' }), observed, dates.at(-1)!.getTime() + 3_600_000);
    expect(judged.status).toBe('ok');
  });

  it('reads every page of a long listing', async () => {
    // Written where s3rver keeps objects (1,100 PUTs would take long): empty dumps, so no header is fetched.
    for (let i = 0; i < 1100; i++) {
      const file = s3.objectFile('dumps', `long/orders-${String(i).padStart(4, '0')}.dump`);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, '');
      writeFileSync(`${file}.md5`, 'd41d8cd98f00b204e9800998ecf8427e');
    }
    const observed = await dumpDirProbe.observe(source({ url: 's3://dumps/long/' }), probeContext());
    expect(observed.backups).toHaveLength(1100);
    expect(new Set(observed.backups.map((b) => b.key)).size).toBe(1100);
    expect(observed.backups.every((b) => b.sizeBytes === 0 && b.readable === false)).toBe(true);
  });

  it('judges an empty bucket critical: it holds no backups', async () => {
    const empty = source({ url: 's3://empty/' });
    const observed = await dumpDirProbe.observe(empty, probeContext());
    expect(observed.backups).toEqual([]);
    const judged = judgeObservation(empty, observed);
    expect(judged.status).toBe('critical');
    expect(judged.findings.find((f) => f.rule === 'no-backups')!.message).toMatch(/^the bucket holds no backups: no object matching "\*" in s3:\/\/empty\//);
  });

  it('judges a prefix with no dump critical too, and reads only under its own prefix', async () => {
    const observed = await dumpDirProbe.observe(source({ url: 's3://dumps/nothing-here/' }), probeContext());
    expect(observed.backups).toEqual([]);
    const other = await dumpDirProbe.observe(source({ url: 's3://dumps/other' }), probeContext());
    expect(other.backups.map((b) => b.key)).toEqual(['s3://dumps/other/orders-elsewhere.dump']);
  });

  it('remembers what it read of each dump by key, ETag and size: an old dump is not read again', async () => {
    const watched = source({ url: 's3://dumps/cache/' });
    await s3.put('dumps', 'cache/orders.dump', dumps.get('custom')!);
    const first = await dumpDirProbe.observe(watched, probeContext());
    expect(first.backups[0]).toMatchObject({ readable: true });
    // The same bytes count, the same ETag (s3rver keeps it beside the file): only a re-read would notice the garbage.
    writeFileSync(s3.objectFile('dumps', 'cache/orders.dump'), Buffer.alloc(dumps.get('custom')!.length, 0x41));
    const second = await dumpDirProbe.observe(watched, probeContext());
    expect(second.backups[0]).toMatchObject({ readable: true });
    // A new upload (a new ETag) is read.
    await s3.put('dumps', 'cache/orders.dump', Buffer.alloc(dumps.get('custom')!.length, 0x41));
    const third = await dumpDirProbe.observe(watched, probeContext());
    expect(third.backups[0]).toMatchObject({ readable: false });
  });

  it('says AccessDenied when the credentials may not read the bucket, never that it is empty', async () => {
    const err = await probeError({ profile: 'denied' });
    expect(err.code).toBe('permission-denied');
    expect(err.message).toMatch(/^listing s3:\/\/dumps\/orders\/ failed: AccessDenied: the credentials of profile denied may not read bucket dumps; allow them s3:ListBucket and s3:GetObject/);
    expect(err.message).not.toContain(s3.deniedCredentials.secretAccessKey);
  });

  // s3rver does not check SigV4 signatures, so a wrong secret is a unit test (test/unit/object-store); an unknown key it refuses.
  it('says the service does not know the access key', async () => {
    const err = await probeError({ profile: 'unknown-key' });
    expect(err.code).toBe('auth-failed');
    expect(err.message).toBe(`listing s3://dumps/orders/ failed: InvalidAccessKeyId: ${s3.endpoint} does not know the access key; check the credentials of profile unknown-key`);
  });

  it('says no credentials were found for a profile the credentials file does not have', async () => {
    const err = await probeError({ profile: 'nobody' });
    expect(err.code).toBe('no-credentials');
    expect(err.message).toMatch(/no credentials for profile nobody/);
  });

  it('says NoSuchBucket for a bucket the service does not have', async () => {
    const err = await probeError({ url: 's3://no-such-bucket/orders/' });
    expect(err.code).toBe('not-found');
    expect(err.message).toBe(`listing s3://no-such-bucket/orders/ failed: NoSuchBucket: ${s3.endpoint} has no bucket no-such-bucket; check the bucket in url and endpoint`);
  });

  it('says nothing listens at an endpoint whose port is closed', async () => {
    const endpoint = `http://127.0.0.1:${await freePort()}`;
    const err = await probeError({ endpoint });
    expect(err.code).toBe('refused');
    expect(err.message).toBe(`listing s3://dumps/orders/ failed: ${endpoint} refused the connection: nothing listens there; check endpoint (host and port)`);
  });

  it('names a certificate problem when the endpoint is https with a private CA not given, and reads it once the CA is', async () => {
    const err = await probeError({ endpoint: tlsS3.endpoint, profile: 'tls-reader' });
    expect(err.code).toBe('tls');
    expect(err.message).toMatch(new RegExp(`the certificate of ${tlsS3.endpoint.replace(/[.]/g, '\\.')} is not trusted \\([A-Z_]+\\); .*AWS_CA_BUNDLE`));
    process.env.AWS_CA_BUNDLE = tlsS3.caFile;
    try {
      const observed = await dumpDirProbe.observe(source({ endpoint: tlsS3.endpoint, profile: 'tls-reader' }), probeContext());
      expect(observed.backups.map((b) => b.key)).toEqual(['s3://dumps/orders/orders-2026-12-01.dump']);
    } finally {
      delete process.env.AWS_CA_BUNDLE;
    }
  });

  it('says the endpoint does not speak https when it is given as https to a plain http service', async () => {
    const err = await probeError({ endpoint: s3.endpoint.replace('http:', 'https:') });
    expect(err.code).toBe('tls');
    expect(err.message).toMatch(/does not seem to speak https there; check endpoint/);
  });

  it('goes through the proxy HTTP_PROXY names, unless NO_PROXY names the endpoint', async () => {
    // A forwarding proxy as small as can be: absolute-URI requests relayed to the server they name, counted.
    const { createServer, request } = await import('node:http');
    let relayed = 0;
    const proxy = createServer((req, res) => {
      relayed += 1;
      const target = new URL(req.url!);
      const upstream = request({ host: target.hostname, port: target.port, path: target.pathname + target.search, method: req.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode!, answer.headers);
        answer.pipe(res);
      });
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    process.env.HTTP_PROXY = `http://127.0.0.1:${(proxy.address() as import('node:net').AddressInfo).port}`;
    try {
      const observed = await dumpDirProbe.observe(source({ pattern: '*.dump' }), probeContext());
      expect(observed.backups).toHaveLength(3);
      expect(relayed).toBeGreaterThan(0);
      const before = relayed;
      process.env.NO_PROXY = '127.0.0.1';
      await dumpDirProbe.observe(source({ pattern: '*.dump' }), probeContext());
      expect(relayed).toBe(before);
    } finally {
      delete process.env.HTTP_PROXY;
      delete process.env.NO_PROXY;
      proxy.close();
    }
  });

  it('says an endpoint that answers but is no S3 service is not one', async () => {
    const { createServer } = await import('node:http');
    const web = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<!doctype html><html><body>Welcome to nginx!</body></html>');
    });
    await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
    const endpoint = `http://127.0.0.1:${(web.address() as import('node:net').AddressInfo).port}`;
    try {
      const err = await probeError({ endpoint });
      expect(err.code).toBe('config');
      expect(err.message).toBe(`listing s3://dumps/orders/ failed: ${endpoint} did not answer as an S3-compatible service would (HTTP 200); check endpoint: it must be the address of the S3 API`);
    } finally {
      web.close();
    }
  });

  it('times out within the probe timeout on an endpoint that never answers', async () => {
    const { createServer } = await import('node:net');
    const sockets: import('node:net').Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as import('node:net').AddressInfo).port;
    try {
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), 1500);
      const err = await dumpDirProbe.observe(source({ endpoint: `http://127.0.0.1:${port}` }), probeContext({ timeoutMs: 1500, signal: controller.signal })).catch((e: unknown) => e);
      clearTimeout(timer);
      expect(err).toBeInstanceOf(ProbeError);
      expect((err as ProbeError).code).toBe('timeout');
      expect((err as ProbeError).message).toMatch(/no answer from http:\/\/127\.0\.0\.1:\d+ within 2s/);
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });
});
