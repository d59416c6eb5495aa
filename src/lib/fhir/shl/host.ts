/**
 * Folio as a SHL Sharing Application, against its own relay (relay/shl.ts): creating a link
 * (random 256-bit id and key, a management secret only this practice keeps — the relay stores
 * its SHA-256 — and, for `P`, a passcode Folio generates), publishing its encrypted file,
 * revoking it and reading its access log.
 */
import { ShlError } from './errors';
import { encodeShlink, type ShlinkPayload } from './link';

export interface HostedLink {
  id: string;
  /** The `shlink:/…` URI (key in it: give it only to the recipient). */
  shlink: string;
  payload: ShlinkPayload;
  manageSecret: string;
  /** For `P` links: the passcode to tell the recipient separately. */
  passcode?: string;
  /** When the relay stops serving it (epoch ms), or null. */
  expires: number | null;
}

export interface LinkLog {
  status: 'active' | 'expired' | 'revoked' | 'disabled' | 'unknown';
  expires: number | null;
  failures: number;
  remainingAttempts: number | null;
  accesses: { at: number; recipient: string; outcome: 'ok' | 'wrong-passcode' | 'refused' }[];
}

const random = (n: number) => crypto.getRandomValues(new Uint8Array(n));

function base64url(bytes: Uint8Array): string {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** Letters and digits that cannot be misread (no 0/O, 1/I/L). */
const PASSCODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';

/** A passcode of 10 characters (≈49 bits) in two groups, e.g. "K7QW4-MZ3PX". */
export function generatePasscode(): string {
  const out: string[] = [];
  while (out.length < 10) {
    for (const b of random(16)) {
      // Rejection sampling keeps every character equally likely.
      if (b < 256 - (256 % PASSCODE_ALPHABET.length) && out.length < 10)
        out.push(PASSCODE_ALPHABET[b % PASSCODE_ALPHABET.length]!);
    }
  }
  return `${out.slice(0, 5).join('')}-${out.slice(5).join('')}`;
}

async function call(fetcher: typeof fetch, url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetcher(url, { ...init, cache: 'no-store' });
  } catch {
    throw new ShlError('unreachable', 'The relay cannot be reached; try again when online.');
  }
}

export async function createHostedLink(options: {
  origin: string;
  flags: '' | 'L' | 'P' | 'LP' | 'U' | 'LU';
  expires: number | null;
  label?: string;
  /** A practice proof (docs/spec/envelope.md §12): the relay creates links only for practices. */
  proof: string;
  fetcher?: typeof fetch;
}): Promise<HostedLink> {
  const fetcher = options.fetcher ?? fetch;
  const id = base64url(random(32));
  const key = base64url(random(32));
  const manageSecret = base64url(random(32));
  const passcode = options.flags.includes('P') ? generatePasscode() : undefined;
  const res = await call(fetcher, `${options.origin}/shl`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-folio-practice': options.proof },
    body: JSON.stringify({
      id,
      manageHash: await sha256Hex(manageSecret),
      flags: options.flags,
      expires: options.expires,
      ...(passcode ? { passcode } : {}),
    }),
  });
  if (res.status !== 201) {
    throw new ShlError(
      'refused',
      `The relay refused the link: ${await res.text().catch(() => '')}`,
    );
  }
  const payload: ShlinkPayload = {
    url: `${options.origin}/shl/${id}`,
    key,
    ...(options.expires !== null ? { exp: Math.floor(options.expires / 1000) } : {}),
    ...(options.flags ? { flag: options.flags } : {}),
    ...(options.label ? { label: options.label.slice(0, 80) } : {}),
    v: 1,
  };
  return {
    id,
    shlink: encodeShlink(payload),
    payload,
    manageSecret,
    ...(passcode ? { passcode } : {}),
    expires: options.expires,
  };
}

export async function publishFile(
  origin: string,
  link: { id: string; manageSecret: string },
  jwe: string,
  fetcher: typeof fetch = fetch,
): Promise<void> {
  const res = await call(fetcher, `${origin}/shl/${link.id}/file`, {
    method: 'PUT',
    headers: { 'content-type': 'application/jose', 'x-folio-manage': link.manageSecret },
    body: jwe,
  });
  if (res.status !== 204)
    throw new ShlError('refused', `The relay refused the file (${res.status}).`);
}

export async function revokeLink(
  origin: string,
  link: { id: string; manageSecret: string },
  fetcher: typeof fetch = fetch,
): Promise<void> {
  const res = await call(fetcher, `${origin}/shl/${link.id}`, {
    method: 'DELETE',
    headers: { 'x-folio-manage': link.manageSecret },
  });
  if (res.status !== 204)
    throw new ShlError('refused', `The relay refused to revoke (${res.status}).`);
}

export async function linkLog(
  origin: string,
  link: { id: string; manageSecret: string },
  fetcher: typeof fetch = fetch,
): Promise<LinkLog> {
  const res = await call(fetcher, `${origin}/shl/${link.id}/log`, {
    headers: { 'x-folio-manage': link.manageSecret },
  });
  if (res.status === 404) {
    return { status: 'unknown', expires: null, failures: 0, remainingAttempts: null, accesses: [] };
  }
  if (!res.ok) throw new ShlError('refused', `The relay refused the log (${res.status}).`);
  return (await res.json()) as LinkLog;
}
