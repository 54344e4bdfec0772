// Where a source's objects are: s3://bucket/prefix/ split into the bucket and the prefix the listing asks for.
// The config file has already refused a malformed URL (shared/config.ts s3UrlProblem); this only splits it.

export interface BucketLocation {
  bucket: string;
  /** '' for the whole bucket, else the "folder" with its trailing slash: `orders/`. */
  prefix: string;
  /** s3://bucket/prefix/, as printed in every message and backup key. */
  url: string;
}

export function bucketLocation(url: string): BucketLocation {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url);
  if (!match) throw new Error(`not an s3:// URL: ${url}`);
  const bucket = match[1]!;
  const path = match[2]!.replace(/^\/+/, '');
  const prefix = path === '' || path.endsWith('/') ? path : `${path}/`;
  return { bucket, prefix, url: `s3://${bucket}/${prefix}` };
}

/** The key of an object as a backup key: s3://bucket/key. */
export function objectUrl(bucket: string, key: string): string {
  return `s3://${bucket}/${key}`;
}

/** A backup key (s3://bucket/key) back to its bucket and key; null for anything else. */
export function parseObjectUrl(url: string): { bucket: string; key: string } | null {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(url);
  return match ? { bucket: match[1]!, key: match[2]! } : null;
}
