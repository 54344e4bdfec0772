// Drills of dumps kept in an S3-compatible bucket (s3rver on 127.0.0.1, real pg_dump output): the object is
// downloaded into the drill's directory with a copy phase and byte progress, then restored like a local dump;
// a dump cut in half in the bucket fails, a directory-format dump comes whole, and object names that could be
// paths are refused, never followed. Credentials come from a shared credentials file (the SDK's chain).
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, truncateSync, writeFileSync, chmodSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig, type DumpDirSourceConfig } from '../../../shared/config';
import type { Drill, DrillProgress, ObservedBackup } from '../../../shared/model';
import { dumpDirProbe } from '../../../electron/engine/sources/dump-dir/index';
import { probeContext } from '../../support/postgres-fixtures';
import { makeOrdersDumps } from '../../support/orders-dumps';
import { startS3Server, type TestS3Server } from '../../support/s3-server';

let root: string;
let s3: TestS3Server;
const savedEnv = { ...process.env };
let custom: Buffer;
let plain: Buffer;
let directory: Map<string, Buffer>;

function source(fields: Record<string, unknown>): DumpDirSourceConfig {
  const parsed = validateConfig({ sources: [{ id: 'orders-offsite', kind: 'dump-dir', url: 's3://dumps/orders/', endpoint: s3.endpoint, profile: 'reader', settle: '0s', ...fields }] });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.config.sources[0] as DumpDirSourceConfig;
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const drillDir = () => join(root, 'drills');
const leftovers = () => readdirSync(drillDir());

async function drillObject(name: string, options: { backup?: (b: ObservedBackup) => ObservedBackup; onProgress?: (p: DrillProgress) => void; signal?: AbortSignal } = {}): Promise<Drill> {
  const watched = source({ pattern: name });
  const seen = await dumpDirProbe.observe(watched, probeContext());
  expect(seen.backups).toHaveLength(1);
  const backup = options.backup ? options.backup(seen.backups[0]!) : seen.backups[0]!;
  const parsed = validateConfig({ defaults: { drillDir: drillDir() } });
  if (!parsed.ok) throw new Error('bad config');
  return dumpDirProbe.drill!(watched, backup, { ...probeContext(), config: parsed.config, signal: options.signal ?? new AbortController().signal, timeoutMs: 180_000, onProgress: options.onProgress ?? (() => {}) });
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'backup-health-test-s3-drills-'));
  // Drills running as root start their clusters as the drill user, which must reach the drill dir.
  chmodSync(root, 0o755);
  mkdirSync(drillDir(), { mode: 0o755 });
  s3 = await startS3Server();
  for (const key of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_REGION', 'AWS_CA_BUNDLE', 'HTTPS_PROXY', 'HTTP_PROXY', 'https_proxy', 'http_proxy']) delete process.env[key];
  writeFileSync(join(root, 'credentials'), `[reader]\naws_access_key_id = ${s3.credentials.accessKeyId}\naws_secret_access_key = ${s3.credentials.secretAccessKey}\n`, { mode: 0o600 });
  writeFileSync(join(root, 'config'), '');
  process.env.AWS_SHARED_CREDENTIALS_FILE = join(root, 'credentials');
  process.env.AWS_CONFIG_FILE = join(root, 'config');

  const made = join(root, 'made');
  mkdirSync(made);
  ({ custom, plain, directory } = await makeOrdersDumps(made, 's3 dump-dir drill test'));

  await s3.createBucket('dumps');
  await s3.put('dumps', 'orders/orders-custom.dump', custom);
  await s3.put('dumps', 'orders/orders-half.sql', plain);
  // Cut in half where the bucket keeps it, as an upload that died would leave it.
  truncateSync(s3.objectFile('dumps', 'orders/orders-half.sql'), Math.floor(plain.length / 2));
  for (const [name, bytes] of directory) await s3.put('dumps', `orders/orders-directory.dump/${name}`, bytes);
  for (const [name, bytes] of directory) await s3.put('dumps', `orders/orders-nested.dump/${name}`, bytes);
  await s3.put('dumps', 'orders/orders-nested.dump/sub/evil.dat', 'x');
  for (const [name, bytes] of directory) await s3.put('dumps', `orders/orders-dotdot.dump/${name}`, bytes);
  await s3.put('dumps', 'orders/orders-dotdot.dump/..', 'x');
}, 180_000);

afterAll(async () => {
  process.env = savedEnv;
  await s3?.stop();
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('drills of dumps in a bucket', () => {
  it('downloads a custom dump with byte progress, restores it, and removes the copy', async () => {
    const progress: DrillProgress[] = [];
    const drill = await drillObject('orders-custom.dump', { onProgress: (p) => progress.push(p) });
    expect(drill.outcome, drill.message).toBe('pass');
    expect(drill.backupKey).toBe('s3://dumps/orders/orders-custom.dump');
    expect(drill.rows).toBe(5000);
    expect(drill.message).toMatch(new RegExp(`^copied s3://dumps/orders/orders-custom\\.dump from ${s3.endpoint.replace(/[.]/g, '\\.')} \\(.* in .*\\); `));
    expect(drill.message).not.toMatch(/backup-health-/);
    expect(drill.phases.copy).toBeGreaterThanOrEqual(0);
    expect(drill.restoreMs).toBeGreaterThanOrEqual(drill.phases.copy! + (drill.phases.restore ?? 0));
    const copies = progress.filter((p) => p.phase === 'copy');
    expect(copies.length).toBeGreaterThan(0);
    expect(copies.every((p) => p.unit === 'bytes' && p.total === custom.length)).toBe(true);
    expect(copies.at(-1)!.done).toBe(custom.length);
    expect(progress.map((p) => p.phase)).toEqual(expect.arrayContaining(['copy', 'restore', 'verify']));
    // Hashed as it arrived: sha256sum of the object's bytes.
    expect(drill.provenance?.checksum).toEqual({ algorithm: 'sha256', hex: sha256(custom), of: 'file', bytes: custom.length });
    expect(leftovers()).toEqual([]);
  });

  it('downloads every object of a directory-format dump and restores it', async () => {
    const drill = await drillObject('orders-directory.dump');
    expect(drill.outcome, drill.message).toBe('pass');
    expect(drill.backupKey).toBe('s3://dumps/orders/orders-directory.dump/');
    expect(drill.tables).toBe(1);
    expect(drill.rows).toBe(5000);
    // (cd DIR && LC_ALL=C ls | xargs sha256sum) | sha256sum, from the objects' hashes taken as they arrived.
    const names = [...directory.keys()].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    const lines = names.map((n) => `${sha256(directory.get(n)!)}  ${n}\n`).join('');
    const bytes = names.reduce((sum, n) => sum + directory.get(n)!.length, 0);
    expect(drill.provenance?.checksum).toEqual({ algorithm: 'sha256', hex: sha256(Buffer.from(lines)), of: 'directory-manifest', bytes });
    expect(leftovers()).toEqual([]);
  });

  it('fails a plain dump cut in half in the bucket', async () => {
    // The probe already calls it unreadable (its end is missing); a drill asked for anyway must fail on it too.
    const drill = await drillObject('orders-half.sql', { backup: (b) => ({ ...b, readable: true }) });
    expect(drill.outcome).toBe('fail');
    expect(drill.message).toMatch(/does not end with/);
    expect(drill.message).toContain('s3://dumps/orders/orders-half.sql');
    expect(leftovers()).toEqual([]);
  });

  it('refuses a directory dump holding a folder, and one holding an object named ..', async () => {
    for (const name of ['orders-nested.dump', 'orders-dotdot.dump']) {
      const drill = await drillObject(name, { backup: (b) => ({ ...b, readable: true }) });
      expect(drill.outcome, name).toBe('error');
      expect(drill.message).toMatch(name === 'orders-nested.dump' ? /holds a folder sub\/: a pg_dump directory archive holds only files; not copied/ : /holds an object named "\.\."|holds a folder/);
      expect(leftovers()).toEqual([]);
    }
  });

  it('refuses an object that changed since it was observed', async () => {
    const drill = await drillObject('orders-custom.dump', { backup: (b) => ({ ...b, sizeBytes: b.sizeBytes - 1 }) });
    expect(drill.outcome).toBe('error');
    expect(drill.message).toMatch(/changed since it was observed .*drill it again after the next poll/);
    expect(leftovers()).toEqual([]);
  });

  it('refuses a backup key that is not directly under the source prefix', async () => {
    const drill = await drillObject('orders-custom.dump', { backup: (b) => ({ ...b, key: 's3://dumps/orders/../secret.dump' }) });
    expect(drill.outcome).toBe('error');
    expect(drill.message).toMatch(/is not a dump directly under s3:\/\/dumps\/orders\//);
    expect(leftovers()).toEqual([]);
  });
});
