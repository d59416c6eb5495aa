import { readFileSync } from 'node:fs';
import { beforeAll, expect, it } from 'vitest';
import {
  fromHex,
  loadSodium,
  openEnvelope,
  parseRecoveryKey,
  sodium,
  toHex,
  utf8,
} from '../../../src/lib/crypto/index.ts';
import { checkProof } from '../../../relay/practice-proof.ts';
import { computeVectors, VECTOR_INPUTS } from './vectors.ts';

const spec = readFileSync('docs/spec/envelope.md', 'utf8');
const block = /```json\n([\s\S]*?)\n```/.exec(spec)?.[1];
const documented = JSON.parse(block ?? 'null') as {
  inputs: typeof VECTOR_INPUTS;
  outputs: Record<string, string>;
};

beforeAll(loadSodium);

it('docs/spec/envelope.md holds the inputs the vectors are computed from', () => {
  expect(documented.inputs).toEqual(VECTOR_INPUTS);
});

it('the code reproduces every documented output byte for byte', async () => {
  expect(await computeVectors()).toEqual(documented.outputs);
});

it('the documented envelope opens to the documented payload, author and seq', () => {
  const s = sodium();
  const out = documented.outputs;
  const opened = openEnvelope(fromHex(out.envelope!), {
    keyFor: (docId, epoch) =>
      toHex(docId) === VECTOR_INPUTS.docId && epoch === VECTOR_INPUTS.epoch
        ? fromHex(VECTOR_INPUTS.documentKey)
        : null,
    authorize: () => {},
  });
  expect(s.to_string(opened.payload)).toBe(VECTOR_INPUTS.payload);
  expect(toHex(opened.author.member)).toBe(out.memberPublicKey);
  expect(toHex(opened.author.device)).toBe(out.devicePublicKey);
  expect(opened.seq).toBe(42);
  expect(opened.header).toMatchObject({ kind: 'update', generation: 7, epoch: 3 });
  expect(toHex(opened.payloadHash)).toBe(
    toHex(s.crypto_generichash(32, utf8('folio test vector'), null)),
  );
});

it('the documented version-2 envelope opens with its prev and link (§2, §10.3)', () => {
  const opened = openEnvelope(fromHex(documented.outputs.envelopeV2!), {
    keyFor: () => fromHex(VECTOR_INPUTS.documentKey),
    authorize: () => {},
  });
  expect(opened.header.version).toBe(2);
  expect(opened.seq).toBe(42);
  expect(toHex(opened.prev!)).toBe(VECTOR_INPUTS.prev);
  expect(toHex(opened.link)).toBe(documented.outputs.envelopeV2Link);
  expect(sodium().to_string(opened.payload)).toBe(VECTOR_INPUTS.payload);
});

it('the documented recovery key parses back to its bytes', () => {
  expect(toHex(parseRecoveryKey(documented.outputs.recoveryKeyForDocumentKeyBytes!))).toBe(
    VECTOR_INPUTS.documentKey,
  );
});

it("the documented practice proof verifies with the relay's own Ed25519 (Node), at its time only", () => {
  const out = documented.outputs;
  const at = VECTOR_INPUTS.issuedAtMs;
  expect(checkProof(out.relayProofWithDocumentKeyAsPracticeKey, at)).toEqual({
    ok: true,
    practice: out.relayPracticeIdWithDocumentKeyAsPracticeKey,
    issuedAtMs: at,
  });
  expect(checkProof(out.relayProofWithDocumentKeyAsPracticeKey, at + 2 * 3600_000)).toEqual({
    ok: false,
    reason: 'stale',
  });
});
