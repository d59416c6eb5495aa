/**
 * Known-answer inputs for docs/spec/envelope.md §7. `computeVectors()` derives every output from
 * these inputs with Folio's code; the spec's JSON block holds the expected outputs, and
 * vectors.spec.ts checks one against the other. Run `npx tsx tests/unit/crypto/vectors.ts` to
 * print the block after a deliberate format change (and bump the version).
 */
import {
  deriveSubkey,
  formatRecoveryKey,
  loadSodium,
  pairingSas,
  roomId,
  relayPracticeId,
  relayPracticeKeyPair,
  relayProof,
  rotatedChartKey,
  sealEnvelope,
  sealLinked,
  sodium,
  toHex,
  utf8,
} from '../../../src/lib/crypto/index.ts';

const range = (start: number, length: number) =>
  Uint8Array.from({ length }, (_, i) => (start + i) & 0xff);

export const VECTOR_INPUTS = {
  documentKey: toHex(range(0x00, 32)),
  memberSeed: toHex(range(0x20, 32)),
  deviceSeed: toHex(range(0x40, 32)),
  docId: toHex(range(0x60, 16)),
  generation: 7,
  epoch: 3,
  seq: 42,
  kind: 'update' as const,
  payload: 'folio test vector',
  nonce: toHex(range(0x70, 24)),
  prev: toHex(range(0x90, 32)),
  issuedAtMs: 1_798_761_600_000,
};

export async function computeVectors() {
  await loadSodium();
  const s = sodium();
  const i = VECTOR_INPUTS;
  const key = s.from_hex(i.documentKey);
  const member = s.crypto_sign_seed_keypair(s.from_hex(i.memberSeed));
  const device = s.crypto_sign_seed_keypair(s.from_hex(i.deviceSeed));
  const options = {
    kind: i.kind,
    docId: s.from_hex(i.docId),
    generation: i.generation,
    epoch: i.epoch,
    documentKey: key,
    member,
    device: device.publicKey,
    seq: i.seq,
    payload: utf8(i.payload),
    nonce: s.from_hex(i.nonce),
  };
  // Version 1 (stored data from before version 2 must still open), then the current version 2.
  const envelope = sealEnvelope({ ...options, version: 1 });
  const v2 = sealLinked({ ...options, prev: s.from_hex(i.prev) });
  const relayPair = relayPracticeKeyPair(key);
  return {
    memberPublicKey: toHex(member.publicKey),
    devicePublicKey: toHex(device.publicKey),
    contentKey: toHex(deriveSubkey(key, 'content')),
    roomKey: toHex(deriveSubkey(key, 'room')),
    capability: toHex(deriveSubkey(key, 'capability')),
    webrtcPassword: toHex(deriveSubkey(key, 'webrtc')),
    roomId: roomId(key, s.from_hex(i.docId), i.generation),
    envelope: toHex(envelope),
    envelopeV2: toHex(v2.envelope),
    envelopeV2Link: toHex(v2.link),
    recoveryKeyForDocumentKeyBytes: formatRecoveryKey(key),
    rotatedChartKeyWithDocumentKeyAsClinical: toHex(
      rotatedChartKey({ clinicalKey: key, docId: s.from_hex(i.docId), chartEpoch: i.epoch }),
    ),
    pairingSasWithDocumentKeyAsSecret: pairingSas(key, {
      member: member.publicKey,
      memberBox: s.crypto_box_seed_keypair(s.from_hex(i.memberSeed)).publicKey,
      device: device.publicKey,
      deviceBox: s.crypto_box_seed_keypair(s.from_hex(i.deviceSeed)).publicKey,
      name: i.payload,
      deviceName: i.kind,
    }),
    relayPracticeIdWithDocumentKeyAsPracticeKey: relayPracticeId(relayPair),
    relayProofWithDocumentKeyAsPracticeKey: relayProof(relayPair, i.issuedAtMs),
  };
}

if (process.argv[1]?.endsWith('vectors.ts')) {
  computeVectors().then((v) =>
    console.log(JSON.stringify({ inputs: VECTOR_INPUTS, outputs: v }, null, 2)),
  );
}
