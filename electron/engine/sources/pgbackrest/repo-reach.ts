// Why pgbackrest could not reach a repository in object storage (repo1-type=s3): the server's certificate, the
// keys, a bucket that is not there, a server that does not answer. These are the drill's or the poll's setup,
// never damage in the backup: a drill that meets one is an error, not a failed backup. pgBackRest redacts
// the keys and signatures in what it prints; only its first line and the service's error code are quoted.
import type { ProbeErrorCode } from '../../../../shared/model';

export interface RepoReachProblem {
  code: ProbeErrorCode;
  message: string;
}

const KEYS = 'repo1-s3-key and repo1-s3-key-secret (in the pgBackRest config, or PGBACKREST_REPO1_S3_KEY and PGBACKREST_REPO1_S3_KEY_SECRET in the environment Backup Health runs in)';

/** pgBackRest's error names for the codes it prints in `ERROR: [NNN]:` (2.45 src/common/error/error.auto.h). */
const ERROR_CODES: Record<string, number> = { ProtocolError: 39, HostConnectError: 49, CryptoError: 95 };

/**
 * The problem in pgbackrest's stderr (`ERROR: [039]: …`) or in a repository's status from `pgbackrest info`
 * (`[ProtocolError] …`), or null. `where` is " on host" or "".
 */
export function repoReachProblem(output: string, where: string): RepoReachProblem | null {
  const error = /ERROR: \[(\d+)\]: (.*)/.exec(output) ?? /^\[(\w+)\] (.*)/.exec(output);
  if (!error) return null;
  const code = /^\d+$/.test(error[1]!) ? Number(error[1]) : (ERROR_CODES[error[1]!] ?? 0);
  const text = error[2]!.trim();
  if (code === 95 && /hostname .* in certificate/i.test(text)) {
    return { code: 'config', message: `pgbackrest${where}: ${text}; set repo1-s3-endpoint (or repo1-storage-host) to a host name the certificate names (pgBackRest 2.45 does not match IP addresses in certificates)` };
  }
  if (code === 95 && /certificate/i.test(text)) {
    return { code: 'config', message: `pgbackrest${where} could not verify the certificate of the repository's server: ${text}; if a private CA signed it, set repo1-storage-ca-file to that CA's certificate` };
  }
  if (code === 49) {
    const refused = /connection refused/i.test(text);
    return { code: refused ? 'refused' : /timeout|timed out/i.test(text) ? 'timeout' : 'failed', message: `pgbackrest${where} could not reach the repository's server: ${text}; check repo1-s3-endpoint and repo1-storage-port, and that the service runs` };
  }
  if (code === 39 && /HTTP request failed with (\d+)/.test(text)) {
    const status = Number(/HTTP request failed with (\d+)/.exec(text)![1]);
    const s3Code = /<Code>([A-Za-z]+)<\/Code>/.exec(output)?.[1];
    const said = `${text.replace(/:$/, '')}${s3Code ? ` ${s3Code}` : ''}`;
    if (s3Code === 'InvalidAccessKeyId' || s3Code === 'SignatureDoesNotMatch') {
      return { code: 'auth-failed', message: `the repository's S3 service refused pgbackrest's keys${where} (${said}): check ${KEYS}` };
    }
    if (s3Code === 'NoSuchBucket') return { code: 'not-found', message: `the repository's bucket does not exist${where} (${said}): check repo1-s3-bucket` };
    if (status === 403) {
      return { code: 'permission-denied', message: `the repository's S3 service refused pgbackrest${where} (${said}): let the keys read the bucket, or check ${KEYS}` };
    }
  }
  return null;
}
