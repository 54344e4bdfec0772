// What each way of failing to read a bucket becomes: its own code, a message naming the bucket, the service
// and the fix, never an empty bucket and never a secret. The errors are shaped as the AWS SDK v3 throws them
// (S3ServiceException names, Node's network codes on the error or its cause).
import { describe, expect, it } from 'vitest';
import { objectStoreError, type ObjectStoreWhere } from '../../../electron/engine/object-store/errors';

const where: ObjectStoreWhere = { bucket: 'backups', endpoint: 'https://s3.example.com', doing: 'listing s3://backups/orders/', timeoutMs: 30_000 };
const s3Error = (name: string, status: number, message = 'x') => Object.assign(new Error(message), { name, $fault: 'client', $metadata: { httpStatusCode: status } });
const netError = (code: string, message = code) => Object.assign(new Error(message), { code });

describe('objectStoreError', () => {
  it.each([
    [s3Error('AccessDenied', 403, 'Access Denied'), 'permission-denied', /AccessDenied: the credentials Backup Health found .* may not read bucket backups; allow them s3:ListBucket and s3:GetObject/],
    [s3Error('InvalidAccessKeyId', 403), 'auth-failed', /InvalidAccessKeyId: https:\/\/s3\.example\.com does not know the access key/],
    [s3Error('SignatureDoesNotMatch', 403), 'auth-failed', /SignatureDoesNotMatch: .* the secret access key is wrong/],
    [s3Error('ExpiredToken', 400), 'auth-failed', /refused the session token/],
    [Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }), 'no-credentials', /no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/],
    [s3Error('NoSuchBucket', 404), 'not-found', /NoSuchBucket: https:\/\/s3\.example\.com has no bucket backups; check the bucket in url and endpoint/],
    [s3Error('PermanentRedirect', 301), 'config', /bucket backups is in another region .*set region/],
    [netError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:9'), 'refused', /refused the connection: nothing listens there; check endpoint/],
    [netError('ENOTFOUND', 'getaddrinfo ENOTFOUND s3.example.com'), 'dns', /cannot resolve the host name of https:\/\/s3\.example\.com; check endpoint/],
    [netError('SELF_SIGNED_CERT_IN_CHAIN', 'self-signed certificate in certificate chain'), 'tls', /the certificate of https:\/\/s3\.example\.com is not trusted \(SELF_SIGNED_CERT_IN_CHAIN\); .*AWS_CA_BUNDLE/],
    [netError('ERR_TLS_CERT_ALTNAME_INVALID', "Hostname/IP does not match certificate's altnames"), 'tls', /not trusted \(ERR_TLS_CERT_ALTNAME_INVALID\)/],
    [netError('EPROTO', 'write EPROTO ... wrong version number'), 'tls', /does not seem to speak https there/],
    [Object.assign(new Error('Connection timed out after 10000 ms'), { name: 'TimeoutError' }), 'timeout', /did not answer in time/],
    [Object.assign(new Error('char \'<\' is not expected.:1:1\n  Deserialization error: to see the raw response, inspect the hidden field {error}.$response on this object.'), { $metadata: { httpStatusCode: 200 } }), 'config', /did not answer as an S3-compatible service would .*check endpoint/],
    [s3Error('Unknown', 404), 'config', /did not answer as an S3-compatible service would \(HTTP 404\)/],
  ])('%s -> %s', (err, code, message) => {
    const found = objectStoreError(err, where);
    expect(found.code).toBe(code);
    expect(found.message).toMatch(/^listing s3:\/\/backups\/orders\/ failed: /);
    expect(found.message).toMatch(message);
    expect(found.message).not.toMatch(/empty|no backups/);
  });

  it('a network error in the cause counts (the SDK wraps some)', () => {
    const err = Object.assign(new Error('socket hang up'), { cause: netError('ECONNREFUSED') });
    expect(objectStoreError(err, where).code).toBe('refused');
  });

  it('an aborted request is the probe timing out, however the SDK names it', () => {
    const err = Object.assign(new Error('Request aborted'), { name: 'AbortError' });
    const found = objectStoreError(err, { ...where, aborted: true });
    expect(found).toMatchObject({ code: 'timeout', message: 'listing s3://backups/orders/ failed: no answer from https://s3.example.com within 30s; check the network and firewall (and HTTPS_PROXY), or raise timeout' });
  });

  it('names AWS and the profile when there is no endpoint', () => {
    const found = objectStoreError(s3Error('AccessDenied', 403), { ...where, endpoint: undefined, region: 'eu-central-1', profile: 'backup-reader' });
    expect(found.message).toBe('listing s3://backups/orders/ failed: AccessDenied: the credentials of profile backup-reader may not read bucket backups; allow them s3:ListBucket and s3:GetObject on it');
    expect(objectStoreError(s3Error('NoSuchBucket', 404), { ...where, endpoint: undefined, region: 'eu-central-1' }).message).toMatch(/AWS S3 \(eu-central-1\) has no bucket backups; check the bucket in url, and endpoint if it is not on AWS/);
  });

  it('anything else is a failure that says what the service said, without a URL credential', () => {
    const found = objectStoreError(new Error('proxy https://user:hunter2@proxy.example.com said no'), where);
    expect(found.code).toBe('failed');
    expect(found.message).not.toContain('hunter2');
  });
});
