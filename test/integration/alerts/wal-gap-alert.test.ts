// A WAL gap reaches a person: a real primary archiving into a directory, a real pg_basebackup, the engine and its
// alerts as serve runs them (alert-process.ts), and a webhook channel posting to a receiver on 127.0.0.1. The
// first poll finds everything there: ok, and a channel is told nothing (ok from nothing is no news). A segment
// deleted from the middle of the archive is one critical alert naming the source, the segment point-in-time
// recovery stops at and how many are missing, recorded as delivered; the segment put back is one recovery
// message (a channel's `recoveries` defaults to true). The channel's tokens never reach what it sends.
import { linkSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeTestParentDir, scratchDirsIn, testParentDir } from '../../support/postgres-fixtures';
import { startBaseBackupSetup, type BaseBackupSetup } from '../../support/basebackup-fixtures';
import { Receiver, configOf, pollRound, running, type Running } from './alert-process';

const HEADER_TOKEN = 'hdr-T0ken-8e1b4d7a2c';
const ENV_TOKEN = 'env-S3cret-5f9a0c3e71';
const URL_TOKEN = 'url-Pa55-2b6d9e4f08';
const ENV_NAME = 'BH_TEST_WAL_HOOK_TOKEN';

const parentDir = testParentDir('wal-gap-alert');
const receiver = new Receiver();
let setup: BaseBackupSetup;
let app: Running;
/** Hard links to every archived segment, so the deleted one can be put back as the archiver wrote it. */
const kept = join(parentDir, 'kept-segments');

beforeAll(async () => {
  process.env[ENV_NAME] = ENV_TOKEN;
  await receiver.start();
  setup = await startBaseBackupSetup({ parentDir });
  await setup.writeLoad(300);
  await setup.backup({ format: 'tar' });
  for (let i = 0; i < 4; i++) {
    await setup.writeLoad(200);
    await setup.switchAndWait();
  }
  const config = configOf({
    sources: [{ id: 'orders-base', name: 'Orders base backups', kind: 'basebackup', path: setup.basePath, walArchive: setup.walArchive }],
    alerts: {
      channels: [
        {
          id: 'ops-hook',
          kind: 'webhook',
          url: `${receiver.base}/hook?token=${URL_TOKEN}`,
          headers: { 'X-Token': HEADER_TOKEN },
          passwordEnv: ENV_NAME,
        },
      ],
    },
  });
  app = running(join(parentDir, 'history.sqlite'), config);
}, 240_000);

afterAll(async () => {
  await app?.close();
  await receiver.stop();
  await setup?.stop();
  delete process.env[ENV_NAME];
  expect(scratchDirsIn(parentDir)).toEqual([]);
  removeTestParentDir(parentDir);
});

const sent = () => receiver.bodies.filter((b) => b.path.startsWith('/hook')).map((b) => b.body);

describe('a WAL gap reaches a person', () => {
  it('says nothing while the archive is whole, one critical alert for a gap, one recovery when it is filled', async () => {
    await pollRound(app.engine, app.service);
    expect(app.engine.summary('orders-base')).toMatchObject({ status: 'ok', newestBackup: { key: setup.backups[0]!.label } });
    expect(sent()).toEqual([]);

    mkdirSync(kept);
    for (const name of setup.archived()) linkSync(join(setup.walArchive, name), join(kept, name));
    const segments = setup.archivedSegments();
    const victim = setup.faults.deleteMiddleSegment();
    const before = segments[segments.indexOf(victim) - 1]!;
    // The gap is after the backup's start: recovery from that backup stops at `before`.
    expect(victim.slice(8) > setup.backups[0]!.startSegment.slice(8)).toBe(true);

    await pollRound(app.engine, app.service);
    expect(sent()).toHaveLength(1);
    const alert = sent()[0]!;
    expect(alert).toMatchObject({
      purpose: 'status',
      channel: 'ops-hook',
      status: 'critical',
      sources: [{ id: 'orders-base', name: 'Orders base backups', reason: 'problem', from: 'ok', to: 'critical' }],
    });
    const finding = (alert.sources as { findings: { rule: string; status: string; message: string }[] }[])[0]!.findings.find((f) => f.rule === 'wal-continuity');
    expect(finding).toMatchObject({ status: 'critical', message: expect.stringMatching(new RegExp(`^point-in-time recovery stops at ${before} \\(archived [^)]+\\): 1 segment missing after it; restores to later times are impossible`)) });
    // What a person reads: the text names the source and says where recovery stops and what is missing.
    expect(alert.text).toContain('Orders base backups (orders-base) is critical');
    expect(alert.text).toContain(`point-in-time recovery stops at ${before}`);
    expect(alert.text).toContain('1 segment missing after it');
    expect(app.log.deliveryState('ops-hook')).toMatchObject({ lastAttempt: { ok: true }, lastSuccessAt: expect.any(Number) });
    expect(app.log.recent({ channelId: 'ops-hook' })).toEqual([expect.objectContaining({ purpose: 'status', status: 'critical', final: true, result: expect.objectContaining({ ok: true, httpStatus: 200 }) })]);

    await pollRound(app.engine, app.service); // still missing, nothing new: nothing sent
    expect(sent()).toHaveLength(1);

    linkSync(join(kept, victim), join(setup.walArchive, victim));
    await pollRound(app.engine, app.service);
    expect(sent()).toHaveLength(2);
    expect(sent()[1]).toMatchObject({ purpose: 'status', status: 'ok', sources: [{ id: 'orders-base', reason: 'recovered', from: 'critical', to: 'ok' }] });
    expect(app.log.recent({ channelId: 'ops-hook' }).map((d) => [d.status, d.result.ok])).toEqual(expect.arrayContaining([['critical', true], ['ok', true]]));
    expect(app.log.recent({ channelId: 'ops-hook' })).toHaveLength(2);

    // The channel's tokens went with the requests, never into what they said.
    expect(receiver.bodies.map((b) => b.path)).toEqual([`/hook?token=${URL_TOKEN}`, `/hook?token=${URL_TOKEN}`]);
    const bodies = JSON.stringify(sent());
    for (const secret of [HEADER_TOKEN, ENV_TOKEN, URL_TOKEN]) expect(bodies).not.toContain(secret);
    expect(JSON.stringify(app.log.recent({ channelId: 'ops-hook' }))).not.toContain(URL_TOKEN);
  }, 240_000);
});
