// A barman source in the config file: the contract the observation and the drill share, and the server name
// checked as Barman's (it reaches barman as an argument, never through a shell, but an option-like or odd name
// is refused naming the field).
import { describe, expect, it } from 'vitest';
import { validateConfig, type BarmanSourceConfig } from '../../../shared/config';

function validate(fields: Record<string, unknown>) {
  return validateConfig({ sources: [{ id: 'orders-barman', kind: 'barman', ...fields }] });
}

describe('barman source config', () => {
  it('takes the documented shape, durations and sizes parsed', () => {
    const parsed = validate({
      server: 'pg-orders',
      configPath: '/etc/barman.conf',
      host: 'barman@backup1',
      sshOptions: ['Port=2222'],
      maxAge: '26h',
      minSize: '1GB',
      maxArchiveAge: '15m',
      maxRecoveryPoint: '1h',
      maxWaitingForWals: '2h',
      drill: { every: '7d', recovery: 'end-of-archive' },
    });
    expect(parsed.ok, JSON.stringify(!parsed.ok && parsed.problems)).toBe(true);
    const source = parsed.ok ? (parsed.config.sources[0] as BarmanSourceConfig) : null;
    expect(source).toMatchObject({ kind: 'barman', server: 'pg-orders', configPath: '/etc/barman.conf', maxWaitingForWals: 7_200_000, maxAge: 26 * 3_600_000, minSize: 1024 ** 3 });
    expect(source!.drill?.recovery).toBe('end-of-archive');
  });

  it('defaults a drill to the end of the archive', () => {
    const parsed = validate({ server: 'main', drill: {} });
    expect(parsed.ok && (parsed.config.sources[0] as BarmanSourceConfig).drill?.recovery).toBe('end-of-archive');
  });

  it.each(['pg orders', 'pg;rm -rf /', '-c/etc/passwd', '', 'pg/orders', 'pg$(id)'])('refuses the server name %j, naming the field', (server) => {
    const parsed = validate({ server });
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.problems).toContainEqual(expect.objectContaining({ path: 'sources[0].server', message: expect.stringMatching(/Barman server name/) }));
  });

  it('accepts Barman server names with letters, digits, - _ .', () => {
    for (const server of ['pg', 'pg-orders_2.main', 'PG15']) expect(validate({ server }).ok).toBe(true);
  });

  it('needs a server, and names a misspelt key', () => {
    const missing = validate({});
    expect(!missing.ok && missing.problems.map((p) => p.path)).toContain('sources[0].server');
    const typo = validate({ server: 'pg', maxWaitingForWAL: '1h' });
    expect(typo.ok).toBe(false);
  });
});
