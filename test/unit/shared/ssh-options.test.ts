// The allowlist of ssh options the dashboard may set, and what an API edit may not change: pure rules, checked
// here against the spellings ssh itself accepts (any case, Name=value or Name value).
import { describe, expect, it } from 'vitest';
import { apiEditProblems, fileOnlySshOptions } from '../../../shared/api-edit-rules';
import { repoDashProblem } from '../../../shared/repo-hosts';
import { apiSshOptionProblem } from '../../../shared/ssh-options';

describe('apiSshOptionProblem', () => {
  it('allows inert options in any case and either spelling', () => {
    for (const option of ['Port=2222', 'port 2222', 'User=backup', 'IdentityFile=~/.ssh/backup_ed25519', 'IdentitiesOnly=yes', 'ConnectTimeout=5', 'ServerAliveInterval=15', 'ServerAliveCountMax=3', 'StrictHostKeyChecking=yes', 'stricthostkeychecking YES', 'UserKnownHostsFile=/etc/ssh/known_hosts_backup', 'HostKeyAlias=backup1', 'Ciphers=aes256-gcm@openssh.com,aes128-ctr', 'MACs=+hmac-sha2-512', 'KexAlgorithms=curve25519-sha256', 'HostKeyAlgorithms=^ssh-ed25519', 'Compression=no', 'AddressFamily=inet6', 'ConnectionAttempts=2', 'LogLevel=ERROR', 'IdentityFile=%d/.ssh/id_%r']) {
      expect(apiSshOptionProblem(option), option).toBeNull();
    }
  });

  it('refuses what runs a program, loads code, forwards or reaches other hosts, naming it as ssh spells it', () => {
    const cases: [string, string][] = [
      ["ProxyCommand=sh -c 'touch /tmp/x'", 'ProxyCommand'],
      ['proxycommand sh -c id', 'ProxyCommand'],
      ['PROXYJUMP=bastion', 'ProxyJump'],
      ['LocalCommand=id', 'LocalCommand'],
      ['PermitLocalCommand=yes', 'PermitLocalCommand'],
      ['KnownHostsCommand=/bin/id', 'KnownHostsCommand'],
      ['PKCS11Provider=/x.so', 'PKCS11Provider'],
      ['SecurityKeyProvider=/x.so', 'SecurityKeyProvider'],
      ['ForwardAgent=yes', 'ForwardAgent'],
      ['Match exec "id"', 'Match'],
      ['Include /tmp/evil', 'Include'],
      ['ControlPath=/tmp/sock', 'ControlPath'],
      ['ControlMaster=auto', 'ControlMaster'],
      ['SomeFutureOption=yes', 'SomeFutureOption'],
    ];
    for (const [option, name] of cases) expect(apiSshOptionProblem(option), option).toMatch(new RegExp(`^${name} is not allowed here; put it in ~/.ssh/config for this host`));
  });

  it('refuses a second option, a line break or a dash smuggled into a value, and host keys nobody checked', () => {
    expect(apiSshOptionProblem('User=root ProxyCommand=id')).toMatch(/^User: .* is not a value accepted here/);
    expect(apiSshOptionProblem('Port=22\nProxyCommand=id')).toMatch(/one line/);
    expect(apiSshOptionProblem('Port=22\rProxyCommand=id')).toMatch(/one line/);
    expect(apiSshOptionProblem('-oProxyCommand=id')).toMatch(/is not an ssh option/);
    expect(apiSshOptionProblem('IdentityFile=-oProxyCommand=id')).toMatch(/not a value accepted here/);
    expect(apiSshOptionProblem('IdentityFile=${HOME}/.ssh/key')).toMatch(/not a value accepted here/);
    expect(apiSshOptionProblem('Port=0')).toMatch(/not a value accepted here/);
    expect(apiSshOptionProblem('StrictHostKeyChecking=accept-new')).toMatch(/^StrictHostKeyChecking: only yes is allowed here/);
  });
});

describe('apiEditProblems', () => {
  const remote = { id: 'r', kind: 'dump-dir', path: '/x', host: 'b@h', sshOptions: ['ProxyJump=bastion', 'Port=2222'] };

  it('keeps options the file has verbatim, refuses adding or changing them', () => {
    expect(apiEditProblems({ ...remote, sshOptions: ['ProxyJump=bastion', 'Port=22'] }, remote)).toEqual([]);
    expect(apiEditProblems({ ...remote, sshOptions: ['ProxyJump=evil'] }, remote)).toEqual([{ path: 'sshOptions[0]', message: expect.stringMatching(/^ProxyJump is not allowed here/) }]);
    expect(apiEditProblems({ ...remote, id: 'new' }, undefined)).toEqual([{ path: 'sshOptions[0]', message: expect.stringMatching(/^ProxyJump is not allowed here/) }]);
    expect(fileOnlySshOptions(remote.sshOptions)).toEqual(['ProxyJump=bastion']);
  });

  it('configPath only as the file has it; postgresBin, drillDir and defaults never', () => {
    const stanza = { id: 's', kind: 'pgbackrest', stanza: 'main', configPath: '/etc/pgbackrest/a.conf' };
    expect(apiEditProblems(stanza, stanza)).toEqual([]);
    expect(apiEditProblems({ ...stanza, configPath: '/tmp/b.conf' }, stanza).map((p) => p.path)).toEqual(['configPath']);
    expect(apiEditProblems({ id: 's', kind: 'pgbackrest', stanza: 'main' }, stanza).map((p) => p.path)).toEqual(['configPath']);
    expect(apiEditProblems(stanza, undefined).map((p) => p.path)).toEqual(['configPath']);
    expect(apiEditProblems({ ...remote, sshOptions: [], postgresBin: '/tmp', drillDir: '/tmp', defaults: {} }, remote).map((p) => p.path)).toEqual(['postgresBin', 'drillDir', 'defaults']);
  });

  it('restic rclone repositories only from a named remote', () => {
    expect(apiEditProblems({ id: 'r', kind: 'restic', repo: 'rclone:backups:orders' }, undefined)).toEqual([]);
    expect(apiEditProblems({ id: 'r', kind: 'restic', repo: 'rclone::sftp,ssh=id:x' }, undefined).map((p) => p.path)).toEqual(['repo']);
    expect(apiEditProblems({ id: 'r', kind: 'restic', repo: 'rclone:backups,ssh=id:x' }, undefined).map((p) => p.path)).toEqual(['repo']);
    expect(apiEditProblems({ id: 'r', kind: 'restic', repo: 'rclone::sftp,ssh=id:x' }, { repo: 'rclone::sftp,ssh=id:x' })).toEqual([]);
  });
});

describe('repoDashProblem', () => {
  it('refuses a host or user ssh would read as an option, and nothing else', () => {
    for (const repo of ['sftp:-oProxyCommand=id:/r', 'sftp:u@-oX:/r', 'sftp://-oX/r', 'sftp:-l:/r', '-r']) expect(repoDashProblem('restic', repo), repo).not.toBeNull();
    for (const repo of ['ssh://-oX/./r', 'ssh://u@-oX/./r', 'u@-oX:r', '-oX:r']) expect(repoDashProblem('borg', repo), repo).not.toBeNull();
    for (const repo of ['/srv/restic', 'sftp:backup@host:/srv/-x', 's3:s3.amazonaws.com/bucket', 'rest:https://h/-x']) expect(repoDashProblem('restic', repo), repo).toBeNull();
    for (const repo of ['/srv/borg/-x', 'ssh://backup@host:2222/./repo', 'backup@host:repo-1']) expect(repoDashProblem('borg', repo), repo).toBeNull();
  });
});
