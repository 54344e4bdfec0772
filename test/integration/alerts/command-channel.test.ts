// The command channel running real scripts: the argument array reaches the program as given (no shell), the
// alert arrives on stdin as the webhook's JSON, exit 0 is delivered, a non-zero exit fails with the first line
// of stderr, a program that hangs is stopped at the timeout, a missing one is named.
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { alertDocument, composeStatusAlert } from '../../../electron/engine/alerts/compose';
import { senderFor } from '../../../electron/engine/alerts/senders/index';
import type { ChannelConfig } from '../../../shared/alerts-config';
import { validateConfig } from '../../../shared/config';

const dir = mkdtempSync(join(tmpdir(), 'bh-command-alerts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function script(name: string, body: string): string {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

function channel(command: string[], timeout = '5s'): ChannelConfig {
  const result = validateConfig({ alerts: { channels: [{ id: 'pager', kind: 'command', command, timeout }] } });
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.config.alerts!.channels[0]!;
}

const alert = composeStatusAlert(
  [{ sourceId: 'orders-dumps', sourceName: 'Orders dumps', reason: 'problem', from: 'ok', to: 'critical', findings: [{ rule: 'backup-age', status: 'critical', message: 'The newest dump is 31h old' }] }],
  Date.UTC(2026, 11, 3, 2, 10),
);

describe('command channel', () => {
  it('passes the arguments as given and the alert as JSON on stdin; exit 0 is delivered', async () => {
    const out = join(dir, 'received.json');
    const args = join(dir, 'args.txt');
    const page = script('page-oncall', `printf '%s\\n' "$@" > '${args}'\ncat > '${out}'`);
    const result = await senderFor(channel([page, '--team', 'dba; rm -rf /', '$HOME']), { env: process.env }).send(alert);
    expect(result).toMatchObject({ ok: true, replyCode: 0 });
    expect(readFileSync(args, 'utf8')).toBe('--team\ndba; rm -rf /\n$HOME\n');
    expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual(alertDocument(alert, 'pager'));
  });

  it('a non-zero exit fails with the first line of stderr', async () => {
    const failing = script('page-fails', 'cat > /dev/null\necho "page-oncall: no route to PagerDuty" >&2\necho "second line" >&2\nexit 3');
    expect(await senderFor(channel([failing]), { env: process.env }).send(alert)).toMatchObject({
      ok: false,
      replyCode: 3,
      reply: 'page-oncall: no route to PagerDuty',
      error: 'page-fails exited with code 3: page-oncall: no route to PagerDuty',
      retryable: true,
    });
  });

  it('a program that hangs is stopped at the channel timeout', async () => {
    const hanging = script('page-hangs', 'sleep 30');
    const result = await senderFor(channel([hanging], '1s'), { env: process.env }).send(alert);
    expect(result).toMatchObject({ ok: false, retryable: true, error: expect.stringMatching(/^page-hangs timed out after \ds$/) });
  });

  it('a program that is not there is named', async () => {
    expect(await senderFor(channel([join(dir, 'no-such-pager')]), { env: process.env }).send(alert)).toMatchObject({
      ok: false,
      error: 'no-such-pager is not installed or not on PATH',
      retryable: false,
    });
  });
});
