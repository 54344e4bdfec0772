// "Export evidence" over the API (issue 17): the same report as `backup-health report`, HTML or signed JSON, for the
// renderer to save; bad requests answered with what to change.
import { describe, expect, it } from 'vitest';
import { ApiService, apiErrorValue } from '../../../electron/engine/api-service';
import { Engine } from '../../../electron/engine/engine';
import { verifyReport } from '../../../electron/engine/report/signed-json';
import { installationKey } from '../../../electron/engine/report/signing-key';
import type { EvidenceRequest } from '../../../shared/api';
import { DAY, T0, openHistory, tempDir } from '../store/temp-history';
import { SECRETS, auditedConfig, parse, writeAuditHistory } from './audit-fixtures';

const NOW = T0 + 120 * DAY;

function service(dataDir: string | null = tempDir()) {
  const { history } = openHistory();
  writeAuditHistory(history, NOW);
  const engine = new Engine({ config: parse(auditedConfig({ every: '3d' })), store: history, now: () => NOW });
  return { api: new ApiService({ engine, store: history, configFile: '/nonexistent/config.yml', now: () => NOW, ...(dataDir ? { dataDir } : {}), version: '1.2.3' }), dataDir };
}

describe('exportEvidence', () => {
  it('answers the signed JSON of the period, verifiable with the installation key', async () => {
    const { api, dataDir } = service();
    const exported = await api.exportEvidence({ format: 'json', since: '90d', databases: ['orders'] });
    const key = installationKey(dataDir!)!;
    expect(exported).toMatchObject({ fileName: expect.stringMatching(/^backup-health-evidence-\d{4}-\d{2}-\d{2}-to-\d{4}-\d{2}-\d{2}\.json$/), mediaType: 'application/json', signingKey: key.fingerprint });
    const verified = verifyReport(Buffer.from(exported.content, 'utf8'), key.fingerprint);
    expect(verified.ok).toBe(true);
    expect(verified.ok && verified.evidence.sources.map((s) => s.id)).toEqual(['orders-db', 'orders-dumps']);
    expect(verified.ok && verified.evidence.generator.version).toBe('1.2.3');
    for (const secret of SECRETS) expect(exported.content).not.toContain(secret);
  });

  it('answers the HTML page', async () => {
    const { api } = service();
    const exported = await api.exportEvidence({ format: 'html', from: '2025-02-01', to: '2025-04-30' });
    expect(exported.mediaType).toBe('text/html');
    expect(exported.fileName).toBe('backup-health-evidence-2025-02-01-to-2025-05-01.html');
    expect(exported.content).toContain('Drills expected');
    expect(exported.content).toContain(exported.signingKey);
  });

  it('refuses a bad request with a message saying what to change', async () => {
    const { api } = service();
    const refusal = async (request: unknown) => {
      try {
        await api.exportEvidence(request as EvidenceRequest);
        return null;
      } catch (err) {
        return apiErrorValue(err);
      }
    };
    expect(await refusal({ format: 'pdf' })).toEqual({ code: 'bad-report-request', message: 'format must be html or json (the app prints the PDF from the HTML)' });
    expect(await refusal({ format: 'html', since: 'forever' })).toEqual({ code: 'bad-report-request', message: 'since: "forever" is not a duration (use 30d, 13w, 1y)' });
    expect(await refusal({ format: 'html', sources: 'orders-dumps' })).toEqual({ code: 'bad-report-request', message: 'sources must be a list of names' });
    expect((await refusal({ format: 'html', sources: ['nope'] }))?.message).toMatch(/^sources: no source "nope" in the config/);
    const { api: noData } = service(null);
    await expect(noData.exportEvidence({ format: 'html' })).rejects.toThrow('does not know its data directory');
  });
});
