// `backup-health check` sends no alerts (serve or the app does), but says when their channels stopped
// delivering: a channel whose alerts the delivery log shows given up on makes check CRITICAL (Nagios exit 2),
// with the finding in its own table and in --json. Real bin, real history file.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeliveryTable } from '../../../electron/engine/store/deliveries';
import { History } from '../../../electron/engine/store/history';
import { historyFile } from '../../../electron/engine/paths';
import { ensureCliBuilt, runCli } from '../../support/cli';
import { writePlainDump } from '../../support/plain-dump';

const root = mkdtempSync(join(tmpdir(), 'bh-check-channels-'));
const data = join(root, 'data');
const HOUR = 3_600_000;
let config = '';

beforeAll(() => {
  ensureCliBuilt();
  const dumps = join(root, 'dumps');
  mkdirSync(dumps, { recursive: true });
  writePlainDump(dumps, 'orders.sql', 2 * HOUR);
  config = join(root, 'config.yml');
  writeFileSync(
    config,
    `sources:
  - id: orders-dumps
    kind: dump-dir
    path: ${dumps}
    settle: 0s
alerts:
  channels:
    - id: ops-mail
      kind: email
      to: [ops@example.com]
      from: backup-health@example.com
      smtp: { host: mail.example.com, port: 587, user: bh, passwordEnv: SMTP_PASSWORD }
    - id: ops-hook
      kind: webhook
      url: https://hooks.example.com/backup
`,
  );
  mkdirSync(data, { recursive: true });
  const file = historyFile(data);
  History.open(file).close();
  const log = DeliveryTable.open(file);
  const at = Date.now() - HOUR;
  const result = { ok: false, replyCode: 550, reply: '550 5.7.1 rejected by DMARC policy', retryable: false, durationMs: 120 };
  log.record({ channelId: 'ops-mail', alertKey: 'a1', purpose: 'status', at, attempt: 1, final: true, title: 'Backup Health: orders-dumps is critical', status: 'critical', sources: 1, result });
  log.record({ channelId: 'ops-hook', alertKey: 'a1', purpose: 'status', at, attempt: 1, final: true, title: 'Backup Health: orders-dumps is critical', status: 'critical', sources: 1, result: { ok: true, httpStatus: 200, retryable: false, durationMs: 40 } });
  log.close();
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('check and failing alert channels', () => {
  it('is critical (exit 2) with every source ok, and names the failing channel with its reply', async () => {
    const result = await runCli(['check', '--config', config, '--data', data]);
    expect(result.code, result.stderr).toBe(2);
    const [headline] = result.stdout.split('\n');
    expect(headline).toBe('BACKUP HEALTH CRITICAL - 1 ok, 1 alert channel failing');
    expect(result.stdout).toMatch(/^ALERT CHANNEL +STATUS +FINDING$/m);
    expect(result.stdout).toMatch(/^ops-mail +CRITICAL +e-mail alerts to ops@example\.com are failing: 550 5\.7\.1 rejected by DMARC policy; 1 alert undelivered since (?:[A-Z][a-z]{2} \d{1,2} )?\d\d:\d\d$/m);
    expect(result.stdout).not.toMatch(/^ops-hook/m);
  });

  it('--json lists the failing channels beside the sources', async () => {
    const result = await runCli(['check', '--config', config, '--data', data, '--json']);
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout)).toMatchObject({
      status: 'critical',
      alertChannels: [{ id: 'ops-mail', status: 'critical', message: expect.stringContaining('550 5.7.1 rejected by DMARC policy') }],
      sources: [{ id: 'orders-dumps', status: 'ok' }],
    });
  });
});
