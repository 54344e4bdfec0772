// A postgres source with a probe timeout longer than Node's timers and PostgreSQL's statement_timeout hold
// (2^31-1 ms, 24.8 days) is observed like any other: the timeout once overflowed to 1 ms and failed every poll
// at once with "no answer within 2592000s".
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresProbe } from '../../../electron/engine/sources/postgres/index';
import { probeContext, removeTestParentDir, startTcpCluster, testParentDir, type TcpCluster } from '../../support/postgres-fixtures';

const DAY = 86_400_000;
const parentDir = testParentDir('postgres-long-timeout');
const PASSWORD_ENV = 'BACKUP_HEALTH_TEST_LONG_TIMEOUT_PASSWORD';
let db: TcpCluster;

beforeAll(async () => {
  db = await startTcpCluster({ parentDir });
  process.env[PASSWORD_ENV] = db.monitorPassword;
});

afterAll(async () => {
  delete process.env[PASSWORD_ENV];
  await db?.cluster.stop();
  removeTestParentDir(parentDir);
});

describe('the postgres probe with a long timeout', () => {
  it.each([
    ['24d', 24 * DAY],
    ['25d', 25 * DAY],
    ['30d', 30 * DAY],
    ['52w', 364 * DAY],
    ['10y', 3650 * DAY],
  ])('timeout: %s observes the server', async (_, timeoutMs) => {
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    try {
      const { metrics } = await postgresProbe.observe({ id: 'orders-db', kind: 'postgres', url: db.url(), passwordEnv: PASSWORD_ENV }, probeContext({ timeoutMs }));
      expect(metrics).toMatchObject({ kind: 'postgres', inRecovery: false, serverMajor: db.cluster.install.major });
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings.map((w) => w.name)).not.toContain('TimeoutOverflowWarning');
  });
});
