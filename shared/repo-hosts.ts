// restic (sftp:) and borg (ssh://, user@host:path) start ssh with the host named in the repository, and neither
// ends ssh's options first: a host such as `-oProxyCommand=…` would be read by ssh as an option and run its
// command (borg 1.2 runs `ssh -oProxyCommand=… borg serve`; restic 0.14 passes the host first too). No real host, user or repository starts with a dash, so the
// config file and the API both refuse one.

const RESTIC_SFTP_HOST = /^sftp:(?:\/\/)?(?:[^@/:]*@)?-/i;
const RESTIC_SFTP_USER = /^sftp:(?:\/\/)?-/i;
const BORG_SSH_HOST = /^(?:ssh:\/\/)?(?:[^@/:]*@)?-/i;

/** Why `repo` would hand ssh an option, or null. */
export function repoDashProblem(kind: 'restic' | 'borg', repo: string): string | null {
  if (repo.startsWith('-')) return 'must not start with - (write ./-name for a local directory named so)';
  const option = kind === 'restic' ? RESTIC_SFTP_USER.test(repo) || RESTIC_SFTP_HOST.test(repo) : BORG_SSH_HOST.test(repo);
  return option ? 'names a host or user starting with -, which ssh would read as an option; no real host starts with -' : null;
}
