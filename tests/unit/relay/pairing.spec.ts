import { createHash, randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { PRACTICE } from '../../kit/practice.ts';
import { startTestRelay, type TestRelay } from './helpers.ts';

let server: TestRelay;
afterEach(async () => {
  await server?.stop();
});

const id = () => randomBytes(16).toString('hex');
const owner = () => {
  const secret = randomBytes(32).toString('hex');
  return { secret, ownerHash: createHash('sha256').update(secret).digest('hex') };
};

async function create(boxId: string, ownerHash: string) {
  return fetch(`${server.relay.url}/pair/${boxId}`, {
    method: 'PUT',
    headers: PRACTICE.headers(),
    body: JSON.stringify({ ownerHash }),
  });
}

describe('pairing mailboxes', () => {
  it('carry one request and one owner-written response, then disappear', async () => {
    server = await startTestRelay();
    const url = server.relay.url;
    const box = id();
    const o = owner();
    expect((await create(box, o.ownerHash)).status).toBe(201);
    expect((await create(box, o.ownerHash)).status).toBe(409);
    expect((await fetch(`${url}/pair/${box}/request`)).status).toBe(204);
    expect(
      (await fetch(`${url}/pair/${box}/request`, { method: 'POST', body: 'sealed-request' }))
        .status,
    ).toBe(204);
    expect(
      (await fetch(`${url}/pair/${box}/request`, { method: 'POST', body: 'second' })).status,
    ).toBe(409);
    expect(await (await fetch(`${url}/pair/${box}/request`)).text()).toBe('sealed-request');
    expect((await fetch(`${url}/pair/${box}/response`)).status).toBe(204);
    const notOwner = await fetch(`${url}/pair/${box}/response`, {
      method: 'POST',
      body: 'x',
      headers: { 'x-folio-owner': 'guess' },
    });
    expect(notOwner.status).toBe(403);
    const ok = await fetch(`${url}/pair/${box}/response`, {
      method: 'POST',
      body: 'sealed-response',
      headers: { 'x-folio-owner': o.secret },
    });
    expect(ok.status).toBe(204);
    expect(await (await fetch(`${url}/pair/${box}/response`)).text()).toBe('sealed-response');
    // Used up: a reused link fails clearly.
    const reused = await fetch(`${url}/pair/${box}/response`);
    expect(reused.status).toBe(404);
    expect(await reused.text()).toBe('Unknown or used pairing link');
    expect(server.relay.pairing.size).toBe(0);
  });

  it('expire, cap sizes and counts, and refuse malformed ids and bodies', async () => {
    let now = Date.now();
    server = await startTestRelay(
      {},
      { ttlMs: 60_000, maxMailboxes: 2, maxBodyBytes: 16 },
      {},
      { now: () => now },
    );
    const relay = server.relay;
    try {
      const u = relay.url;
      const o = owner();
      const box = id();
      await fetch(`${u}/pair/${box}`, {
        method: 'PUT',
        headers: PRACTICE.headers(),
        body: JSON.stringify({ ownerHash: o.ownerHash }),
      });
      expect(
        (await fetch(`${u}/pair/${box}/request`, { method: 'POST', body: 'x'.repeat(17) })).status,
      ).toBe(413);
      expect((await fetch(`${u}/pair/${box}/request`, { method: 'POST', body: '' })).status).toBe(
        400,
      );
      now += 60_000; // the mailbox's lifetime has passed
      const expired = await fetch(`${u}/pair/${box}/request`, { method: 'POST', body: 'late' });
      expect(expired.status).toBe(410);
      expect(await expired.text()).toBe('This pairing link has expired');
      await fetch(`${u}/pair/${id()}`, {
        method: 'PUT',
        headers: PRACTICE.headers(),
        body: JSON.stringify({ ownerHash: o.ownerHash }),
      });
      await fetch(`${u}/pair/${id()}`, {
        method: 'PUT',
        headers: PRACTICE.headers(),
        body: JSON.stringify({ ownerHash: o.ownerHash }),
      });
      expect(
        (
          await fetch(`${u}/pair/${id()}`, {
            method: 'PUT',
            headers: PRACTICE.headers(),
            body: JSON.stringify({ ownerHash: o.ownerHash }),
          })
        ).status,
      ).toBe(503);
      expect((await fetch(`${u}/pair/not-hex`, { method: 'PUT', body: '{}' })).status).toBe(400);
      expect((await fetch(`${u}/pair/${id()}`, { method: 'PUT', body: 'not json' })).status).toBe(
        400,
      );
      expect((await fetch(`${u}/pair/${id()}/request`, { method: 'POST', body: 'x' })).status).toBe(
        404,
      );
      expect((await fetch(`${u}/pair/${id()}`, { method: 'DELETE' })).status).toBe(405);
    } finally {
      await server.stop();
    }
  });
});
