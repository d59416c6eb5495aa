/**
 * The message protocol between the page (client.ts) and the vault Worker (vault.worker.ts).
 * Requests name a method of VaultService; results are structured-cloned summaries, never keys.
 */
import type { EnvelopeKind } from '$lib/crypto';
import type { Role, SlotSummary } from './records';
import type { SessionSummary } from './service';

export interface VaultApi {
  status(): { slots: SlotSummary[]; session: SessionSummary | null; retryDelayMs: number };
  createPractice(input: {
    practiceName: string;
    memberName: string;
    deviceName: string;
    passphrase: string;
  }): { recoveryKey: string; session: SessionSummary };
  addMember(input: { name: string; role: Role; passphrase: string }): {
    recoveryKey: string;
    session: SessionSummary;
  };
  unlock(input: { slotId: string; passphrase: string }): SessionSummary;
  unlockWithRecovery(input: { slotId: string; recoveryKey: string }): SessionSummary;
  changePassphrase(input: { current: string; next: string }): void;
  resetPassphrase(input: { recoveryKey: string; next: string }): void;
  setAutoLock(input: { minutes: number }): SessionSummary;
  sealPractice(input: { kind: EnvelopeKind; generation: number; payload: Uint8Array }): Uint8Array;
  openPractice(input: { envelope: Uint8Array }): {
    payload: Uint8Array;
    seq: number;
    author: { memberName: string; memberFingerprint: string; deviceFingerprint: string };
  };
}

export type VaultMethod = keyof VaultApi;

export const VAULT_METHODS: readonly VaultMethod[] = [
  'status',
  'createPractice',
  'addMember',
  'unlock',
  'unlockWithRecovery',
  'changePassphrase',
  'resetPassphrase',
  'setAutoLock',
  'sealPractice',
  'openPractice',
];

export interface VaultRequest {
  id: number;
  method: VaultMethod;
  params: unknown;
}

export type VaultResponse =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: { code: string; message: string } };
