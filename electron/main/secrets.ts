// Passwords entered in the app's settings, kept encrypted by the OS keychain (Electron's safeStorage: Keychain
// on macOS, DPAPI on Windows, libsecret/KWallet on Linux) in one file in userData, mode 0600. Never plain text,
// never in the config file: the config only says `passwordStored: true`. Only the main process reads them.
// Sources are kept under their id; alert channels under `alert-channel:<id>` (alerts/senders/secret.ts), which
// no source id can be.
import { chmodSync, closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { PasswordVault } from '../engine/api-service';
import type { ProbeSecrets } from '../engine/secrets';
import type { StoredSecrets } from '../engine/alerts/senders/deps';

/** The part of Electron's safeStorage this needs (tests pass a fake). */
export interface Encryption {
  isEncryptionAvailable(): boolean;
  encryptString(plainText: string): Buffer;
  decryptString(encrypted: Buffer): string;
  /** Linux only: 'basic_text' means no keychain, and a key hard-coded in Electron. */
  getSelectedStorageBackend?(): string;
}

interface VaultFile {
  version: 1;
  /** source id, or alert-channel:<channel id> -> base64 of the keychain-encrypted password */
  passwords: Record<string, string>;
}

export const VAULT_FILE_NAME = 'passwords.json';

/**
 * The vault, or null where passwords cannot be kept safely: no keychain, or Linux falling back to safeStorage's
 * 'basic_text' (obfuscation, not encryption). Then the settings page offers passwordEnv / passwordFile instead
 * (ApiService reports canStorePasswords: false). Call after the app is ready.
 */
export function openVault(userDataDir: string, encryption: Encryption, platform = process.platform): KeychainVault | null {
  if (!encryption.isEncryptionAvailable()) return null;
  if (platform === 'linux' && encryption.getSelectedStorageBackend?.() === 'basic_text') return null;
  return new KeychainVault(join(userDataDir, VAULT_FILE_NAME), encryption);
}

/** Where the keychain is missing: a source that says passwordStored gets told why its password is not there. */
export function keychainUnavailable(): ProbeSecrets {
  return {
    password: async () => {
      throw new Error('the OS keychain is not available to Backup Health (on Linux: is a Secret Service such as gnome-keyring, or KWallet, running?)');
    },
  };
}

/** What the alert senders read a channel's kept password from: the vault, or a keychain that is missing. */
export function channelSecrets(vault: KeychainVault | null): StoredSecrets {
  return vault ?? {
    password: async () => {
      throw new Error('the OS keychain is not available to Backup Health (on Linux: is a Secret Service such as gnome-keyring, or KWallet, running?); or set passwordEnv or passwordFile for this channel');
    },
  };
}

export class KeychainVault implements PasswordVault, ProbeSecrets {
  constructor(
    readonly file: string,
    private readonly encryption: Encryption,
  ) {}

  set(sourceId: string, password: string): void {
    const vault = this.read();
    vault.passwords[sourceId] = this.encryption.encryptString(password).toString('base64');
    this.write(vault);
  }

  delete(sourceId: string): void {
    const vault = this.read();
    if (!(sourceId in vault.passwords)) return;
    delete vault.passwords[sourceId];
    this.write(vault);
  }

  /** Decrypted on demand, when a server asks for it; never cached in plain text. */
  async password(sourceId: string): Promise<string | undefined> {
    const encrypted = this.read().passwords[sourceId];
    return encrypted === undefined ? undefined : this.encryption.decryptString(Buffer.from(encrypted, 'base64'));
  }

  private read(): VaultFile {
    if (!existsSync(this.file)) return { version: 1, passwords: {} };
    let parsed: Partial<VaultFile>;
    try {
      parsed = JSON.parse(readFileSync(this.file, 'utf8')) as Partial<VaultFile>;
    } catch (err) {
      throw new Error(`the password file ${this.file} cannot be read (${(err as Error).message}); move it aside and enter the passwords again`);
    }
    const passwords = typeof parsed.passwords === 'object' && parsed.passwords !== null ? parsed.passwords : {};
    return { version: 1, passwords: Object.fromEntries(Object.entries(passwords).filter(([, v]) => typeof v === 'string')) };
  }

  /** Atomically (temp file, fsync, rename), created 0600 so no other user can read even the ciphertext. */
  private write(vault: VaultFile): void {
    mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
    const tmp = `${this.file}.${process.pid}.tmp`;
    const fd = openSync(tmp, 'w', 0o600);
    try {
      writeSync(fd, `${JSON.stringify(vault, null, 2)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    chmodSync(tmp, 0o600);
    renameSync(tmp, this.file);
  }
}
