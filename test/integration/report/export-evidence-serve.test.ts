// "Export evidence" through `backup-health serve` (issue 17): POST /api/exportEvidence answers the signed JSON,
// verifiable with the installation's key in serve's data directory, judged by the policy serve recorded at start.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { verifyReport } from '../../../electron/engine/report/signed-json';
import { installationKey } from '../../../electron/engine/report/signing-key';
import { History } from '../../../electron/engine/store/history';
import type { ApiResponse, EvidenceExport } from '../../../shared/api';
import { ensureCliBuilt } from '../../support/cli';
import { removeTestParentDir, testParentDir } from '../../support/postgres-fixtures';
import { serve, signIn, type Served } from '../../support/serve';

const parent = testParentDir('report-serve');
let served: Served | undefined;

afterAll(async () => {
  served?.child.kill('SIGTERM');
  await served?.exited;
  removeTestParentDir(parent);
});

async function call<T>(cookie: string, method: string, args: unknown): Promise<{ status: number; answer: ApiResponse<T> }> {
  const res = await fetch(`${served!.origin}/api/${method}`, { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: JSON.stringify(args) });
  return { status: res.status, answer: JSON.parse(await res.text()) as ApiResponse<T> };
}

describe('exportEvidence through serve', () => {
  it('answers the signed JSON report, and a bad request with what to change', async () => {
    ensureCliBuilt();
    const dumps = join(parent, 'dumps');
    const data = join(parent, 'data');
    mkdirSync(dumps, { recursive: true });
    const config = join(parent, 'config.yml');
    writeFileSync(config, `sources:\n  - id: orders-dumps\n    kind: dump-dir\n    path: ${dumps}\n    drill:\n      every: 7d\n`);
    const history = History.open(join(data, 'history.sqlite'));
    const now = Date.now();
    history.recordDrill({ sourceId: 'orders-dumps', backupKey: join(dumps, 'orders.dump'), startedAt: now - 3 * 86_400_000, finishedAt: now - 3 * 86_400_000 + 60_000, outcome: 'pass', phases: {}, restoreMs: 50_000, tables: 3, rows: 30, restoredBytes: null, checks: [], message: 'restored 3 tables, 30 rows' });
    history.close();

    served = await serve(['--config', config, '--data', data]);
    const cookie = await signIn(served);
    const { status, answer } = await call<EvidenceExport>(cookie, 'exportEvidence', { format: 'json', since: '30d' });
    expect(status, JSON.stringify(answer)).toBe(200);
    if (!answer.ok) throw new Error(answer.error.message);
    const key = installationKey(data, { create: false })!;
    expect(answer.value.signingKey).toBe(key.fingerprint);
    const verified = verifyReport(Buffer.from(answer.value.content, 'utf8'), key.fingerprint);
    if (!verified.ok) throw new Error(verified.reason);
    const source = verified.evidence.sources[0]!;
    expect(source.drills.map((d) => d.message)).toEqual(['restored 3 tables, 30 rows']);
    // serve recorded the policy it loaded at start: the period after that is judged by a recorded policy.
    expect(source.policies.at(-1)).toMatchObject({ to: null, recorded: true, policy: { drill: { every: 7 * 86_400_000 } } });

    const refused = await call<EvidenceExport>(cookie, 'exportEvidence', { format: 'html', databases: ['nope'] });
    expect(refused.status).toBe(400);
    expect(refused.answer).toEqual({ ok: false, error: { code: 'bad-report-request', message: 'databases: no database "nope" is known (databases: none known yet)' } });
  }, 120_000);
});
