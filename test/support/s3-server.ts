// A real S3-compatible server for tests of backups kept in object storage: s3rver (a Node implementation of
// the S3 REST API on the filesystem) on 127.0.0.1, on a free port, in a temp dir, optionally behind TLS with a
// CA generated for the run (pgBackRest always speaks https; restic should, to avoid chunked uploads over http).
//
// s3rver knows no bucket policies; `deny` adds one in front of it: a request signed with the named access key
// for the named bucket gets S3's own 403 AccessDenied, as a real service answers credentials a policy does not
// allow. The other faults (no such bucket, a wrong endpoint, a bad certificate, a timeout) are real ones.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { Agent as HttpsAgent } from 'node:https';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';

const require = createRequire(import.meta.url);
// As the app's own client module does (electron/engine/object-store/client.ts): the pinned SDK's Node 20 notice
// says nothing a test can act on.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
// CommonJS, without types of its own.
const S3rver = require('s3rver') as new (options: Record<string, unknown>) => S3rverServer;
const AWSAccount = require('s3rver/lib/models/account') as new (id: number, name: string) => { createKeyPair(id: string, secret: string): void };

// s3rver makes ListObjectsV2 continuation tokens with DES, which OpenSSL 3 keeps in its legacy provider (off
// in Node 17+): any listing longer than one page (1,000 keys) answered 500 InternalError. Its tokens are
// opaque to clients, so here DES becomes AES-128-CBC with the 8-byte key and IV doubled: s3rver both makes
// and reads them, nothing else in this process asks for DES.
const nodeCrypto = require('node:crypto') as typeof import('node:crypto');
for (const name of ['createCipheriv', 'createDecipheriv'] as const) {
  const original = nodeCrypto[name] as (algorithm: string, key: Buffer, iv: Buffer) => unknown;
  (nodeCrypto as unknown as Record<string, unknown>)[name] = (algorithm: string, key: Buffer, iv: Buffer, ...rest: unknown[]) =>
    algorithm === 'des' ? original('aes-128-cbc', Buffer.concat([key, key]), Buffer.concat([iv, iv])) : (original as (...args: unknown[]) => unknown)(algorithm, key, iv, ...rest);
}

interface S3rverServer {
  store: { getResourcePath(bucket: string, key: string, resource: string): string };
  middleware: ((ctx: KoaContext, next: () => Promise<void>) => Promise<void>)[];
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
}
interface KoaContext {
  get(header: string): string;
  path: string;
  status: number;
  type: string;
  body: unknown;
}

export interface TestS3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface TestS3Server {
  /** https://127.0.0.1:PORT or http://127.0.0.1:PORT: a source's `endpoint`. */
  endpoint: string;
  host: string;
  port: number;
  /** With TLS: the PEM file of the CA that signed the server's certificate (restic --cacert, pgBackRest repo1-storage-ca-file). */
  caFile?: string;
  /** The server's certificate names: 127.0.0.1 and localhost. */
  tls: boolean;
  /** Credentials that may read and write every bucket. */
  credentials: TestS3Credentials;
  /** Credentials the server knows but that the `deny` policy refuses for its buckets. */
  deniedCredentials: TestS3Credentials;
  /** The environment a tool or the SDK's default chain takes credentials (and the CA) from. */
  env(credentials?: TestS3Credentials): Record<string, string>;
  /** An SDK client with path-style addressing, as the app makes for a custom endpoint. */
  client(credentials?: TestS3Credentials): S3Client;
  createBucket(name: string): Promise<void>;
  /** Puts an object; `lastModified` back-dates it (s3rver's LastModified is its file's mtime, to the second). */
  put(bucket: string, key: string, body: Buffer | string, lastModified?: Date): Promise<void>;
  /** The file s3rver keeps an object's bytes in: a test may cut it in half there, as a failed upload would. */
  objectFile(bucket: string, key: string): string;
  /** Where s3rver keeps its buckets. */
  dir: string;
  stop(): Promise<void>;
}

export interface StartS3ServerOptions {
  tls?: boolean;
  /** Buckets that `deniedCredentials` may not read (AccessDenied), though they exist. */
  denyBuckets?: string[];
}

let accounts = 0;

export async function startS3Server(options: StartS3ServerOptions = {}): Promise<TestS3Server> {
  const dir = mkdtempSync(join(tmpdir(), 'backup-health-test-s3-'));
  const tls = options.tls ?? false;
  const keys = tls ? makeCertificates(dir) : undefined;
  accounts += 1;
  const credentials = { accessKeyId: `BHTESTKEY${process.pid}X${accounts}`, secretAccessKey: `bh-test-secret-${process.pid}-${accounts}` };
  const deniedCredentials = { accessKeyId: `BHDENIED${process.pid}X${accounts}`, secretAccessKey: `bh-denied-secret-${process.pid}-${accounts}` };
  const account = new AWSAccount(100000000000 + accounts, `backup-health-test-${accounts}`);
  account.createKeyPair(credentials.accessKeyId, credentials.secretAccessKey);
  account.createKeyPair(deniedCredentials.accessKeyId, deniedCredentials.secretAccessKey);

  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory: join(dir, 'data'),
    // Path-style only: bucket names in the Host header would need DNS for *.127.0.0.1.
    vhostBuckets: false,
    ...(keys ? { key: readFileSync(keys.key), cert: readFileSync(keys.cert) } : {}),
  });
  const denied = new Set(options.denyBuckets ?? []);
  if (denied.size) {
    // Before s3rver's own routes: Koa composes its middleware when the server starts.
    server.middleware.unshift(async (ctx, next) => {
      const bucket = decodeURIComponent(ctx.path.split('/')[1] ?? '');
      if (denied.has(bucket) && signedWith(ctx) === deniedCredentials.accessKeyId) {
        ctx.status = 403;
        ctx.type = 'application/xml';
        ctx.body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>Access Denied</Message><Resource>/${bucket}</Resource><RequestId>backup-health-test</RequestId></Error>`;
        return;
      }
      await next();
    });
  }
  const address = await server.run();
  const host = '127.0.0.1';
  const port = address.port;
  const endpoint = `${tls ? 'https' : 'http'}://${host}:${port}`;

  const env = (creds: TestS3Credentials = credentials): Record<string, string> => ({
    AWS_ACCESS_KEY_ID: creds.accessKeyId,
    AWS_SECRET_ACCESS_KEY: creds.secretAccessKey,
    AWS_REGION: 'us-east-1',
    ...(keys ? { AWS_CA_BUNDLE: keys.ca } : {}),
  });
  const client = (creds: TestS3Credentials = credentials) =>
    new S3Client({
      endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: creds,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      ...(keys ? { requestHandler: new NodeHttpHandler({ httpsAgent: new HttpsAgent({ ca: readFileSync(keys.ca) }) }) } : {}),
    });
  const admin = client();

  return {
    endpoint,
    host,
    port,
    ...(keys ? { caFile: keys.ca } : {}),
    tls,
    credentials,
    deniedCredentials,
    env,
    client,
    async createBucket(name) {
      await admin.send(new CreateBucketCommand({ Bucket: name }));
    },
    async put(bucket, key, body, lastModified) {
      await admin.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
      if (lastModified) utimesSync(server.store.getResourcePath(bucket, key, 'object'), lastModified, lastModified);
    },
    objectFile: (bucket, key) => server.store.getResourcePath(bucket, key, 'object'),
    dir: join(dir, 'data'),
    async stop() {
      admin.destroy();
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The access key id a request was signed with (SigV4 header or presigned query), if any. */
function signedWith(ctx: KoaContext): string | undefined {
  const header = ctx.get('authorization');
  const match = /Credential=([^/,\s]+)\//.exec(header) ?? /X-Amz-Credential=([^%/&]+)/.exec(ctx.path);
  return match?.[1];
}

/** A CA and a server certificate it signed, for 127.0.0.1 and localhost, with openssl. */
function makeCertificates(dir: string): { ca: string; key: string; cert: string } {
  const ca = join(dir, 'ca.pem');
  const caKey = join(dir, 'ca.key');
  const key = join(dir, 'server.key');
  const csr = join(dir, 'server.csr');
  const cert = join(dir, 'server.pem');
  const ext = join(dir, 'server.ext');
  const openssl = (args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=Backup Health test CA', '-keyout', caKey, '-out', ca]);
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-keyout', key, '-out', csr]);
  writeFileSync(ext, 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n');
  openssl(['x509', '-req', '-in', csr, '-CA', ca, '-CAkey', caKey, '-CAcreateserial', '-days', '2', '-extfile', ext, '-out', cert]);
  return { ca, key, cert };
}
