/**
 * A transparent stand-in for the vault in lib/crdt tests: "envelopes" are JSON, so tests can
 * forge any author, seq or content and check SealedDoc's own rules (binding, replay,
 * equivocation, rejection counting) in isolation. Real crypto is covered in tests/unit/crypto
 * and, end to end with the vault, in sealed-doc.spec.ts.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { SealingPort, Signer } from '../../../src/lib/crdt/sealed-doc.ts';
import type { OpenResult } from '../../../src/lib/vault/service.ts';

export interface FakeEnvelope {
  author: Signer;
  seq: number;
  kind: 'update' | 'snapshot' | 'presence';
  generation: number;
  payload: string;
}

/** 26 header bytes, a random 24-byte "nonce" (as in real envelopes), then the JSON. */
export function encodeFake(e: FakeEnvelope): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(e));
  const out = new Uint8Array(50 + json.length);
  out.set(randomBytes(24), 26);
  out.set(json, 50);
  return out;
}

export function fakePort(self: Signer, start = 0): SealingPort & { seq: number } {
  const port = {
    seq: start,
    async seal(input: {
      generation: number;
      kind: 'update' | 'snapshot' | 'presence';
      payload: Uint8Array;
    }) {
      const seq = port.seq++;
      const envelope = encodeFake({
        author: self,
        seq,
        kind: input.kind,
        generation: input.generation,
        payload: Buffer.from(input.payload).toString('base64'),
      });
      return { envelope, seq };
    },
    async openMany(envelopes: Uint8Array[]): Promise<OpenResult[]> {
      return envelopes.map((bytes) => {
        let e: FakeEnvelope;
        try {
          e = JSON.parse(new TextDecoder().decode(bytes.subarray(50))) as FakeEnvelope;
        } catch {
          return { ok: false, code: 'decrypt-failure' };
        }
        const payload = new Uint8Array(Buffer.from(e.payload, 'base64'));
        return {
          ok: true,
          kind: e.kind,
          generation: e.generation,
          seq: e.seq,
          payload,
          payloadHash: createHash('sha256').update(payload).digest('hex'),
          author: e.author,
        };
      });
    },
  };
  return port;
}

export const ADA: Signer = { member: 'ada-member', device: 'ada-device', memberName: 'Ada' };
export const BOB: Signer = { member: 'bob-member', device: 'bob-device', memberName: 'Bob' };
