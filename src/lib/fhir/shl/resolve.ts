/**
 * The receiving side of SMART Health Links (spec "SHL Receiving Application"): resolves any
 * conformant link — Folio's or another system's — to its decrypted files. Manifest request by
 * POST (recipient, passcode), or a direct GET for `U` links; embedded files or `location`s;
 * every answer is checked and bounded before use. Untrusted content stays text here: callers
 * parse and render it as data, never as markup.
 */
import { ShlError } from './errors';
import { decryptFile } from './jwe';
import { isExpired, type ShlinkPayload } from './link';

export interface ResolvedFile {
  contentType: string;
  text: string;
}

export const MAX_MANIFEST_CHARS = 1024 * 1024;
export const MAX_FILE_CHARS = 32 * 1024 * 1024;
export const MAX_FILES = 50;

async function request(fetcher: typeof fetch, url: string, init?: RequestInit): Promise<Response> {
  try {
    return await fetcher(url, { ...init, cache: 'no-store', credentials: 'omit' });
  } catch {
    throw new ShlError('unreachable', 'The server holding the shared record cannot be reached.');
  }
}

async function boundedText(res: Response, max: number): Promise<string> {
  const declared = Number(res.headers.get('content-length') ?? 0);
  if (declared > max) throw new ShlError('too-large', 'The shared file is too large to open.');
  const text = await res.text();
  if (text.length > max) throw new ShlError('too-large', 'The shared file is too large to open.');
  return text;
}

function checkLocation(location: string): string {
  let url: URL;
  try {
    url = new URL(location);
  } catch {
    throw new ShlError(
      'bad-manifest',
      'The server answered with a file address that is not a URL.',
    );
  }
  const loopback = url.hostname === '127.0.0.1' || url.hostname === 'localhost';
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback))
    throw new ShlError(
      'bad-manifest',
      'The server answered with a file address that is not https.',
    );
  return url.href;
}

export async function resolveShlink(
  payload: ShlinkPayload,
  options: {
    recipient: string;
    passcode?: string;
    embeddedLengthMax?: number;
    fetcher?: typeof fetch;
    now?: number;
  },
): Promise<ResolvedFile[]> {
  const fetcher = options.fetcher ?? fetch;
  const flags = payload.flag ?? '';
  if (isExpired(payload, options.now)) {
    throw new ShlError('expired', 'This share link has expired. Ask the sender for a new one.');
  }
  if (flags.includes('P') && !options.passcode) {
    throw new ShlError('needs-passcode', 'This share link needs the passcode the sender gave you.');
  }
  if (flags.includes('U')) {
    const url = new URL(payload.url);
    url.searchParams.set('recipient', options.recipient);
    const res = await request(fetcher, url.href);
    if (res.status === 404)
      throw new ShlError('inactive', 'This share link is no longer active (expired or revoked).');
    if (!res.ok) throw new ShlError('refused', `The server refused the request (${res.status}).`);
    return [await decryptFile(await boundedText(res, MAX_FILE_CHARS), payload.key)];
  }

  const res = await request(fetcher, payload.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      recipient: options.recipient,
      ...(options.passcode ? { passcode: options.passcode } : {}),
      ...(options.embeddedLengthMax ? { embeddedLengthMax: options.embeddedLengthMax } : {}),
    }),
  });
  if (res.status === 401) {
    let remaining: number | undefined;
    try {
      const body = (await res.json()) as { remainingAttempts?: unknown };
      if (Number.isSafeInteger(body.remainingAttempts))
        remaining = body.remainingAttempts as number;
    } catch {
      remaining = undefined;
    }
    throw new ShlError(
      'wrong-passcode',
      remaining === undefined
        ? 'The passcode is not correct.'
        : `The passcode is not correct (${remaining} ${remaining === 1 ? 'attempt' : 'attempts'} left).`,
      remaining,
    );
  }
  if (res.status === 404)
    throw new ShlError('inactive', 'This share link is no longer active (expired or revoked).');
  if (!res.ok) throw new ShlError('refused', `The server refused the request (${res.status}).`);
  let manifest: unknown;
  try {
    manifest = JSON.parse(await boundedText(res, MAX_MANIFEST_CHARS));
  } catch (error) {
    if (error instanceof ShlError) throw error;
    throw new ShlError(
      'bad-manifest',
      'The server answered with something that is not a manifest.',
    );
  }
  const files = (manifest as { files?: unknown })?.files;
  if (!Array.isArray(files) || files.length > MAX_FILES) {
    throw new ShlError(
      'bad-manifest',
      'The server answered with something that is not a manifest.',
    );
  }
  const out: ResolvedFile[] = [];
  for (const entry of files as Record<string, unknown>[]) {
    let jwe: string;
    if (typeof entry?.embedded === 'string') jwe = entry.embedded;
    else if (typeof entry?.location === 'string') {
      const file = await request(fetcher, checkLocation(entry.location));
      if (!file.ok)
        throw new ShlError('refused', `A shared file could not be fetched (${file.status}).`);
      jwe = await boundedText(file, MAX_FILE_CHARS);
    } else
      throw new ShlError('bad-manifest', 'A manifest entry has neither a file nor an address.');
    if (jwe.length > MAX_FILE_CHARS)
      throw new ShlError('too-large', 'The shared file is too large to open.');
    out.push(await decryptFile(jwe, payload.key));
  }
  return out;
}
