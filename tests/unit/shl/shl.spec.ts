import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { SHL, SHLManifestBuilder, SHLViewer } from 'kill-the-clipboard';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startRelay, type Relay } from '../../../relay/server.ts';
import {
  createHostedLink,
  decodeShlink,
  decryptFile,
  encodeShlink,
  encryptFile,
  generatePasscode,
  linkLog,
  publishFile,
  resolveShlink,
  revokeLink,
  ShlError,
} from '../../../src/lib/fhir/shl/index.ts';
import { PRACTICE } from '../../kit/practice.ts';

const example = JSON.parse(
  readFileSync(new URL('../../fixtures/shl/spec-example-shlink.json', import.meta.url), 'utf8'),
) as {
  payload: Record<string, string>;
  encodedPayload: string;
  shlinkBare: string;
  shlinkViewer: string;
};

const bundle = {
  resourceType: 'Bundle',
  type: 'collection',
  entry: [
    {
      fullUrl: 'urn:uuid:5b7a3c8e-0000-4000-8000-000000000001',
      resource: {
        resourceType: 'Patient',
        id: 'p1',
        name: [{ family: 'Sharewell', given: ['Petra'] }],
        birthDate: '1966-02-03',
      },
    },
  ],
};

async function expectShlError(promise: Promise<unknown> | (() => unknown), code: string) {
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (error) {
    expect(error).toBeInstanceOf(ShlError);
    expect((error as ShlError).code).toBe(code);
    return;
  }
  throw new Error(`expected ShlError ${code}`);
}

describe('links', () => {
  it('decodes and encodes the spec example exactly', () => {
    expect(decodeShlink(example.shlinkBare)).toEqual(example.payload);
    expect(decodeShlink(example.shlinkViewer)).toEqual(example.payload);
    expect(encodeShlink(example.payload as never)).toBe(example.shlinkBare);
  });

  it('refuses malformed, truncated and out-of-spec links with a clear error, never a crash', async () => {
    const bad = (payload: unknown) =>
      'shlink:/' + Buffer.from(JSON.stringify(payload)).toString('base64url');
    const base = { url: 'https://relay.example/shl/x', key: 'a'.repeat(43) };
    await expectShlError(() => decodeShlink('https://example.org/'), 'not-a-link');
    await expectShlError(() => decodeShlink(example.shlinkBare.slice(0, 40)), 'not-a-link');
    await expectShlError(() => decodeShlink(bad({ ...base, key: 'short' })), 'bad-payload');
    await expectShlError(() => decodeShlink(bad({ ...base, flag: 'PU' })), 'bad-payload');
    await expectShlError(() => decodeShlink(bad({ ...base, flag: 'PL' })), 'bad-payload');
    await expectShlError(
      () => decodeShlink(bad({ ...base, url: 'http://evil.example/m' })),
      'bad-payload',
    );
    await expectShlError(
      () => decodeShlink(bad({ ...base, label: 'x'.repeat(81) })),
      'bad-payload',
    );
    await expectShlError(() => decodeShlink(bad({ ...base, v: 2 })), 'unsupported-version');
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.string().map((s) => 'shlink:/' + s),
          fc.jsonValue().map(bad),
        ),
        (text) => {
          try {
            decodeShlink(text);
          } catch (error) {
            expect(error).toBeInstanceOf(ShlError);
          }
        },
      ),
    );
  });

  it('generates passcodes from an unambiguous alphabet', () => {
    const codes = new Set(Array.from({ length: 200 }, generatePasscode));
    expect(codes.size).toBe(200);
    for (const code of codes) expect(code).toMatch(/^[A-HJKMNP-Z2-9]{5}-[A-HJKMNP-Z2-9]{5}$/);
  });
});

describe('files', () => {
  const key = Buffer.alloc(32, 7).toString('base64url');

  it('round-trips a FHIR Bundle and refuses any altered, truncated or wrongly keyed file', async () => {
    const jwe = await encryptFile(JSON.stringify(bundle), key);
    expect(JSON.parse(Buffer.from(jwe.split('.')[0]!, 'base64url').toString())).toEqual({
      alg: 'dir',
      enc: 'A256GCM',
      cty: 'application/fhir+json',
    });
    const opened = await decryptFile(jwe, key);
    expect(JSON.parse(opened.text)).toEqual(bundle);
    await expectShlError(
      decryptFile(jwe, Buffer.alloc(32, 8).toString('base64url')),
      'decrypt-failed',
    );
    await expectShlError(decryptFile(jwe.slice(0, -5), key), 'decrypt-failed');
    await fc.assert(
      fc.asyncProperty(
        fc.nat(),
        fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'),
        async (at, ch) => {
          const i = at % jwe.length;
          // The last character of a segment partly encodes padding bits: changing it may not
          // change a byte, so only data-bearing characters are tampered with.
          const last = i + 1 === jwe.length || jwe[i + 1] === '.';
          if (jwe[i] === '.' || jwe[i] === ch || last) return;
          const tampered = jwe.slice(0, i) + ch + jwe.slice(i + 1);
          await expectShlError(decryptFile(tampered, key), 'decrypt-failed');
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('interop with an independent implementation (kill-the-clipboard)', () => {
  let relay: Relay | null = null;
  let dir = '';
  afterEach(async () => {
    await relay?.close();
    relay = null;
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('Folio resolves a link made by kill-the-clipboard', async () => {
    const files = new Map<string, string>();
    const shl = SHL.generate({
      baseManifestURL: 'https://shl.example.org/manifests/',
      manifestPath: '/manifest.json',
      label: 'Interop',
    });
    const builder = new SHLManifestBuilder({
      shl,
      uploadFile: async (content: string) => {
        const path = `file-${files.size + 1}`;
        files.set(path, content);
        return path;
      },
      getFileURL: async (path: string) => `https://files.example.org/${path}`,
      loadFile: async (path: string) => files.get(path)!,
    });
    await builder.addFHIRResource({ content: bundle as never });
    const fetcher = (async (url: string, init?: RequestInit) => {
      if (init?.method === 'POST' && url === shl.url) {
        const body = JSON.parse(String(init.body)) as {
          embeddedLengthMax?: number;
          recipient: string;
        };
        expect(body.recipient).toBe('Dr. Interop');
        return new Response(
          JSON.stringify(
            await builder.buildManifest({ embeddedLengthMax: body.embeddedLengthMax }),
          ),
        );
      }
      const id = url.split('/').pop()!;
      return files.has(id) ? new Response(files.get(id)) : new Response('', { status: 404 });
    }) as typeof fetch;
    const payload = decodeShlink(`https://viewer.example/#${shl.toURI()}`);
    for (const embeddedLengthMax of [undefined, 10]) {
      const resolved = await resolveShlink(payload, {
        recipient: 'Dr. Interop',
        fetcher,
        embeddedLengthMax,
      });
      expect(resolved).toHaveLength(1);
      expect(JSON.parse(resolved[0]!.text)).toEqual(bundle);
    }
  });

  it('kill-the-clipboard resolves a passcode link hosted by Folio’s relay; revocation ends it', async () => {
    dir = await mkdtemp(join(tmpdir(), 'folio-shl-interop-'));
    relay = await startRelay({
      port: 0,
      host: '127.0.0.1',
      dataDir: dir,
      buildDir: dir,
      log: () => {},
    });
    const link = await createHostedLink({
      origin: relay.url,
      flags: 'P',
      expires: Date.now() + 3600_000,
      label: 'Chart for Dr. Interop',
      proof: PRACTICE.proof(),
    });
    await publishFile(relay.url, link, await encryptFile(JSON.stringify(bundle), link.payload.key));

    const viewer = new SHLViewer({ shlinkURI: `https://viewer.example/#${link.shlink}` });
    const resolved = await viewer.resolveSHL({
      recipient: 'Dr. Interop',
      passcode: link.passcode!,
    });
    expect(resolved.fhirResources).toEqual([bundle]);
    // And Folio's own resolver agrees; a wrong passcode is counted.
    await expect(
      resolveShlink(link.payload, { recipient: 'x', passcode: 'WRONG-WRONG' }),
    ).rejects.toMatchObject({
      code: 'wrong-passcode',
      remainingAttempts: 9,
    });
    const log = await linkLog(relay.url, link);
    expect(log.accesses.map((a) => [a.recipient, a.outcome])).toEqual([
      ['Dr. Interop', 'ok'],
      ['x', 'wrong-passcode'],
    ]);
    await revokeLink(relay.url, link);
    await expectShlError(
      resolveShlink(link.payload, { recipient: 'x', passcode: link.passcode }),
      'inactive',
    );
  });

  it('resolving refuses expired links, missing passcodes, bad manifests and oversized answers', async () => {
    const payload = {
      url: 'https://shl.example.org/m',
      key: Buffer.alloc(32).toString('base64url'),
    };
    const answer = (body: string, status = 200) =>
      (async () => new Response(body, { status })) as unknown as typeof fetch;
    await expectShlError(resolveShlink({ ...payload, exp: 1 }, { recipient: 'r' }), 'expired');
    await expectShlError(
      resolveShlink({ ...payload, flag: 'P' }, { recipient: 'r' }),
      'needs-passcode',
    );
    await expectShlError(
      resolveShlink(payload, { recipient: 'r', fetcher: answer('<html>') }),
      'bad-manifest',
    );
    await expectShlError(
      resolveShlink(payload, { recipient: 'r', fetcher: answer('{"files":[{}]}') }),
      'bad-manifest',
    );
    await expectShlError(
      resolveShlink(payload, {
        recipient: 'r',
        fetcher: answer('{"files":[{"location":"http://evil.example/f"}]}'),
      }),
      'bad-manifest',
    );
    await expectShlError(
      resolveShlink(payload, { recipient: 'r', fetcher: answer('x'.repeat(1024 * 1024 + 1)) }),
      'too-large',
    );
    await expectShlError(
      resolveShlink(payload, { recipient: 'r', fetcher: answer('', 404) }),
      'inactive',
    );
    await expectShlError(
      resolveShlink(payload, {
        recipient: 'r',
        fetcher: (async () => {
          throw new TypeError('offline');
        }) as unknown as typeof fetch,
      }),
      'unreachable',
    );
  });
});
