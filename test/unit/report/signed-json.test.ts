// The signed JSON report (issue 17): Ed25519 over the exact evidence bytes, a key per installation at mode 0600,
// and any one-byte edit of the file failing verification.
import { chmodSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EVIDENCE_FORMAT, type Evidence } from '../../../electron/engine/report/evidence-model';
import { signedReport, verifyReport } from '../../../electron/engine/report/signed-json';
import { SIGNING_KEY_FILE, installationKey } from '../../../electron/engine/report/signing-key';
import { tempDir } from '../store/temp-history';

function smallEvidence(fingerprint: string): Evidence {
  return {
    format: EVIDENCE_FORMAT,
    generatedAt: '2026-12-04T12:00:00.000Z',
    generator: { app: 'Backup Health', version: '1.0.0', host: 'audit-host' },
    signingKey: fingerprint,
    period: { from: '2026-09-05T12:00:00.000Z', to: '2026-12-04T12:00:00.000Z' },
    selection: { sources: null, databases: ['orders'] },
    summary: [{ key: 'orders-db/orders', label: 'orders on orders-db', status: 'ok', objectives: { rpoMs: 93_600_000, rtoMs: 3_600_000, drillAgeMs: 691_200_000 }, objectivesMet: true, findings: [], lastProvenRestore: { at: '2026-12-01T04:07:00.000Z', sourceId: 'orders-dumps', backupKey: '/srv/dumps/orders-ü.dump', restoreMs: 415_000, recoveryPointMs: 3_600_000 }, drills: { passed: 13, failed: 1, missedWindows: 2 } }],
    databases: [],
    sources: [],
    notes: ['a "quoted" note\nwith a line break'],
  };
}

describe('the report-signing key', () => {
  it('is made once per installation, readable by its owner only, and named by a fingerprint', () => {
    const dir = tempDir();
    expect(installationKey(dir, { create: false })).toBeNull();
    const key = installationKey(dir)!;
    expect(key.fingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    expect(statSync(join(dir, SIGNING_KEY_FILE)).mode & 0o777).toBe(0o600);
    expect(installationKey(dir)!.fingerprint).toBe(key.fingerprint);
    expect(installationKey(tempDir())!.fingerprint).not.toBe(key.fingerprint);
  });

  it('is refused, with what to do, when others may read it', () => {
    const dir = tempDir();
    installationKey(dir);
    const file = join(dir, SIGNING_KEY_FILE);
    chmodSync(file, 0o644);
    expect(() => installationKey(dir)).toThrow(`may be read by other users (mode 644): run chmod 600 ${file}`);
  });
});

describe('a signed report', () => {
  it('verifies with its key, and not with another', () => {
    const key = installationKey(tempDir())!;
    const file = signedReport(smallEvidence(key.fingerprint), key);
    const result = verifyReport(file, key.fingerprint);
    expect(result).toMatchObject({ ok: true, fingerprint: key.fingerprint });
    expect(result.ok && result.evidence.summary[0]!.lastProvenRestore!.backupKey).toBe('/srv/dumps/orders-ü.dump');
    expect(JSON.parse(file.toString('utf8')).evidence).toEqual(smallEvidence(key.fingerprint));
    const other = installationKey(tempDir())!;
    expect(verifyReport(file, other.fingerprint)).toEqual({ ok: false, fingerprint: key.fingerprint, reason: `signed by key ${key.fingerprint}, not the trusted key ${other.fingerprint}` });
  });

  it('fails after any one-byte edit, wherever it is', () => {
    const key = installationKey(tempDir())!;
    const file = signedReport(smallEvidence(key.fingerprint), key);
    const held: number[] = [];
    for (let i = 0; i < file.length; i++) {
      for (const change of [0x01, 0x20]) {
        const edited = Buffer.from(file);
        edited[i] = edited[i]! ^ change;
        if (verifyReport(edited, key.fingerprint).ok) held.push(i);
      }
    }
    expect(held).toEqual([]);
    expect(verifyReport(file.subarray(0, file.length - 1), key.fingerprint).ok).toBe(false);
    expect(verifyReport(Buffer.concat([file, Buffer.from(' ')]), key.fingerprint).ok).toBe(false);
  });
});
