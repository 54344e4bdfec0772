// One S3 client per place a source reads from (endpoint, region, profile), made the way every S3-compatible
// service accepts: path-style addressing with a custom endpoint (MinIO, Ceph and most others need it), and
// checksums only where S3 requires them (the SDK's default aws-chunked uploads and CRC32 checks break several
// S3-compatible servers). Credentials come only from the SDK's own chain (environment, shared config and
// credentials files, the named profile), never from our config file; proxies from HTTPS_PROXY, HTTP_PROXY and
// NO_PROXY (proxy-agent); a private CA from AWS_CA_BUNDLE, which the JS SDK v3 does not read itself
// (aws/aws-sdk-js#2970), or NODE_EXTRA_CA_CERTS, which Node reads at start.
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import type { S3Client } from '@aws-sdk/client-s3';
import { ProbeError } from '../errors';

/**
 * The SDK, its HTTP handler and proxy-agent, loaded with the first client: over a second of every start of the
 * CLI otherwise, for the many commands and configs that read no bucket.
 */
const loadSdk = () => Promise.all([import('@aws-sdk/client-s3'), import('@smithy/node-http-handler'), import('proxy-agent')]);
export type S3Sdk = Awaited<ReturnType<typeof loadSdk>>[0];

// The SDK is pinned (package.json) at a release that still supports Node 20, which Electron and our CLI run on;
// its releases after January 2027 need Node 22. The pinned release warns about that on every client: the
// warning says nothing a user of this app can act on, so it is turned off before the first client is made.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** Where a source's objects are served from, as its config says. */
export interface ObjectStorePlace {
  endpoint?: string;
  region?: string;
  profile?: string;
}

/**
 * The region when neither the source, AWS_REGION nor the profile names one: us-east-1, where S3's global
 * endpoint lives and which most S3-compatible services accept whatever their own name for it.
 */
export const DEFAULT_REGION = 'us-east-1';

/** A connection that does not open within this is dead, whatever the probe's own (longer) budget. */
const CONNECT_TIMEOUT_MS = 10_000;

export interface ObjectStoreClient {
  s3: S3Client;
  region: string;
  /** The SDK's commands (ListObjectsV2Command, GetObjectCommand, ...), loaded with the client. */
  sdk: S3Sdk;
}

const clients = new Map<string, Promise<ObjectStoreClient>>();

/** The client for a place: made once per endpoint, region and profile, then shared by every poll and drill. */
export function objectStoreClient(place: ObjectStorePlace): Promise<ObjectStoreClient> {
  const key = JSON.stringify([place.endpoint ?? '', place.region ?? '', place.profile ?? '', process.env.AWS_CA_BUNDLE ?? '']);
  let client = clients.get(key);
  if (!client) {
    client = makeClient(place);
    clients.set(key, client);
    // A failure (an unreadable CA file) is not kept: the next poll tries again, after the user fixed it.
    client.catch(() => clients.delete(key));
  }
  return client;
}

async function makeClient(place: ObjectStorePlace): Promise<ObjectStoreClient> {
  const [sdk, { NodeHttpHandler }, { ProxyAgent }] = await loadSdk();
  const region = place.region ?? (await regionFromChain(sdk, place.profile));
  const ca = caOption();
  const s3 = new sdk.S3Client({
    region,
    ...(place.profile ? { profile: place.profile } : {}),
    ...(place.endpoint ? { endpoint: place.endpoint, forcePathStyle: true } : { followRegionRedirects: true }),
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: new NodeHttpHandler({
      connectionTimeout: CONNECT_TIMEOUT_MS,
      // proxy-agent picks a proxy per request from HTTPS_PROXY, HTTP_PROXY and NO_PROXY, or connects directly.
      // Plain http without keep-alive: a kept socket to an HTTP proxy is reused without the absolute URL a proxy
      // needs (TooTallNate/proxy-agents#169), and every request after the first would fail there.
      httpAgent: new ProxyAgent({ keepAlive: false }),
      httpsAgent: new ProxyAgent({ keepAlive: true, ...ca }),
    }),
  });
  return { s3, region, sdk };
}

/** AWS_REGION, AWS_DEFAULT_REGION or the profile's region, as the SDK finds it; else DEFAULT_REGION. */
async function regionFromChain(sdk: S3Sdk, profile: string | undefined): Promise<string> {
  const probe = new sdk.S3Client(profile ? { profile } : {});
  try {
    return await probe.config.region();
  } catch {
    return DEFAULT_REGION;
  } finally {
    probe.destroy();
  }
}

/** AWS_CA_BUNDLE as the AWS CLI reads it, trusted besides Node's own roots (a bundle of one private CA is common). */
function caOption(): { ca?: string[] } {
  const file = process.env.AWS_CA_BUNDLE;
  if (!file) return {};
  try {
    return { ca: [...rootCertificates, readFileSync(file, 'utf8')] };
  } catch (err) {
    throw new ProbeError('config', `cannot read the CA bundle ${file} named by AWS_CA_BUNDLE: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}
