/**
 * Checks on what the page sends (names, passphrases) and the member-list entry of a new member.
 * Every request crosses a Worker boundary as structured clone, so nothing is trusted by type.
 */
import { toBase64Url, type Identity, type MemberEntry } from '$lib/crypto';
import { VaultError } from './errors';

export const MIN_PASSPHRASE_LENGTH = 12;

/** A trimmed, non-empty display text of at most 200 characters. @throws VaultError('bad-input') */
export function clean(value: unknown, field: string): string {
  const text = typeof value === 'string' ? value.trim() : '';
  if (text.length === 0) throw new VaultError('bad-input', `Enter a ${field}`);
  if (text.length > 200)
    throw new VaultError('bad-input', `The ${field} is too long (200 characters at most)`);
  return text;
}

/** @throws VaultError('weak-passphrase') below MIN_PASSPHRASE_LENGTH code points. */
export function checkPassphrase(passphrase: unknown): void {
  if (typeof passphrase !== 'string' || [...passphrase].length < MIN_PASSPHRASE_LENGTH) {
    throw new VaultError('weak-passphrase', `Use at least ${MIN_PASSPHRASE_LENGTH} characters`);
  }
}

/**
 * The origin of a relay URL (`https://relay.example:8443`), or null for an empty value (the app's
 * own origin). Only http and https; no user, path, query or fragment beyond a lone "/".
 * @throws VaultError('bad-input')
 */
export function relayOrigin(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  const text = typeof value === 'string' ? value.trim() : '';
  if (text === '') return null;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new VaultError(
      'bad-input',
      'Enter the relay as a web address, like https://relay.example',
    );
  }
  if (
    (url.protocol !== 'https:' && url.protocol !== 'http:') ||
    url.username ||
    url.password ||
    url.pathname !== '/' ||
    url.search ||
    url.hash ||
    text.length > 200
  ) {
    throw new VaultError('bad-input', 'The relay address must be just https://host[:port]');
  }
  return url.origin;
}

/** @throws VaultError('bad-input') for anything but a known role. */
export function checkRole(role: unknown): void {
  if (typeof role !== 'string' || !['admin', 'clinician', 'front-desk'].includes(role)) {
    throw new VaultError('bad-input', 'Unknown role');
  }
}

/** A member-list entry for a member on a device (role admin unless overridden). */
export function entryFor(
  member: Identity,
  device: Identity,
  name: string,
  deviceName: string,
  at: string,
): Omit<MemberEntry, 'addedBy'> {
  return {
    member: toBase64Url(member.sign.publicKey),
    memberBox: toBase64Url(member.box.publicKey),
    device: toBase64Url(device.sign.publicKey),
    deviceBox: toBase64Url(device.box.publicKey),
    name,
    deviceName,
    role: 'admin',
    addedAt: at,
  };
}
