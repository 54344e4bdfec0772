// The CLI's refusals, as the real bin prints them: each names the option or file, what it found and what it
// takes; and the exit code of each class of problem, the same for every command (3, UNKNOWN, for anything
// that stops a command giving its answer; never 1 or 2, which Nagios reads as a verdict on the backups).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureCliBuilt, runCli } from '../../support/cli';

const root = mkdtempSync(join(tmpdir(), 'backup-health-cli-messages-'));
const dumps = join(root, 'dumps');
const config = join(root, 'config.yml');
const data = join(root, 'data');
const aFile = join(root, 'a-file');

beforeAll(() => {
  ensureCliBuilt();
  mkdirSync(dumps);
  writeFileSync(config, `sources:\n  - id: nightly\n    kind: dump-dir\n    path: ${dumps}\n`);
  writeFileSync(aFile, 'not a directory\n');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('--data', () => {
  it('naming a file: says --data must be a directory, for every command that opens the history', async () => {
    for (const args of [['check'], ['history', '--source', 'nightly'], ['drill', '--source', 'nightly'], ['serve']]) {
      const result = await runCli([...args, '--config', config, '--data', aFile]);
      expect(result.stderr.trim(), args[0]).toBe(`--data must be a directory, ${aFile} is a file`);
      expect(result.code, args[0]).toBe(3);
      expect(result.stdout, args[0]).toBe('');
    }
  });

  it('below a file: names the file in the way', async () => {
    const result = await runCli(['check', '--config', config, '--data', join(aFile, 'history')]);
    expect(result.stderr.trim()).toBe(`--data must be a directory, ${aFile} is a file (it would have to hold ${join(aFile, 'history')})`);
    expect(result.code).toBe(3);
  });

  it('the default data directory a file: says so and how to get past it', async () => {
    const home = join(root, 'xdg-data');
    mkdirSync(home);
    writeFileSync(join(home, 'backup-health'), '');
    const result = await runCli(['check', '--config', config], { XDG_DATA_HOME: home });
    expect(result.stderr.trim()).toBe(`the history must go in a directory, ${join(home, 'backup-health')} is a file; move it aside or pass --data DIR`);
    expect(result.code).toBe(3);
  });
});

describe('history --since', () => {
  const history = (since: string) => runCli(['history', '--source', 'nightly', '--since', since, '--config', config, '--data', data]);

  it.each(['0s', '1ms', '999ms', '9999999d', '999999999999d', '101y'])('%s: must be between 1s and 100y', async (since) => {
    const result = await history(since);
    expect(result.stderr.trim()).toBe(`--since must be between 1s and 100y (found "${since}")`);
    expect(result.code).toBe(3);
    expect(result.stdout).toBe('');
  });

  it('not a duration: says what one looks like', async () => {
    const result = await history('a week');
    expect(result.stderr.trim()).toBe('--since: "a week" is not a duration (use 90s, 15m, 26h, 7d)');
    expect(result.code).toBe(3);
  });

  it.each(['1s', '100y', '7d'])('%s: within the range, prints the history', async (since) => {
    const result = await history(since);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^nightly: history since \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z \\(${since}\\)`));
  });
});

describe('exit codes', () => {
  it('a usage problem exits 3 for every command, with the option named and a pointer to --help', async () => {
    const cases: [string[], string][] = [
      [['check', '--verbose'], "error: unknown option '--verbose'"],
      [['drill', '--config', config], "error: required option '--source <id>' not specified"],
      [['history', '--source'], "error: option '--source <id>' argument missing"],
      [['config', 'check', '--json'], "error: unknown option '--json'"],
      [['serve', '--port', 'http', '--config', config, '--data', data], '--port: "http" is not a port number (1-65535, or 0 for a free one)'],
      [['chek'], "error: unknown command 'chek'"],
    ];
    for (const [args, message] of cases) {
      const result = await runCli(args);
      expect(result.code, args.join(' ')).toBe(3);
      expect(result.stderr, args.join(' ')).toContain(message);
      expect(result.stdout, args.join(' ')).toBe('');
    }
    expect((await runCli(['check', '--verbose'])).stderr).toContain('(add --help for usage)');
  });

  it('no command at all: the help, on stderr, and 3', async () => {
    const result = await runCli([]);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('Usage: backup-health');
  });

  it('--help and --version: 0; --help lists the exit codes', async () => {
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Exit codes (the same for every command):');
    expect(help.stdout).toMatch(/^ {2}3 {2}no answer: a usage error/m);
    expect(help.stdout).toMatch(/^ {2}1 {2}check: a warning; report verify: the signature does not hold/m);
    expect(help.stdout).toMatch(/^ {2}0 {2}check: every source ok; drill: passed; report verify: the signature\n\s+holds/m);
    expect((await runCli(['--version'])).code).toBe(0);
    const checkHelp = await runCli(['check', '--help']);
    expect(checkHelp.code).toBe(0);
    expect(checkHelp.stdout).toContain('3 unknown (also a usage or config problem)');
  });

  it('a config problem exits 3 for every command, config check included', async () => {
    const broken = join(root, 'broken.yml');
    writeFileSync(broken, `sources:\n  - id: nightly\n    kind: dump-dir\n    path: ${dumps}\n    maxAge: soon\n`);
    const problem = `${broken}: sources[0].maxAge: "soon" is not a duration (use 90s, 15m, 26h, 7d)`;
    for (const args of [['check'], ['drill', '--source', 'nightly'], ['history', '--source', 'nightly'], ['serve'], ['config', 'check']]) {
      const result = await runCli([...args, '--config', broken, '--data', data]);
      expect(result.code, args.join(' ')).toBe(3);
      expect(result.stderr, args.join(' ')).toContain(problem);
    }
  });

  it('a config that is fine: config check exits 0', async () => {
    const result = await runCli(['config', 'check', '--config', config]);
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe(`${config}: ok (1 source)`);
  });

  it('a heartbeat pinged less often than its period: config check exits 0 and warns, naming the field and the fix', async () => {
    const file = join(root, 'heartbeat.yml');
    writeFileSync(file, `sources:\n  - id: nightly\n    kind: dump-dir\n    path: ${dumps}\n    interval: 15m\nalerts:\n  heartbeat:\n    url: https://hc-ping.com/0f3a9c1e\n    every: 5m\n`);
    const result = await runCli(['config', 'check', '--config', file]);
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe(`${file}: ok (1 source)`);
    expect(result.stderr.trim()).toBe(
      `${file}: warning: alerts.heartbeat.every: is 5m, but the most frequently polled source is polled every 15m: the heartbeat is sent after poll rounds, so pings would come up to 15m apart and the service would report the monitor down; set every to 15m or more (and the check's period to match)`,
    );
    expect(result.stderr).not.toContain('0f3a9c1e');
  });

  it('a heartbeat URL from the environment (urlEnv): a warning while the variable is not set, none once it is; url and urlEnv together are refused', async () => {
    const file = join(root, 'heartbeat-env.yml');
    writeFileSync(file, `sources:\n  - id: nightly\n    kind: dump-dir\n    path: ${dumps}\nalerts:\n  heartbeat:\n    urlEnv: BH_TEST_HC_URL\n`);
    const unset = await runCli(['config', 'check', '--config', file]);
    expect(unset.code).toBe(0);
    expect(unset.stderr.trim()).toBe(
      `${file}: warning: alerts.heartbeat.urlEnv: the environment variable BH_TEST_HC_URL is not set here: serve and the desktop app read the ping URL from it at each ping, and fail the ping while it is missing; set it where they run (a systemd unit's Environment=, say)`,
    );
    const set = await runCli(['config', 'check', '--config', file], { BH_TEST_HC_URL: 'https://hc-ping.com/9d2c77aa-secret' });
    expect(set.code).toBe(0);
    expect(set.stderr).toBe('');
    expect(set.stdout).not.toContain('9d2c77aa');
    writeFileSync(file, `sources: []\nalerts:\n  heartbeat:\n    url: https://hc-ping.com/0f3a9c1e\n    urlEnv: BH_TEST_HC_URL\n`);
    const both = await runCli(['config', 'check', '--config', file]);
    expect(both.code).toBe(3);
    expect(both.stderr).toContain('alerts.heartbeat.urlEnv: set url or urlEnv, not both');
    expect(both.stderr).not.toContain('0f3a9c1e');
  });
});
