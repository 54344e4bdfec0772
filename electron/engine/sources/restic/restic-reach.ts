// Why restic could not reach a repository behind a server (s3:, rest:, …): a certificate, credentials the
// service refused or that may not read the bucket, a bucket that is not there, a server that does not answer.
// restic 0.14 prints each of these after "unable to open config file" and "Is there a repository at the
// following location?": told as they are, never as "no repository there", and never as damage a drill fails on.
import type { ResticSourceConfig } from '../../../../shared/config';
import type { ProbeErrorCode } from '../../../../shared/model';

export interface ReachProblem {
  code: ProbeErrorCode;
  message: string;
}

/** Where restic found the credentials it sent: our environment, or the ssh login's on `host`. */
const credentialsFrom = (host: string | undefined) =>
  `restic takes them from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or from the AWS_PROFILE section of ~/.aws/credentials, in ${host ? `the environment of the ssh login ${host}` : 'the environment Backup Health runs in'}`;

/** The problem in restic's stderr, or null when it is none of these. `repo` is safe to print. */
export function reachProblem(stderr: string, source: Pick<ResticSourceConfig, 'cacert' | 'host'>, repo: string): ReachProblem | null {
  const credentials = credentialsFrom(source.host);
  const server = /(?:Get|Head|Put|Post|Delete) "(https?:\/\/[^/"@]+)/.exec(stderr)?.[1] ?? serverOf(repo);
  const x509 = /x509: [^\n]*/.exec(stderr)?.[0] ?? /tls: [^\n]*/.exec(stderr)?.[0];
  if (x509) {
    const fix = source.cacert
      ? `check that cacert ${source.cacert} holds the certificate of the CA that signed it`
      : "if a private CA signed it, set cacert to that CA's certificate, a PEM file (restic --cacert)";
    return { code: 'config', message: `restic could not verify the TLS certificate of ${server} for ${repo} (${x509.trim()}): ${fix}` };
  }
  if (/InvalidAccessKeyId|Access Key Id you provided does not exist|SignatureDoesNotMatch|signature we calculated does not match/i.test(stderr)) {
    return { code: 'auth-failed', message: `${server} refused the S3 credentials restic used for ${repo} (${s3Reason(stderr)}): check them; ${credentials}` };
  }
  if (/AccessDenied|Access Denied/i.test(stderr)) {
    return { code: 'permission-denied', message: `the S3 credentials restic used may not read ${repo} (Access Denied): let them list and read the bucket, or check which ones restic gets; ${credentials}` };
  }
  if (/NoSuchBucket|specified bucket does not exist/i.test(stderr)) {
    return { code: 'not-found', message: `the bucket of ${repo} does not exist on ${server}: check repo` };
  }
  if (/connection refused/i.test(stderr)) return { code: 'refused', message: `${server} refused restic's connection for ${repo}: check the address and port in repo, and that the service runs` };
  if (/no such host/i.test(stderr)) return { code: 'dns', message: `restic could not resolve the host of ${repo}: check repo` };
  if (/i\/o timeout|context deadline exceeded|TLS handshake timeout/i.test(stderr)) return { code: 'timeout', message: `${server} did not answer restic for ${repo}: check the address in repo, a firewall, or a proxy (HTTPS_PROXY)` };
  return null;
}

/** The server of an s3:, rest: or swift: repository URL (s3:host/bucket is https), for a message. */
function serverOf(repo: string): string {
  const url = /^(?:s3|rest|swift):(https?:\/\/)?(?:[^/@]*@)?([^/]+)/i.exec(repo);
  return url ? `${url[1] ?? 'https://'}${url[2]}` : 'the server';
}

/** The service's own words: the text after restic's "Stat: " or the like, on one line. */
function s3Reason(stderr: string): string {
  const line = stderr.split('\n').find((l) => /Access Key Id|SignatureDoesNotMatch|signature we calculated|InvalidAccessKeyId/i.test(l)) ?? '';
  return line.replace(/^Fatal: /, '').replace(/^.*?: (?:Stat|Load|List|Test|Open)\w*: /, '').trim();
}
