// A "directory" of pg_dump files in an S3-compatible bucket (url: s3://bucket/prefix/), observed like a local
// one: the prefix is listed (paginated, one level: Delimiter '/'), objects whose names match the pattern are
// dumps and common prefixes that match are directory-format dumps. Sizes and times come from the listing;
// only a NEW dump's first bytes are read (a ranged GET, plus the tail a plain dump needs), and what they said
// is remembered per source by key, ETag and size, so polling a bucket of years of dumps reads nothing old.
import picomatch from 'picomatch';
import type { S3Client } from '@aws-sdk/client-s3';
import type { DumpDirSourceConfig } from '../../../../shared/config';
import type { ProbeContext } from '../probe';
import { ProbeError } from '../../errors';
import { objectStoreClient, type S3Sdk } from '../../object-store/client';
import { objectStoreError, type ObjectStoreWhere } from '../../object-store/errors';
import { bucketLocation, objectUrl, type BucketLocation } from '../../object-store/location';
import { HEADER_READ_BYTES, PLAIN_TAIL_BYTES, identifySafely, identifyTocDat, wantsPlainTail, type DumpHeaderReading } from '../../pg-dump/identify';
import { mapBounded } from './map-bounded';

/** Ranged GETs in flight at once: enough to hide a round trip, few enough to be polite to the service. */
const HEADER_READ_CONCURRENCY = 8;

export type BucketSource = DumpDirSourceConfig & { url: string };

export interface BucketEntry {
  key: string;
  finishedAt: number;
  sizeBytes: number;
  reading: DumpHeaderReading;
}

/** One object of a listing. */
export interface ListedObject {
  key: string;
  sizeBytes: number;
  lastModified: number;
  etag: string;
}

/** What was read of each dump, by source, then by key + ETag + size: a changed object is read again. */
const readings = new Map<string, Map<string, DumpHeaderReading>>();

export async function observeBucket(source: BucketSource, ctx: ProbeContext): Promise<BucketEntry[]> {
  const place = bucketLocation(source.url);
  const where = (doing: string): ObjectStoreWhere => ({ bucket: place.bucket, endpoint: source.endpoint, region: source.region, profile: source.profile, doing, timeoutMs: ctx.timeoutMs });
  const { s3: client, sdk } = await objectStoreClient(source).catch((err: unknown) => {
    throw err instanceof ProbeError ? err : objectStoreError(err, where(`connecting to ${place.url}`));
  });
  const s3: Store = { client, sdk };
  const call = <T>(doing: string, run: () => Promise<T>) => callStore(run, where(doing), ctx.signal);
  const send: SendOptions = { abortSignal: ctx.signal, requestTimeout: ctx.timeoutMs };
  const { objects, prefixes } = await listLevel(s3, place, place.prefix, send, call);
  const isMatch = picomatch(source.pattern);
  const nameOf = (key: string) => key.slice(place.prefix.length);
  const files = objects.filter((o) => nameOf(o.key) !== '' && isMatch(nameOf(o.key)));
  const dirs = prefixes.filter((p) => isMatch(nameOf(p).replace(/\/$/, '')));

  const known = readings.get(source.id) ?? new Map<string, DumpHeaderReading>();
  readings.set(source.id, known);
  const seen = new Map<string, DumpHeaderReading>();
  const remember = async (cacheKey: string, read: () => Promise<DumpHeaderReading>) => {
    let reading = known.get(cacheKey);
    if (!reading) {
      reading = await read();
      // Kept at once: a first poll of years of dumps that runs out of time leaves the next one less to read.
      known.set(cacheKey, reading);
    }
    seen.set(cacheKey, reading);
    return reading;
  };

  const fileEntries = await mapBounded(files, HEADER_READ_CONCURRENCY, ctx.signal, async (o): Promise<BucketEntry> => {
    const reading = await remember(`${objectUrl(place.bucket, o.key)}\0${o.etag}\0${o.sizeBytes}`, () => readObjectHeader(s3, place.bucket, o, send, call));
    return { key: objectUrl(place.bucket, o.key), finishedAt: o.lastModified, sizeBytes: o.sizeBytes, reading };
  });
  const dirEntries = await mapBounded(dirs, HEADER_READ_CONCURRENCY, ctx.signal, async (dir): Promise<BucketEntry | null> => {
    const members = await listLevel(s3, place, dir, send, call);
    const archive = members.objects.filter((o) => o.key !== dir);
    if (archive.length === 0 && members.prefixes.length === 0) return null; // gone since the listing
    const sizeBytes = archive.reduce((sum, o) => sum + o.sizeBytes, 0);
    const newest = Math.max(0, ...archive.map((o) => o.lastModified));
    const toc = archive.find((o) => o.key === `${dir}toc.dat`);
    const nested = members.prefixes[0];
    const key = objectUrl(place.bucket, dir);
    if (nested) return { key, finishedAt: newest, sizeBytes, reading: unreadable(`${nested.slice(dir.length)} is a folder: a pg_dump directory archive holds only files`) };
    if (!toc) return { key, finishedAt: newest, sizeBytes, reading: unreadable('directory without toc.dat: not a pg_dump directory archive, or pg_dump (or the upload) did not finish') };
    const reading = await remember(`${objectUrl(place.bucket, dir)}\0${toc.etag}\0${archive.length}\0${sizeBytes}`, async () => {
      const head = await readRange(s3, place.bucket, toc.key, `bytes=0-${HEADER_READ_BYTES - 1}`, toc.sizeBytes, send, call);
      return identifyTocDat({ head, complete: head.length >= toc.sizeBytes });
    });
    return { key, finishedAt: newest, sizeBytes, reading };
  });
  readings.set(source.id, seen);
  return [...fileEntries, ...dirEntries.filter((e): e is BucketEntry => e !== null)].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

type StoreCall = <T>(doing: string, run: () => Promise<T>) => Promise<T>;
/** A client and the SDK it was made with (loaded with the first client: client.ts). */
export interface Store {
  client: S3Client;
  sdk: S3Sdk;
}
/** Every request stops when the probe's signal fires, and a stalled one after the probe's timeout. */
export interface SendOptions {
  abortSignal: AbortSignal;
  requestTimeout: number;
}

/** Every object and common prefix directly under `prefix`, all pages of the listing. */
export async function listLevel(s3: Store, place: BucketLocation, prefix: string, send: SendOptions, call: StoreCall): Promise<{ objects: ListedObject[]; prefixes: string[] }> {
  const objects: ListedObject[] = [];
  const prefixes: string[] = [];
  let token: string | undefined;
  do {
    const page = await call(`listing ${objectUrl(place.bucket, prefix)}`, async () => {
      const answer = await s3.client.send(new s3.sdk.ListObjectsV2Command({ Bucket: place.bucket, Prefix: prefix, Delimiter: '/', ContinuationToken: token }), send);
      // Any 200 answer parses as a listing, an HTML page as an empty one: only S3's own names its bucket. Without
      // this, a wrong endpoint (a web server, a proxy's page) would read as "the bucket holds no backups".
      if (answer.Name !== place.bucket) throw new NotS3Answer();
      return answer;
    });
    for (const o of page.Contents ?? []) {
      if (o.Key === undefined) continue;
      objects.push({ key: o.Key, sizeBytes: o.Size ?? 0, lastModified: o.LastModified ? o.LastModified.getTime() : 0, etag: o.ETag ?? '' });
    }
    for (const p of page.CommonPrefixes ?? []) if (p.Prefix) prefixes.push(p.Prefix);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return { objects, prefixes };
}

async function readObjectHeader(s3: Store, bucket: string, o: ListedObject, send: SendOptions, call: StoreCall): Promise<DumpHeaderReading> {
  if (o.sizeBytes === 0) return identifySafely({ head: Buffer.alloc(0), complete: true });
  const head = await readRange(s3, bucket, o.key, `bytes=0-${HEADER_READ_BYTES - 1}`, o.sizeBytes, send, call);
  const complete = head.length >= o.sizeBytes;
  const tail = wantsPlainTail(head, o.sizeBytes) ? await readRange(s3, bucket, o.key, `bytes=-${PLAIN_TAIL_BYTES}`, o.sizeBytes, send, call) : undefined;
  return identifySafely({ head, complete, ...(tail?.length ? { tail } : {}) });
}

/** A ranged GET of at most HEADER_READ_BYTES: never more, even from a service that ignores Range. */
async function readRange(s3: Store, bucket: string, key: string, range: string, size: number, send: SendOptions, call: StoreCall): Promise<Buffer> {
  return call(`reading ${objectUrl(bucket, key)}`, async () => {
    const answer = await s3.client.send(new s3.sdk.GetObjectCommand({ Bucket: bucket, Key: key, Range: range }), send);
    const chunks: Buffer[] = [];
    let length = 0;
    const body = answer.Body as AsyncIterable<Uint8Array> & { destroy?: () => void };
    for await (const chunk of body) {
      chunks.push(Buffer.from(chunk));
      length += chunk.length;
      if (length >= Math.min(size, HEADER_READ_BYTES)) break;
    }
    body.destroy?.();
    return Buffer.concat(chunks).subarray(0, HEADER_READ_BYTES);
  });
}

/** Runs one request to the service; whatever fails becomes a ProbeError saying what to fix. */
async function callStore<T>(run: () => Promise<T>, where: ObjectStoreWhere, signal: AbortSignal): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof ProbeError) throw err;
    throw objectStoreError(err, { ...where, aborted: signal.aborted });
  }
}

/** A 200 answer to a listing that is not S3's ListBucketResult (errors.ts says what to fix). */
export class NotS3Answer extends Error {
  readonly $metadata = { httpStatusCode: 200 };
  constructor() {
    super('the answer is not an S3 ListBucketResult');
    this.name = 'Unknown';
  }
}

function unreadable(problem: string): DumpHeaderReading {
  return { header: { format: 'directory' }, readable: false, problem };
}
