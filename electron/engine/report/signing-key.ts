// The installation's report-signing key (issue 17): an Ed25519 key pair made once per installation and kept in the
// data directory, readable by its owner only (mode 0600). Its fingerprint, printed in every report and by
// `backup-health report key`, is what an auditor compares: SHA256: and the base64 of the SHA-256 of the raw
// 32-byte public key, the way ssh-keygen -l prints one.
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const SIGNING_KEY_FILE = 'report-signing-key.pem';

export interface SigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  fingerprint: string;
}

export class SigningKeyError extends Error {}

/** The raw 32 bytes of an Ed25519 public key (the end of its SPKI encoding). */
export function rawPublicKey(publicKey: KeyObject): Buffer {
  return publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
}

export function fingerprintOf(raw: Buffer): string {
  return `SHA256:${createHash('sha256').update(raw).digest('base64').replace(/=+$/, '')}`;
}

/** The key in `dataDir`, made (0600) if there is none yet; `create: false` returns null instead of making one. */
export function installationKey(dataDir: string, opts: { create?: boolean } = {}): SigningKey | null {
  const file = join(dataDir, SIGNING_KEY_FILE);
  let pem: string;
  try {
    pem = readKey(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    if (opts.create === false) return null;
    mkdirSync(dataDir, { recursive: true });
    const { privateKey } = generateKeyPairSync('ed25519');
    try {
      // wx: two processes making the key at once keep the first one's.
      writeFileSync(file, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600, flag: 'wx' });
    } catch (writeErr) {
      if ((writeErr as NodeJS.ErrnoException).code !== 'EEXIST') throw new SigningKeyError(`cannot write the report-signing key ${file}: ${(writeErr as Error).message}`);
    }
    pem = readKey(file);
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(pem);
  } catch {
    throw new SigningKeyError(`${file} is not a private key; move it aside and a new key is made (reports signed with the old one then verify only with --key and its fingerprint)`);
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new SigningKeyError(`${file} is not an Ed25519 key; move it aside and a new one is made`);
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKey, fingerprint: fingerprintOf(rawPublicKey(publicKey)) };
}

function readKey(file: string): string {
  const stat = statSync(file);
  if (process.platform !== 'win32' && (stat.mode & 0o077) !== 0) {
    throw new SigningKeyError(`${file} may be read by other users (mode ${(stat.mode & 0o777).toString(8)}): run chmod 600 ${file}`);
  }
  return readFileSync(file, 'utf8');
}
