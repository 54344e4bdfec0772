// The signed JSON report (issue 17). The evidence is written once as bytes, those very bytes are signed with
// Ed25519, and the file is
//   {"evidence":<the evidence bytes>,
//   "signature":{"algorithm":"Ed25519","key":"SHA256:…","publicKey":"<raw key, base64>","value":"<base64>"}}
// The verifier checks the signature over the byte range it reads from the file, never over a re-serialisation, and
// takes the file only if it is exactly what the writer writes around those bytes: any one-byte edit fails. Pure.
import { createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import type { Evidence } from './evidence-model';
import { fingerprintOf, rawPublicKey } from './signing-key';

const HEAD = '{"evidence":';
const TAIL_MARK = ',\n"signature":';

interface SignatureBlock {
  algorithm: 'Ed25519';
  key: string;
  publicKey: string;
  value: string;
}

export function signedReport(evidence: Evidence, key: { privateKey: KeyObject; publicKey: KeyObject; fingerprint: string }): Buffer {
  // Indented: no line of the evidence starts with "signature", so the tail is found unambiguously.
  const bytes = Buffer.from(JSON.stringify(evidence, null, 2), 'utf8');
  const block: SignatureBlock = { algorithm: 'Ed25519', key: key.fingerprint, publicKey: rawPublicKey(key.publicKey).toString('base64'), value: sign(null, bytes, key.privateKey).toString('base64') };
  return Buffer.concat([Buffer.from(HEAD), bytes, Buffer.from(`${TAIL_MARK}${JSON.stringify(block)}}\n`)]);
}

export type Verification = { ok: true; fingerprint: string; evidence: Evidence } | { ok: false; reason: string; fingerprint?: string };

/** Whether `file` is a report signed by the key whose fingerprint is `trusted`. */
export function verifyReport(file: Buffer, trusted: string): Verification {
  const head = Buffer.from(HEAD);
  if (!file.subarray(0, head.length).equals(head)) return { ok: false, reason: 'not a signed Backup Health report (it does not begin with {"evidence":)' };
  const markAt = file.lastIndexOf(Buffer.from(TAIL_MARK));
  if (markAt < head.length) return { ok: false, reason: 'not a signed Backup Health report (no signature after the evidence)' };
  const evidenceBytes = file.subarray(head.length, markAt);
  const tail = file.subarray(markAt).toString('utf8');
  let block: SignatureBlock;
  let evidence: Evidence;
  try {
    block = JSON.parse(tail.slice(TAIL_MARK.length, -2)) as SignatureBlock;
    evidence = JSON.parse(evidenceBytes.toString('utf8')) as Evidence;
  } catch {
    return { ok: false, reason: 'the file is not the JSON a report is: it was changed or cut' };
  }
  if (typeof block !== 'object' || block === null || tail !== `${TAIL_MARK}${JSON.stringify(block)}}\n`) return { ok: false, reason: 'the signature block was changed' };
  if (block.algorithm !== 'Ed25519') return { ok: false, reason: `unknown signature algorithm ${JSON.stringify(block.algorithm)}` };
  const publicRaw = strictBase64(block.publicKey);
  const value = strictBase64(block.value);
  if (!publicRaw || publicRaw.length !== 32 || !value || value.length !== 64) return { ok: false, reason: 'the signature block was changed' };
  const fingerprint = fingerprintOf(publicRaw);
  if (fingerprint !== block.key) return { ok: false, reason: 'the signature block was changed (its key does not match its fingerprint)' };
  if (fingerprint !== trusted) return { ok: false, reason: `signed by key ${fingerprint}, not the trusted key ${trusted}`, fingerprint };
  const publicKey = createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, publicRaw]), format: 'der', type: 'spki' });
  if (!verify(null, evidenceBytes, publicKey, value)) return { ok: false, reason: 'the signature does not match the evidence: the file was changed after it was signed', fingerprint };
  return { ok: true, fingerprint, evidence };
}

/** The DER header of an Ed25519 SubjectPublicKeyInfo (RFC 8410), before the raw 32-byte key. */
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** Base64 that decodes and encodes back to the same text: Node's decoder skips stray characters. */
function strictBase64(text: unknown): Buffer | null {
  if (typeof text !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return null;
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64') === text ? bytes : null;
}
