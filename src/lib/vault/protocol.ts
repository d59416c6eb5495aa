/**
 * The message protocol between the page (client.ts) and the vault Worker (vault.worker.ts).
 * Requests name a method of VaultApi; results are structured-cloned summaries, never keys. The
 * Worker answers each through its entry in VAULT_HANDLERS (dispatch.ts), which tsc checks
 * against VaultApi.
 */
import type { EnvelopeKind, MemberList, Refusal } from '$lib/crypto';
import type { Role, SlotSummary } from './records';
import type {
  BackupSlot,
  GrantJson,
  NewEpochs,
  OpenResult,
  RecordsDigest,
  SessionSummary,
} from './service';

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
  setRelayUrl(input: { url: string | null }): SessionSummary;
  practiceIndex(): { docId: Uint8Array };
  createChartKey(): { docId: Uint8Array; epoch: number; wrappedKey: Uint8Array };
  loadChartKeys(input: {
    charts: { docId: Uint8Array; epoch: number; wrappedKey: Uint8Array }[];
  }): {
    loaded: number;
    failed: { docId: Uint8Array; code: string }[];
  };
  seal(input: { docId: Uint8Array; generation: number; kind: EnvelopeKind; payload: Uint8Array }): {
    envelope: Uint8Array;
    seq: number;
  };
  openMany(input: { envelopes: Uint8Array[] }): OpenResult[];
  exportBackup(input: RecordsDigest): BackupSlot;
  memberLists(): MemberList[];
  updateMemberLists(input: { lists: MemberList[] }): {
    version: number;
    changed: boolean;
    refused: Refusal[];
  };
  relayProof(): { proof: string; practice: string };
  roomFor(input: { docId: Uint8Array; generation: number }): {
    room: string;
    password: string;
    capability: string;
  };
  roomsFor(input: { docIds: Uint8Array[]; generation: number }): ({
    room: string;
    password: string;
    capability: string;
  } | null)[];
  catchUpState(): { state: Uint8Array | null };
  saveCatchUpState(input: { state: Uint8Array }): void;
  startPairing(): { secret: string; mailboxId: string; ownerSecret: string; ownerHash: string };
  openPairingRequest(input: { sealed: Uint8Array }): {
    name: string;
    deviceName: string;
    sas: string;
  };
  answerPairing(input: { role: Role }): { sealed: Uint8Array; session: SessionSummary };
  beginJoin(input: { secret: string; name: string; deviceName: string; passphrase: string }): {
    mailboxId: string;
    sealed: Uint8Array;
    sas: string;
  };
  completeJoin(input: { sealed: Uint8Array }): { recoveryKey: string; session: SessionSummary };
  restoreBackup(input: {
    slot: BackupSlot;
    recoveryKey: string;
    passphrase: string;
    records: RecordsDigest;
  }): SessionSummary;
  removeMember(input: { member: string; device?: string; lastSeqs?: Record<string, number> }): {
    lists: MemberList[];
    grants: GrantJson[];
  };
  activateRemoval(): SessionSummary;
  acceptRotation(input: { grants: GrantJson[]; lists?: MemberList[] }): {
    version: number;
    changed: boolean;
    removed: boolean;
    newEpochs: NewEpochs;
    refused: Refusal[];
  };
  rotateChartKey(input: { docId: Uint8Array }): { epoch: number; wrappedKey: Uint8Array };
  rotateChartKeyIfStale(input: { docId: Uint8Array }): {
    epoch: number;
    wrappedKey: Uint8Array;
  } | null;
}

export type VaultMethod = keyof VaultApi;

/** The params of a method as the page passes them (undefined for methods without). */
export type VaultParams<M extends VaultMethod> =
  Parameters<VaultApi[M]> extends [infer P] ? P : undefined;

export interface VaultRequest {
  id: number;
  method: VaultMethod;
  params: unknown;
}

export type VaultResponse =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: { code: string; message: string } };
