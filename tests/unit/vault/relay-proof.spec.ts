/**
 * The practice proof (docs/spec/envelope.md §12) as the vault issues it: every device of one
 * practice, whatever its role and whenever it joined, proves the same practice id; the relay's own
 * verifier (Node's Ed25519, relay/practice-proof.ts) accepts what libsodium signed.
 */
import { expect, it } from 'vitest';
import { checkProof } from '../../../relay/practice-proof.ts';
import { errorCode, foundingAdmin, member, pair, practice, vault } from './helpers.ts';

it('every device of a practice proves one practice id; another practice proves another', async () => {
  const { a, b, f } = await practice();
  const proofs = [a, b, f].map((v) => v.relayProof());
  expect(new Set(proofs.map((p) => p.practice)).size).toBe(1);
  for (const { proof, practice: id } of proofs) {
    const checked = checkProof(proof, Date.now());
    expect(checked).toMatchObject({ ok: true, practice: id });
  }
  const other = (await foundingAdmin()).relayProof();
  expect(other.practice).not.toBe(proofs[0]!.practice);
});

it('a device paired after a removal (new epoch keys) still proves the same practice id', async () => {
  const { a, c } = await practice();
  const before = a.relayProof().practice;
  const cy = await member(a, 'Cy');
  await a.removeMember({ member: cy.member, device: cy.device });
  await a.activateRemoval();
  const d = await pair(a, 'Dee', 'clinician');
  expect(d.v.relayProof().practice).toBe(before);
  // What stays true of a removed device (THREAT_MODEL.md): it still holds the first practice key.
  expect(c.relayProof().practice).toBe(before);
});

it('dates each proof by the vault clock, and a locked vault issues none', async () => {
  const { v } = await vault();
  expect(await errorCode(Promise.resolve().then(() => v.relayProof()))).toBe('locked');
  const a = await foundingAdmin();
  const { proof } = a.relayProof();
  const now = Date.now();
  expect(checkProof(proof, now + 2 * 3600_000)).toEqual({ ok: false, reason: 'stale' });
  expect(checkProof(proof, now - 3600_000)).toEqual({ ok: false, reason: 'future' });
});
