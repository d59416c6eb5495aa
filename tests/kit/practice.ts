/**
 * A practice as the relay sees it (docs/spec/envelope.md §12), made with Node's own Ed25519 —
 * independent of the app's libsodium code, so relay tests do not trust the code they check.
 */
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';

export interface TestPractice {
  /** The practice id: hex of the public key. */
  id: string;
  /** A proof issued at `issuedAtMs` (default: now). */
  proof(issuedAtMs?: number): string;
  /** A sync room token: the capability and a fresh proof. */
  token(capability: string, issuedAtMs?: number): string;
  /** Headers carrying a fresh proof, for /pair and /shl. */
  headers(issuedAtMs?: number): { 'x-folio-practice': string };
}

export function proofFor(
  publicKey: Buffer,
  privateKey: KeyObject,
  issuedAtMs: number,
  version = 1,
): string {
  const issued = Buffer.alloc(8);
  issued.writeBigUInt64BE(BigInt(Math.floor(issuedAtMs / 1000)));
  const sig = sign(
    null,
    Buffer.concat([Buffer.from('folio/relay-proof/v1'), publicKey, issued]),
    privateKey,
  );
  return Buffer.concat([Buffer.of(version), publicKey, issued, sig]).toString('base64url');
}

export function testPractice(): TestPractice & { privateKey: KeyObject; publicKey: Buffer } {
  const pair = generateKeyPairSync('ed25519');
  const publicKey = pair.publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  const proof = (at = Date.now()) => proofFor(publicKey, pair.privateKey, at);
  return {
    id: publicKey.toString('hex'),
    publicKey,
    privateKey: pair.privateKey,
    proof,
    token: (capability, at) => `${capability}.${proof(at)}`,
    headers: (at) => ({ 'x-folio-practice': proof(at) }),
  };
}

/** One practice for a whole test file when which practice does not matter. */
export const PRACTICE = testPractice();
