/**
 * Key grants as JSON (docs/spec/envelope.md §5, §10): what pairing answers and rotations carry
 * between devices. Byte fields are base64url, so grants can be stored in the practice index.
 */
import {
  CryptoError,
  fromBase64Url,
  toBase64Url,
  type GrantKind,
  type KeyGrant,
} from '$lib/crypto';

export interface GrantJson {
  kind: GrantKind;
  keyId: string;
  epoch: number;
  recipient: string;
  granter: string;
  sealed: string;
  signature: string;
}

export function grantToJson(g: KeyGrant): GrantJson {
  return {
    kind: g.kind,
    keyId: g.keyId,
    epoch: g.epoch,
    recipient: toBase64Url(g.recipient),
    granter: toBase64Url(g.granter),
    sealed: toBase64Url(g.sealed),
    signature: toBase64Url(g.signature),
  };
}

/** @throws CryptoError('bad-grant') for anything that is not a well-formed grant. */
export function grantFromJson(j: GrantJson): KeyGrant {
  try {
    if (typeof j.keyId !== 'string' || !Number.isSafeInteger(j.epoch)) throw new Error('shape');
    return {
      v: 1,
      kind: j.kind,
      keyId: j.keyId,
      epoch: j.epoch,
      recipient: fromBase64Url(j.recipient),
      granter: fromBase64Url(j.granter),
      sealed: fromBase64Url(j.sealed),
      signature: fromBase64Url(j.signature),
    };
  } catch {
    throw new CryptoError('bad-grant', 'malformed grant');
  }
}
