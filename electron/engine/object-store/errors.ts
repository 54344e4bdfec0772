// What went wrong talking to an S3-compatible service, as a ProbeError a sysadmin can act on: each failure its
// own code and a message naming the bucket and the endpoint and what to fix. Pure: the error and where it
// happened in, a ProbeError out. Never the SDK's raw text where it could carry a credential, and never "the
// bucket is empty" for a bucket we could not read.
import { ProbeError, redact } from '../errors';

export interface ObjectStoreWhere {
  bucket: string;
  /** The configured endpoint, or undefined for AWS itself. */
  endpoint?: string;
  region?: string;
  profile?: string;
  /** What was being done: "listing s3://backups/orders/". */
  doing: string;
  /** The probe's own deadline passed or it was cancelled (its signal aborted). */
  aborted?: boolean;
  timeoutMs?: number;
}

const TLS_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_SIGNATURE_FAILURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'HOSTNAME_MISMATCH',
]);

interface SdkErrorShape {
  name?: string;
  code?: string;
  message?: string;
  Code?: string;
  cause?: unknown;
  $metadata?: { httpStatusCode?: number };
  $fault?: string;
}

/** The service the source talks to, as a message names it. */
export function serviceName(where: Pick<ObjectStoreWhere, 'endpoint' | 'region'>): string {
  return where.endpoint ? where.endpoint : `AWS S3${where.region ? ` (${where.region})` : ''}`;
}

export function objectStoreError(err: unknown, where: ObjectStoreWhere): ProbeError {
  const e = (err ?? {}) as SdkErrorShape;
  const cause = (e.cause ?? {}) as SdkErrorShape;
  const name = e.name ?? '';
  const code = e.code ?? cause.code ?? '';
  const status = e.$metadata?.httpStatusCode;
  const service = serviceName(where);
  // No host: the finding then names the source's s3:// URL, and the message names the service.
  const fail = (c: ConstructorParameters<typeof ProbeError>[0], text: string) => new ProbeError(c, `${where.doing} failed: ${text}`);
  const who = where.profile ? `the credentials of profile ${where.profile}` : 'the credentials Backup Health found (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, ~/.aws/credentials or AWS_PROFILE)';

  if (where.aborted || name === 'AbortError') {
    return fail('timeout', `no answer from ${service} within ${where.timeoutMs ? `${Math.round(where.timeoutMs / 1000)}s` : 'the timeout'}; check the network and firewall (and HTTPS_PROXY), or raise timeout`);
  }
  if (name === 'TimeoutError' || code === 'ETIMEDOUT' || code === 'ECONNABORTED') {
    return fail('timeout', `${service} did not answer in time; check the network and firewall (and HTTPS_PROXY), or raise timeout`);
  }
  if (name === 'CredentialsProviderError' || /Could not load credentials|credential.*not.*found/i.test(e.message ?? '')) {
    return fail(
      'no-credentials',
      where.profile
        ? `no credentials for profile ${where.profile}: check that ~/.aws/credentials or ~/.aws/config of the user Backup Health runs as has that profile`
        : 'no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment Backup Health runs in, put them in ~/.aws/credentials, or name a profile with profile',
    );
  }
  if (name === 'AccessDenied' || name === 'AllAccessDisabled' || (status === 403 && !name.includes('Signature') && name !== 'InvalidAccessKeyId')) {
    return fail('permission-denied', `AccessDenied: ${who} may not read bucket ${where.bucket}; allow them s3:ListBucket and s3:GetObject on it`);
  }
  if (name === 'InvalidAccessKeyId' || name === 'SignatureDoesNotMatch' || name === 'InvalidToken' || name === 'ExpiredToken' || name === 'TokenRefreshRequired') {
    const what = name === 'InvalidAccessKeyId' ? 'does not know the access key' : name === 'SignatureDoesNotMatch' ? 'refused the signature: the secret access key is wrong' : 'refused the session token (expired or invalid)';
    return fail('auth-failed', `${name}: ${service} ${what}; check ${who}`);
  }
  if (name === 'NoSuchBucket' || (status === 404 && /bucket/i.test(name))) {
    return fail('not-found', `NoSuchBucket: ${service} has no bucket ${where.bucket}; check the bucket in url${where.endpoint ? ' and endpoint' : ', and endpoint if it is not on AWS'}`);
  }
  if (name === 'PermanentRedirect' || name === 'AuthorizationHeaderMalformed' || name === 'IllegalLocationConstraintException') {
    return fail('config', `bucket ${where.bucket} is in another region than ${where.region ?? 'the one configured'}; set region to the bucket's region`);
  }
  if (TLS_CODES.has(code) || /certificate/i.test(e.message ?? '')) {
    return fail('tls', `the certificate of ${service} is not trusted (${code || 'certificate problem'}); if it is signed by a private CA, give that CA's PEM file in AWS_CA_BUNDLE (or NODE_EXTRA_CA_CERTS) in the environment Backup Health runs in`);
  }
  if (code === 'EPROTO' || code === 'ERR_SSL_WRONG_VERSION_NUMBER' || /wrong version number|packet length too long/i.test(e.message ?? '')) {
    return fail('tls', `the TLS handshake with ${service} failed: it does not seem to speak https there; check endpoint (https:// or http://, and the port)`);
  }
  if (code === 'ECONNREFUSED') return fail('refused', `${service} refused the connection: nothing listens there; check endpoint (host and port)`);
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return fail('dns', `cannot resolve the host name of ${service}; check endpoint, or the DNS of this machine`);
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH') {
    return fail('refused', `the connection to ${service} was ${code === 'ECONNRESET' || code === 'EPIPE' ? 'closed' : 'not possible'} (${code}); check endpoint and the network`);
  }
  if (isNotS3(e)) {
    return fail('config', `${service} did not answer as an S3-compatible service would${status ? ` (HTTP ${status})` : ''}; check endpoint: it must be the address of the S3 API`);
  }
  const said = redact((e.message ?? String(err)).split('\n')[0]!.slice(0, 200));
  return fail('failed', `${name && name !== 'Error' ? `${name}: ` : ''}${said}`);
}

/** An answer that is not S3's XML: an HTML page, a JSON API, a proxy's error. */
function isNotS3(e: SdkErrorShape): boolean {
  if (e.name === 'Unknown' || e.name === 'UnknownError') return true;
  if (/Deserialization error|char '.' is not expected|Unexpected token|not valid XML|unexpected end|non-whitespace before first tag/i.test(e.message ?? '')) return true;
  const status = e.$metadata?.httpStatusCode;
  return status !== undefined && (status === 404 || status === 405 || status === 400 || status >= 500) && (!e.name || /^\d+$/.test(e.name) || e.name === 'NotFound' || e.name === 'BadRequest' || e.name === 'MethodNotAllowed');
}
