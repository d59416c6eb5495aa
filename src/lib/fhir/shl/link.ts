/**
 * SMART Health Link URIs (HL7 SMART Health Links, "Construct a SHLink Payload"): the payload
 * `{url, key, exp?, flag?, label?, v?}` as minified JSON, base64url-encoded after `shlink:/`,
 * optionally behind a viewer URL ending in `#`. Decoding checks every field, so nothing
 * downstream sees an unchecked value; unknown properties are ignored as the spec requires.
 */
import { ShlError } from './errors';

export interface ShlinkPayload {
  /** Manifest URL (or, with flag U, the file's URL); at most 128 characters. */
  url: string;
  /** 32 random bytes, base64url (43 characters): the files' decryption key. */
  key: string;
  /** Advisory expiry, epoch seconds. */
  exp?: number;
  /** Flags in alphabetical order: L long-term, P passcode, U single file (never with P). */
  flag?: string;
  /** At most 80 characters. */
  label?: string;
  v?: number;
}

const PREFIX = 'shlink:/';
const KEY = /^[A-Za-z0-9_-]{43}$/;
const FLAG = /^L?P?U?$/;

function toBase64Url(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

function fromBase64Url(text: string): string {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new ShlError('not-a-link', 'The link is damaged.');
  const binary = atob(text.replaceAll('-', '+').replaceAll('_', '/'));
  return new TextDecoder('utf-8', { fatal: true }).decode(
    Uint8Array.from(binary, (c) => c.charCodeAt(0)),
  );
}

/** Checks a payload and returns the fields Folio understands. @throws ShlError */
export function checkPayload(value: unknown): ShlinkPayload {
  const bad = (why: string) => new ShlError('bad-payload', `This share link is not valid: ${why}.`);
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw bad('no payload');
  const p = value as Record<string, unknown>;
  if (p.v !== undefined && (!Number.isSafeInteger(p.v) || (p.v as number) < 1))
    throw bad('bad version');
  if (typeof p.v === 'number' && p.v > 1) {
    throw new ShlError(
      'unsupported-version',
      `This share link uses version ${p.v} of SMART Health Links, which Folio cannot open yet.`,
    );
  }
  if (typeof p.url !== 'string' || p.url.length > 128) throw bad('no manifest address');
  let url: URL;
  try {
    url = new URL(p.url);
  } catch {
    throw bad('the manifest address is not a URL');
  }
  const loopback = url.hostname === '127.0.0.1' || url.hostname === 'localhost';
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback))
    throw bad('the manifest address is not https');
  if (typeof p.key !== 'string' || !KEY.test(p.key)) throw bad('the key is not 32 bytes');
  if (p.exp !== undefined && (typeof p.exp !== 'number' || !Number.isFinite(p.exp)))
    throw bad('the expiry is not a number');
  if (p.flag !== undefined && (typeof p.flag !== 'string' || !FLAG.test(p.flag)))
    throw bad('unknown or unordered flags');
  if (typeof p.flag === 'string' && p.flag.includes('U') && p.flag.includes('P'))
    throw bad('flag U is never combined with P');
  if (p.label !== undefined && (typeof p.label !== 'string' || p.label.length > 80))
    throw bad('the label is longer than 80 characters');
  return {
    url: p.url,
    key: p.key,
    ...(p.exp !== undefined ? { exp: p.exp as number } : {}),
    ...(p.flag ? { flag: p.flag as string } : {}),
    ...(p.label !== undefined ? { label: p.label as string } : {}),
    ...(p.v !== undefined ? { v: p.v as number } : {}),
  };
}

/** `shlink:/…` for a payload (minified JSON in the payload's own key order, base64url). @throws ShlError */
export function encodeShlink(payload: ShlinkPayload): string {
  checkPayload(payload);
  return PREFIX + toBase64Url(JSON.stringify(payload));
}

/** Finds and decodes a `shlink:/` in a bare link or a viewer URL (`…#shlink:/…`). @throws ShlError */
export function decodeShlink(text: string): ShlinkPayload {
  const trimmed = String(text ?? '').trim();
  const at = trimmed.indexOf(PREFIX);
  if (at < 0 || (at > 0 && trimmed[at - 1] !== '#')) {
    throw new ShlError('not-a-link', 'This is not a SMART Health Link (it has no "shlink:/").');
  }
  const encoded = trimmed.slice(at + PREFIX.length);
  let json: unknown;
  try {
    json = JSON.parse(fromBase64Url(encoded));
  } catch (error) {
    if (error instanceof ShlError) throw error;
    throw new ShlError('not-a-link', 'The link is damaged or incomplete.');
  }
  return checkPayload(json);
}

/** Whether the advisory expiry has passed (`now` in ms). */
export function isExpired(payload: ShlinkPayload, now = Date.now()): boolean {
  return payload.exp !== undefined && payload.exp * 1000 <= now;
}
