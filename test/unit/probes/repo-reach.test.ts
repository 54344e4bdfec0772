// What restic and pgbackrest print when they cannot reach a repository in object storage, as they printed it
// (restic 0.14, pgBackRest 2.45), told as the problem it is: the faults s3rver cannot produce (a wrong secret:
// it does not check SigV4 signatures; a server that is down; a host name that does not resolve) are here.
import { describe, expect, it } from 'vitest';
import { reachProblem } from '../../../electron/engine/sources/restic/restic-reach';
import { repoReachProblem } from '../../../electron/engine/sources/pgbackrest/repo-reach';

const REPO = 's3:https://s3.example.com/backups/orders';
const restic = (stderr: string, cacert?: string) => reachProblem(stderr, { cacert }, REPO);
const openFailed = (why: string) => `Fatal: unable to open config file: Stat: ${why}\nIs there a repository at the following location?\n${REPO}\n`;

describe('restic cannot reach a repository', () => {
  it('a certificate: cacert named, and checked when it is set', () => {
    const stderr = openFailed('Get "https://s3.example.com/backups/?location=": x509: certificate signed by unknown authority');
    expect(restic(stderr)).toEqual({
      code: 'config',
      message: `restic could not verify the TLS certificate of https://s3.example.com for ${REPO} (x509: certificate signed by unknown authority): if a private CA signed it, set cacert to that CA's certificate, a PEM file (restic --cacert)`,
    });
    expect(restic(stderr, '/etc/ssl/offsite-ca.pem')?.message).toMatch(/: check that cacert \/etc\/ssl\/offsite-ca\.pem holds the certificate of the CA that signed it$/);
  });

  it('a wrong secret, a server that is down, a host that does not resolve', () => {
    expect(restic(openFailed('The request signature we calculated does not match the signature you provided. Check your key and signing method.'))).toMatchObject({ code: 'auth-failed', message: expect.stringMatching(/^https:\/\/s3\.example\.com refused the S3 credentials restic used for .* \(The request signature we calculated does not match/) });
    expect(restic(openFailed('Get "https://s3.example.com/backups/?location=": dial tcp 10.0.0.9:443: connect: connection refused'))?.code).toBe('refused');
    expect(restic(openFailed('Get "https://s3.example.com/backups/?location=": dial tcp: lookup s3.example.com: no such host'))?.code).toBe('dns');
  });

  it('is none of these for a missing repository or a wrong password', () => {
    expect(restic(openFailed('The specified key does not exist.'))).toBeNull();
    expect(restic('Fatal: wrong password or no key found\n')).toBeNull();
  });
});

describe('pgbackrest cannot reach a repository', () => {
  it('a certificate, in its stderr or in the repository status info prints', () => {
    expect(repoReachProblem("ERROR: [095]: unable to verify certificate presented by 's3.example.com:443': [20] unable to get local issuer certificate\n", '')).toEqual({
      code: 'config',
      message: "pgbackrest could not verify the certificate of the repository's server: unable to verify certificate presented by 's3.example.com:443': [20] unable to get local issuer certificate; if a private CA signed it, set repo1-storage-ca-file to that CA's certificate",
    });
    expect(repoReachProblem("[CryptoError] unable to find hostname '10.0.0.9' in certificate common name or subject alternative names", ' on backup1')?.message).toMatch(/^pgbackrest on backup1: unable to find hostname .*; set repo1-s3-endpoint \(or repo1-storage-host\) to a host name the certificate names/);
  });

  it('keys, a bucket, a refusal, a server that is down', () => {
    const failed = (code: string) => `[ProtocolError] HTTP request failed with 403 (Forbidden):\n*** Path/Query ***:\nGET /backups/?list-type=2\n*** Request Headers ***:\nauthorization: <redacted>\n*** Response Content ***:\n<Error><Code>${code}</Code><Message>…</Message></Error>`;
    expect(repoReachProblem(failed('SignatureDoesNotMatch'), '')?.code).toBe('auth-failed');
    expect(repoReachProblem(failed('AccessDenied'), '')).toMatchObject({ code: 'permission-denied', message: expect.stringContaining('(HTTP request failed with 403 (Forbidden) AccessDenied): let the keys read the bucket') });
    expect(repoReachProblem('ERROR: [039]: HTTP request failed with 404 (Not Found):\n<Error><Code>NoSuchBucket</Code></Error>', '')?.message).toMatch(/bucket does not exist .*: check repo1-s3-bucket$/);
    expect(repoReachProblem("ERROR: [049]: unable to connect to 's3.example.com:443': [111] Connection refused", '')?.code).toBe('refused');
  });

  it('is none of these for a missing file or a damaged backup', () => {
    expect(repoReachProblem("ERROR: [055]: unable to open missing file '/etc/pgbackrest/pgbackrest.conf' for read", '')).toBeNull();
    expect(repoReachProblem('ERROR: [039]: HTTP request failed with 404 (Not Found):\n<Error><Code>NoSuchKey</Code></Error>', '')).toBeNull();
  });
});
