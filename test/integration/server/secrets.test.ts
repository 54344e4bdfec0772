// Passwords never leave `serve`: with a real PostgreSQL that needs one (given through passwordEnv), a right and
// a wrong password in the environment, and a password typed into the settings form, no answer of the API and
// no event on the stream contains any of them.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Overview } from '../../../shared/api';
import { removeTestParentDir, startTcpCluster, testParentDir, type TcpCluster } from '../../support/postgres-fixtures';
import { call, openEventStream, raw, startFixture, type Fixture } from './fixture';

const parent = testParentDir('serve-secrets');
const wrongPassword = `wrong-${randomBytes(12).toString('hex')}`;
const typedPassword = `typed-${randomBytes(12).toString('hex')}`;
let db: TcpCluster;
let f: Fixture;

beforeAll(async () => {
  db = await startTcpCluster({ parentDir: parent });
  process.env.BH_SERVE_TEST_PW = db.monitorPassword;
  process.env.BH_SERVE_TEST_WRONG_PW = wrongPassword;
  f = await startFixture(
    (dumps) => `defaults:
  timeout: 5s
sources:
  - id: orders-db
    kind: postgres
    url: ${db.url()}
    passwordEnv: BH_SERVE_TEST_PW
  - id: orders-db-wrong
    kind: postgres
    url: ${db.url()}
    passwordEnv: BH_SERVE_TEST_WRONG_PW
  - id: orders-dumps
    kind: dump-dir
    path: ${dumps}
    settle: 0s
    database: orders-db
`,
  );
});

afterAll(async () => {
  await f?.close();
  await db?.cluster.stop();
  delete process.env.BH_SERVE_TEST_PW;
  delete process.env.BH_SERVE_TEST_WRONG_PW;
  removeTestParentDir(parent);
});

describe('secrets', () => {
  it('appear in no answer and no event', async () => {
    const secrets = [db.monitorPassword, wrongPassword, typedPassword];
    const stream = await openEventStream(f.server.port, { cookie: f.cookie });
    const edit = { source: { id: 'orders-db', kind: 'postgres', url: db.url(), passwordEnv: 'BH_SERVE_TEST_PW' }, originalId: 'orders-db' };
    const answers = [
      await call(f, 'pollNow', {}),
      await call(f, 'overview'),
      await call(f, 'source', { id: 'orders-db', range: '7d' }),
      await call(f, 'source', { id: 'orders-db-wrong', range: '7d' }),
      await call(f, 'settings'),
      await call(f, 'validateSource', edit),
      await call(f, 'testSource', edit),
      await call(f, 'testSource', { ...edit, source: { ...edit.source, passwordEnv: 'BH_SERVE_TEST_WRONG_PW' } }),
      await call(f, 'saveSource', { ...edit, password: typedPassword }),
      await call(f, 'settings'),
      await call(f, 'runDrill', { id: 'orders-db' }),
      await call(f, 'overview', undefined, { cookie: '' }),
      await raw(f.server.port, { path: '/?token=wrong' }),
    ];
    await stream.next((e) => e.type === 'config');
    stream.close();

    // The passwords were really used: one source connected, the other was refused for its password.
    const overview = (JSON.parse(answers[1]!.body) as { value: Overview }).value;
    const byId = new Map(overview.sources.map((s) => [s.id, s]));
    expect(byId.get('orders-db')!.status).not.toBe('unknown');
    expect(byId.get('orders-db-wrong')!.findings.map((x) => x.message).join(' ')).toMatch(/password/);
    expect(JSON.parse(answers[6]!.body)).toMatchObject({ ok: true, value: { ok: true, observed: expect.stringMatching(/^PostgreSQL \d+/) } });
    expect(JSON.parse(answers[8]!.body)).toEqual({ ok: true, value: { ok: true, problems: [] } });

    for (const [i, answer] of answers.entries()) {
      for (const secret of secrets) expect(answer.body, `answer ${i}`).not.toContain(secret);
      expect(answer.body, `answer ${i}`).not.toMatch(/\n\s+at /); // no stack trace
    }
    expect(stream.events().length).toBeGreaterThan(0);
    for (const secret of secrets) expect(stream.text()).not.toContain(secret);
    // `serve` has no keychain: a password typed into the form is not written to the config file either.
    expect(readFileSync(f.configFile, 'utf8')).not.toContain(typedPassword);
  });
});
