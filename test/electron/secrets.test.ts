// Passwords entered in the app: kept encrypted by the OS keychain in a 0600 file, never in plain text, never in
// the config file (which says passwordStored: true); the engine gets them through its secrets accessor, and a
// real PostgreSQL with scram-sha-256 accepts them. Without the desktop app (the CLI) the probe says what to do.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { validateConfig, type PostgresSourceConfig } from '../../shared/config';
import { ApiService } from '../../electron/engine/api-service';
import { loadConfig } from '../../electron/engine/config';
import { Engine } from '../../electron/engine/engine';
import { ProbeError } from '../../electron/engine/errors';
import { postgresProbe } from '../../electron/engine/sources/postgres/index';
import { History } from '../../electron/engine/store/history';
import { probeContext, removeTestParentDir, startTcpCluster, testParentDir, type TcpCluster } from '../support/postgres-fixtures';

vi.mock('electron', async () => (await import('./fake-electron')).electron);
const { fakeSafeStorage } = await import('./fake-electron');
const { KeychainVault, VAULT_FILE_NAME, keychainUnavailable, openVault } = await import('../../electron/main/secrets');

const root = mkdtempSync(join(tmpdir(), 'backup-health-secrets-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const newDir = () => mkdtempSync(join(root, `case-${++n}-`));

const PASSWORD = 'correct horse battery staple';

describe('KeychainVault', () => {
  it('never writes a password in plain text: the file holds keychain ciphertext only, mode 0600', async () => {
    const vault = openVault(newDir(), fakeSafeStorage, 'linux')!;
    vault.set('orders-db', PASSWORD);
    vault.set('billing-db', 'p@ss"word\n');
    const text = readFileSync(vault.file, 'utf8');
    for (const secret of [PASSWORD, 'p@ss"word', Buffer.from(PASSWORD).toString('base64'), Buffer.from(PASSWORD).toString('hex'), 'horse']) {
      expect(text).not.toContain(secret);
    }
    const stored = JSON.parse(text);
    expect(Object.keys(stored.passwords).sort()).toEqual(['billing-db', 'orders-db']);
    expect(Buffer.from(stored.passwords['orders-db'], 'base64').subarray(0, 3).toString()).toBe('v11');
    expect(statSync(vault.file).mode & 0o777).toBe(0o600);
    expect(await vault.password('orders-db')).toBe(PASSWORD);
    expect(await vault.password('billing-db')).toBe('p@ss"word\n');
    expect(await vault.password('nope')).toBeUndefined();
  });

  it('delete forgets the password; other sources keep theirs', async () => {
    const vault = openVault(newDir(), fakeSafeStorage, 'linux')!;
    vault.set('a', 'one');
    vault.set('b', 'two');
    vault.delete('a');
    expect(await vault.password('a')).toBeUndefined();
    expect(await vault.password('b')).toBe('two');
    expect(readFileSync(vault.file, 'utf8')).not.toContain('"a"');
  });

  it('is not offered without a keychain, nor with Linux\'s plain-text fallback', () => {
    fakeSafeStorage.available = false;
    try {
      expect(openVault(newDir(), fakeSafeStorage, 'darwin')).toBeNull();
    } finally {
      fakeSafeStorage.available = true;
    }
    fakeSafeStorage.backend = 'basic_text';
    try {
      expect(openVault(newDir(), fakeSafeStorage, 'linux')).toBeNull();
      expect(openVault(newDir(), fakeSafeStorage, 'win32')).not.toBeNull();
    } finally {
      fakeSafeStorage.backend = 'gnome_libsecret';
    }
  });

  it('a damaged file is reported with what to do', async () => {
    const dir = newDir();
    writeFileSync(join(dir, VAULT_FILE_NAME), '{ not json');
    const vault = new KeychainVault(join(dir, VAULT_FILE_NAME), fakeSafeStorage);
    await expect(vault.password('a')).rejects.toThrow(/cannot be read .*; move it aside and enter the passwords again/);
  });
});

describe('the config: passwordStored', () => {
  const source = { id: 'orders-db', kind: 'postgres', url: 'postgres://monitor@db1.example/postgres' };
  it('is accepted alone, and only as true', () => {
    expect(validateConfig({ sources: [{ ...source, passwordStored: true }] }).ok).toBe(true);
    expect(validateConfig({ sources: [{ ...source, passwordStored: false }] }).ok).toBe(false);
  });
  it.each(['passwordEnv', 'passwordFile'])('is not combined with %s', (other) => {
    const result = validateConfig({ sources: [{ ...source, passwordStored: true, [other]: other === 'passwordEnv' ? 'PGMON' : '/etc/pgmon' }] });
    expect(result).toEqual({
      ok: false,
      problems: [{ path: 'sources[0].passwordStored', message: `the desktop app keeps this source's password (passwordStored), and ${other} is set too; keep one of them` }],
    });
  });
});

describe('saveSource with a vault', () => {
  function setup() {
    const dir = newDir();
    const configFile = join(dir, 'config.yml');
    writeFileSync(configFile, '# my sources\nsources: []\n');
    const loaded = loadConfig(configFile);
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
    const store = History.open(':memory:');
    const vault = openVault(dir, fakeSafeStorage, 'linux')!;
    const api = new ApiService({ engine: new Engine({ config: loaded.config, store, secrets: vault }), store, configFile, vault });
    return { configFile, vault, api, store };
  }

  it('keeps the password in the vault and writes only passwordStored: true to the config', async () => {
    const { configFile, vault, api, store } = setup();
    expect((await api.settings()).canStorePasswords).toBe(true);
    const edit = { source: { id: 'orders-db', kind: 'postgres', url: 'postgres://monitor@db1.example/postgres' }, password: PASSWORD };
    expect(await api.validateSource(edit)).toEqual({ ok: true, problems: [] });
    expect(await api.saveSource(edit)).toEqual({ ok: true, problems: [] });
    const text = readFileSync(configFile, 'utf8');
    expect(text).toContain('passwordStored: true');
    expect(text).toContain('# my sources');
    expect(text).not.toContain(PASSWORD);
    expect(await vault.password('orders-db')).toBe(PASSWORD);

    // renamed without a new password: the kept one follows the source
    const renamed = { source: { id: 'orders-primary', kind: 'postgres', url: 'postgres://monitor@db1.example/postgres', passwordStored: true }, originalId: 'orders-db' };
    expect(await api.saveSource(renamed)).toEqual({ ok: true, problems: [] });
    expect(await vault.password('orders-primary')).toBe(PASSWORD);
    expect(await vault.password('orders-db')).toBeUndefined();

    expect(await api.removeSource({ id: 'orders-primary' })).toEqual({ ok: true, problems: [] });
    expect(await vault.password('orders-primary')).toBeUndefined();
    store.close();
  });

  it('a password typed beside passwordEnv is a problem on the form, not a silent choice', async () => {
    const { api, store } = setup();
    const result = await api.validateSource({ source: { id: 'orders-db', kind: 'postgres', url: 'postgres://monitor@db1.example/postgres', passwordEnv: 'PGMON' }, password: 'x' });
    expect(result).toMatchObject({ ok: false, problems: [{ path: 'passwordStored' }] });
    store.close();
  });
});

describe('the postgres probe and passwordStored', () => {
  const parentDir = testParentDir('stored-password');
  let db: TcpCluster;
  const source = (id = 'orders-db'): PostgresSourceConfig => ({ id, kind: 'postgres', url: db.url(), passwordStored: true });

  beforeAll(async () => {
    db = await startTcpCluster({ parentDir });
  });
  afterAll(async () => {
    await db?.cluster.stop();
    removeTestParentDir(parentDir);
  });

  it('the desktop app: the kept password reaches the server (scram-sha-256)', async () => {
    const vault = openVault(newDir(), fakeSafeStorage, 'linux')!;
    vault.set('orders-db', db.monitorPassword);
    const { metrics } = await postgresProbe.observe(source(), probeContext({ secrets: vault }));
    expect(metrics).toMatchObject({ kind: 'postgres', inRecovery: false });
  });

  it('the engine passes its secrets to the probe', async () => {
    const vault = openVault(newDir(), fakeSafeStorage, 'linux')!;
    vault.set('orders-db', db.monitorPassword);
    const parsed = validateConfig({ sources: [source()] });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    const store = History.open(':memory:');
    try {
      const summary = await new Engine({ config: parsed.config, store, secrets: vault }).pollSource('orders-db');
      expect(store.latestPoll('orders-db')).toMatchObject({ ok: true, error: null });
      expect(summary.findings.find((f) => f.rule === 'probe-error')).toBeUndefined();
    } finally {
      store.close();
    }
  });

  async function failure(ctx: Parameters<typeof postgresProbe.observe>[1], config = source()): Promise<ProbeError> {
    const err = await postgresProbe.observe(config, ctx).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ProbeError);
    return err as ProbeError;
  }

  it('the CLI (no secrets accessor): a config error saying what to use instead', async () => {
    expect(await failure(probeContext())).toMatchObject({
      code: 'config',
      message: 'the password of orders-db is kept by the desktop app; the CLI cannot read it: use passwordEnv or passwordFile',
    });
  });

  it('no password kept for the source: a config error saying where to enter it', async () => {
    const vault = openVault(newDir(), fakeSafeStorage, 'linux')!;
    expect(await failure(probeContext({ secrets: vault }))).toMatchObject({ code: 'config', message: "no password is kept for orders-db: enter it in the source's settings" });
  });

  it('a wrong kept password: auth-failed pointing at the settings, never echoing the password', async () => {
    const vault = openVault(newDir(), fakeSafeStorage, 'linux')!;
    vault.set('orders-db', 'wrong-password-123');
    const err = await failure(probeContext({ secrets: vault }));
    expect(err.code).toBe('auth-failed');
    expect(err.message).toBe(`password authentication failed for user monitor at 127.0.0.1:${db.port}: check the password in the desktop app's settings of orders-db`);
    expect(err.message).not.toContain('wrong-password-123');
  });

  it('no keychain in this session: the reason, not a connection error', async () => {
    const err = await failure(probeContext({ secrets: keychainUnavailable() }));
    expect(err.code).toBe('config');
    expect(err.message).toMatch(/^the password the desktop app keeps for orders-db cannot be read \(the OS keychain is not available/);
  });
});
