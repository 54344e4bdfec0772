// Dumps in an S3-compatible bucket, against the local S3-compatible test server (s3rver on 127.0.0.1):
// 1. listing a prefix of 10,000 objects, paginated as a poll does (ListObjectsV2, 1,000 a page) — goal <= 2 s;
//    and a whole poll of that prefix once every dump's header is remembered (the steady state), for reference;
// 2. a drill's download of a 500 MB object (copy phase: SDK stream, byte counting, progress, into the drill's
//    jail) as a ratio to a bare SDK GetObject piped to a file, in the same script — goal <= 1.1. Runs alternate,
//    the best of each is kept. The objects are written into s3rver's files directly: 10,000 PUTs would take
//    minutes and measure s3rver, not us.
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, createWriteStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { validateConfig, type DumpDirSourceConfig } from '../../shared/config';
import type { ObservedBackup } from '../../shared/model';
import { objectStoreClient } from '../../electron/engine/object-store/client';
import { bucketLocation } from '../../electron/engine/object-store/location';
import { dumpDirProbe } from '../../electron/engine/sources/dump-dir/index';
import { listLevel } from '../../electron/engine/sources/dump-dir/s3-observe';
import { probeContext } from '../support/postgres-fixtures';
import { startS3Server, type TestS3Server } from '../support/s3-server';
import type { BenchFigure } from './figure';

const OBJECTS = Number(process.env.BENCH_S3_OBJECTS ?? 10_000);
const DOWNLOAD_MB = Number(process.env.BENCH_S3_DOWNLOAD_MB ?? 500);
const ROUNDS = 3;
const log = (text: string) => process.stderr.write(`[bench:object-store] ${text}\n`);

/** An object as s3rver keeps it: its bytes, and its MD5 (the ETag) beside them. */
function writeObject(s3: TestS3Server, bucket: string, key: string, body: Buffer, md5 = createHash('md5').update(body).digest('hex')): void {
  const file = s3.objectFile(bucket, key);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, body);
  writeFileSync(`${file}.md5`, md5);
}

export async function benchObjectStore(): Promise<BenchFigure[]> {
  const work = mkdtempSync(join(tmpdir(), 'backup-health-bench-s3-'));
  chmodSync(work, 0o755);
  const s3 = await startS3Server();
  const saved = { ...process.env };
  Object.assign(process.env, s3.env());
  try {
    await s3.createBucket('bench');
    const source = (fields: Record<string, unknown>): DumpDirSourceConfig => {
      const parsed = validateConfig({ defaults: { drillDir: join(work, 'drills') }, sources: [{ id: 'bench-offsite', kind: 'dump-dir', url: 's3://bench/many/', endpoint: s3.endpoint, settle: '0s', ...fields }] });
      if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
      return parsed.config.sources[0] as DumpDirSourceConfig;
    };

    // 1. Listing: small objects that start like a plain dump, so a poll reads and identifies each once.
    const body = Buffer.from('--\n-- PostgreSQL database dump\n--\n\nSET statement_timeout = 0;\n\n--\n-- PostgreSQL database dump complete\n--\n\n');
    const md5 = createHash('md5').update(body).digest('hex');
    for (let i = 0; i < OBJECTS; i++) writeObject(s3, 'bench', `many/orders-${String(i).padStart(5, '0')}.sql`, body, md5);
    log(`${OBJECTS} objects under s3://bench/many/`);
    const { s3: client } = await objectStoreClient({ endpoint: s3.endpoint });
    const place = bucketLocation('s3://bench/many/');
    const send = { abortSignal: new AbortController().signal, requestTimeout: 60_000 };
    const listings: number[] = [];
    const bareListings: number[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      // The same pages asked for with the SDK alone: what the server itself costs.
      let t = performance.now();
      let token: string | undefined;
      let count = 0;
      do {
        const page = await client.send(new ListObjectsV2Command({ Bucket: 'bench', Prefix: 'many/', Delimiter: '/', ContinuationToken: token }));
        count += page.Contents?.length ?? 0;
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      bareListings.push(performance.now() - t);
      if (count !== OBJECTS) throw new Error(`the bare listing saw ${count} objects, not ${OBJECTS}`);
      t = performance.now();
      const listed = await listLevel({ client, sdk: await import('@aws-sdk/client-s3') }, place, place.prefix, send, (_doing, run) => run());
      listings.push(performance.now() - t);
      if (listed.objects.length !== OBJECTS) throw new Error(`listed ${listed.objects.length} objects, not ${OBJECTS}`);
      log(`listing round ${round}: bare SDK ${(bareListings.at(-1)! / 1000).toFixed(2)} s, listLevel ${(listings.at(-1)! / 1000).toFixed(2)} s`);
    }
    const watched = source({});
    const ctx = probeContext({ timeoutMs: 600_000 });
    let t = performance.now();
    const first = await dumpDirProbe.observe(watched, ctx);
    const firstPollMs = performance.now() - t;
    if (first.backups.length !== OBJECTS) throw new Error(`the poll saw ${first.backups.length} backups, not ${OBJECTS}`);
    t = performance.now();
    await dumpDirProbe.observe(watched, ctx);
    const steadyPollMs = performance.now() - t;
    log(`first poll ${(firstPollMs / 1000).toFixed(2)} s (every header read), next poll ${(steadyPollMs / 1000).toFixed(2)} s`);

    // 2. Download: one incompressible object (its ETag need not be its MD5: nothing checks it).
    const big = randomBytes(DOWNLOAD_MB * 1024 * 1024);
    writeObject(s3, 'bench', 'big/orders.dump', big, 'bench');
    const bigSource = source({ url: 's3://bench/big/' });
    const backup: ObservedBackup = { key: 's3://bench/big/orders.dump', type: 'dump', finishedAt: Date.now(), sizeBytes: big.length, readable: true };
    const bare: number[] = [];
    const ours: number[] = [];
    const parsed = validateConfig({ defaults: { drillDir: join(work, 'drills') } });
    if (!parsed.ok) throw new Error('bad config');
    mkdirSync(join(work, 'drills'), { mode: 0o755 });
    for (let round = 1; round <= ROUNDS; round++) {
      const dest = join(work, 'bare.dump');
      t = performance.now();
      const answer = await client.send(new GetObjectCommand({ Bucket: 'bench', Key: 'big/orders.dump' }));
      await pipeline(answer.Body as Readable, createWriteStream(dest));
      bare.push(performance.now() - t);
      rmSync(dest, { force: true });

      let progressEvents = 0;
      // Random bytes are no pg_dump archive: the drill fails right after the copy, which is all it measures.
      const drill = await dumpDirProbe.drill!(bigSource, backup, { ...ctx, config: parsed.config, timeoutMs: 600_000, onProgress: () => progressEvents++ });
      if (drill.phases.copy === undefined || !/^copied /.test(drill.message)) throw new Error(`the drill did not copy: ${drill.message}`);
      ours.push(drill.phases.copy);
      log(`download round ${round}: bare SDK ${(bare.at(-1)! / 1000).toFixed(2)} s, drill copy ${(ours.at(-1)! / 1000).toFixed(2)} s (${progressEvents} progress events)`);
    }
    const listing = Math.min(...listings);
    const bareListing = Math.min(...bareListings);
    const baseline = Math.min(...bare);
    const value = Math.min(...ours);
    const ratio = value / baseline;
    return [
      // s3rver walks the whole prefix again for every page of 1,000: the baseline shows what that costs alone.
      { name: `listing a prefix of ${OBJECTS.toLocaleString('en-US')} objects (ListObjectsV2, paginated; baseline the same pages with the SDK alone)`, value: Math.round(listing), unit: 'ms', baseline: Math.round(bareListing), ratio: Number((listing / bareListing).toFixed(3)), goal: '<= 2000 ms', pass: listing <= 2000 },
      { name: `a poll of ${OBJECTS.toLocaleString('en-US')} dumps in a bucket, headers remembered`, value: Math.round(steadyPollMs), unit: 'ms' },
      { name: `the first poll of ${OBJECTS.toLocaleString('en-US')} dumps in a bucket (a ranged GET each)`, value: Math.round(firstPollMs), unit: 'ms' },
      { name: `drill download of ${DOWNLOAD_MB} MB from a bucket (copy phase vs bare SDK GetObject to a file)`, value: Math.round(value), unit: 'ms', baseline: Math.round(baseline), ratio: Number(ratio.toFixed(3)), goal: 'ratio <= 1.1', pass: ratio <= 1.1 },
    ];
  } finally {
    process.env = saved;
    await s3.stop();
    rmSync(work, { recursive: true, force: true });
  }
}
