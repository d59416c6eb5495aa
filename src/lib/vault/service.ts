/**
 * The vault service: the only holder of keys. In the browser it runs inside the vault Worker
 * (vault.worker.ts); unit tests run it in Node over fake-indexeddb. The page talks to it through
 * messages (protocol.ts, dispatch.ts) and only ever receives summaries (names, fingerprints),
 * ciphertext and plaintext payloads it asked to open — never a key.
 *
 * This class is the one entry point; each job lives in its own module over a shared context
 * (context.ts): slots and unlocking (session.ts), the sequence counter (sequence.ts), members,
 * removal and rotation (members.ts, rotation.ts), high-water marks (marks.ts), pairing
 * (pairing.ts), backups (backup.ts) and sealed documents (documents.ts).
 */
import {
  DEFAULT_ARGON2,
  relayPracticeId,
  relayPracticeKeyPair,
  relayProof,
  type Argon2Params,
  type EnvelopeKind,
  type MemberList,
  type Refusal,
} from '$lib/crypto';
import { Backups, type BackupSlot } from './backup';
import { CatchUpStates } from './catch-up-state';
import type { RecordsDigest } from './backup-records';
import { localLock, VaultContext, type LockFn, type SessionSummary } from './context';
import { Documents, type ChartWrap, type OpenResult } from './documents';
import type { GrantJson } from './grants';
import { SeenMarks } from './marks';
import { Members } from './members';
import { Pairing } from './pairing';
import type { Role, SlotSummary } from './records';
import { nextSeq } from './sequence';
import type { NewEpochs } from './rotation';
import { Sessions } from './session';

export { RESTORE_SEQ_JUMP, type BackupSlot } from './backup';
export type { RecordsDigest } from './backup-records';
export { localLock, type LockFn, type SessionSummary } from './context';
export type { OpenResult } from './documents';
export { VaultError } from './errors';
export type { GrantJson } from './grants';
export { MIN_PASSPHRASE_LENGTH } from './input';
export { RotationError, type NewEpochs } from './rotation';
export { SEQ_BLOCK } from './sequence';

export class VaultService {
  readonly #ctx: VaultContext;
  readonly #sessions: Sessions;
  readonly #members: Members;
  readonly #pairing: Pairing;
  readonly #backups: Backups;
  readonly #documents: Documents;
  readonly #marks: SeenMarks;
  readonly #catchUp: CatchUpStates;
  readonly #now: () => number;

  constructor(options: {
    store: VaultContext['store'];
    lock?: LockFn;
    /** Argon2id limits for new and upgraded wraps (default: moderate). */
    params?: Argon2Params;
    sleep?: (ms: number) => Promise<void>;
    /** Delay before raised high-water marks are written (marks.ts; tests shorten it). */
    marksFlushMs?: number;
    /** The clock practice proofs are dated by (tests). */
    now?: () => number;
  }) {
    this.#now = options.now ?? Date.now;
    this.#ctx = new VaultContext({
      store: options.store,
      lock: options.lock ?? localLock(),
      params: options.params ?? DEFAULT_ARGON2,
    });
    const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    this.#marks = new SeenMarks(this.#ctx, options.marksFlushMs);
    this.#sessions = new Sessions(this.#ctx, sleep);
    this.#members = new Members(this.#ctx, this.#marks);
    this.#pairing = new Pairing(this.#ctx, this.#marks);
    this.#backups = new Backups(this.#ctx);
    this.#documents = new Documents(this.#ctx, this.#marks);
    this.#catchUp = new CatchUpStates(this.#ctx);
  }

  // ——— Slots and sessions (session.ts) ———

  /** Slots on this device (for the unlock screen) and whether one is unlocked. */
  status(): Promise<{ slots: SlotSummary[]; session: SessionSummary | null }> {
    return this.#sessions.status();
  }

  /** First run: the practice, its keys, this device and its first (admin) member. */
  createPractice(input: {
    practiceName: string;
    memberName: string;
    deviceName: string;
    passphrase: string;
  }): Promise<{ recoveryKey: string; session: SessionSummary }> {
    return this.#sessions.createPractice(input);
  }

  /** @throws CryptoError('wrong-passphrase'), VaultError('no-slot' | 'bad-input') */
  async unlock(input: { slotId: string; passphrase: string }): Promise<SessionSummary> {
    const summary = await this.#sessions.unlock(input);
    this.#pairing.cancel();
    return summary;
  }

  /** @throws CryptoError('bad-recovery-key' | 'wrong-recovery-key'), VaultError('no-slot') */
  async unlockWithRecovery(input: {
    slotId: string;
    recoveryKey: string;
  }): Promise<SessionSummary> {
    const summary = await this.#sessions.unlockWithRecovery(input);
    this.#pairing.cancel();
    return summary;
  }

  /** @throws CryptoError('wrong-passphrase'), VaultError('weak-passphrase' | 'locked') */
  changePassphrase(input: { current: string; next: string }): Promise<void> {
    return this.#sessions.changePassphrase(input);
  }

  /** @throws CryptoError('bad-recovery-key' | 'wrong-recovery-key'), VaultError */
  resetPassphrase(input: { recoveryKey: string; next: string }): Promise<void> {
    return this.#sessions.resetPassphrase(input);
  }

  /** @throws VaultError('bad-input' | 'locked') */
  setAutoLock(minutes: number): Promise<SessionSummary> {
    return this.#sessions.setAutoLock(minutes);
  }

  /** @throws VaultError('bad-input' | 'locked') */
  setRelayUrl(url: string | null): Promise<SessionSummary> {
    return this.#sessions.setRelayUrl(url);
  }

  /** Current delay before the next unlock attempt, in ms (for the UI). */
  get retryDelayMs(): number {
    return this.#sessions.retryDelayMs;
  }

  /** Forgets every key held in memory. (The Worker host then terminates itself.) */
  lock(): void {
    this.#pairing.cancel();
    this.#marks.cancel();
    this.#ctx.forget();
  }

  /** The next sequence number of the unlocked author; persisted before it is returned. */
  nextSeq(): Promise<number> {
    return nextSeq(this.#ctx, this.#ctx.require());
  }

  // ——— Members, removal and rotation (members.ts) ———

  /** Admin: another member (person) on this device. @throws VaultError */
  addMember(input: {
    name: string;
    role: Role;
    passphrase: string;
  }): Promise<{ recoveryKey: string; session: SessionSummary }> {
    return this.#members.addMember(input);
  }

  /** The member list chain this member holds, oldest first. */
  memberLists(): MemberList[] {
    return this.#members.memberLists();
  }

  /** Learns the member-list chain that verifies among candidates; junk is refused and counted. */
  updateMemberLists(input: {
    lists: MemberList[];
  }): Promise<{ version: number; changed: boolean; refused: Refusal[] }> {
    return this.#members.updateMemberLists(input);
  }

  /**
   * Admin: member list v+1 without a device (or a member with all its devices), each removed
   * device's last accepted seq recorded, and grants of new epoch keys to the remaining devices.
   * Publish both in the practice index, then call activateRemoval.
   * @throws VaultError('not-admin' | 'removed' | 'unknown-device' | 'self' | 'last-admin' |
   *   'bad-input' | 'locked')
   */
  removeMember(input: {
    member: string;
    device?: string;
    lastSeqs?: Record<string, number>;
  }): Promise<{ lists: MemberList[]; grants: GrantJson[] }> {
    return this.#members.removeMember(input);
  }

  /** Puts the prepared removal in force (after its grants were published). @throws VaultError */
  activateRemoval(): Promise<SessionSummary> {
    return this.#members.activateRemoval();
  }

  /**
   * Receives a rotation: member lists (optional; the chain that verifies, never rolled back),
   * then, independently, new epoch keys granted to this device, each (kind, epoch) on its own.
   * What does not verify is counted in `refused`. `removed` tells a device it was removed.
   */
  acceptRotation(input: { grants: GrantJson[]; lists?: MemberList[] }): Promise<{
    version: number;
    changed: boolean;
    removed: boolean;
    newEpochs: NewEpochs;
    refused: Refusal[];
  }> {
    return this.#members.acceptRotation(input);
  }

  // ——— Pairing (pairing.ts) ———

  /** Admin: opens a pairing. @throws VaultError('not-admin' | 'locked') */
  startPairing(): { secret: string; mailboxId: string; ownerSecret: string; ownerHash: string } {
    return this.#pairing.startPairing();
  }

  /** Admin: the new device's request and the short code. @throws CryptoError, VaultError */
  openPairingRequest(input: { sealed: Uint8Array }): {
    name: string;
    deviceName: string;
    sas: string;
  } {
    return this.#pairing.openPairingRequest(input);
  }

  /** Admin: adds the device and seals keys to it. @throws VaultError */
  answerPairing(input: { role: Role }): Promise<{ sealed: Uint8Array; session: SessionSummary }> {
    return this.#pairing.answerPairing(input);
  }

  /** New device: its keys and sealed request. @throws VaultError */
  beginJoin(input: {
    secret: string;
    name: string;
    deviceName: string;
    passphrase: string;
  }): Promise<{ mailboxId: string; sealed: Uint8Array; sas: string }> {
    return this.#pairing.beginJoin(input);
  }

  /** New device: verifies the answer and creates its slot. @throws CryptoError, VaultError */
  completeJoin(input: {
    sealed: Uint8Array;
  }): Promise<{ recoveryKey: string; session: SessionSummary }> {
    return this.#pairing.completeJoin(input);
  }

  // ——— Backups (backup.ts) ———

  /**
   * The unlocked member's slot for an encrypted backup, sealing the digest of the file's records.
   * @throws VaultError('locked' | 'bad-input')
   */
  exportBackup(input: RecordsDigest): Promise<BackupSlot> {
    return this.#backups.exportBackup(input);
  }

  /** Restores a backup slot on an empty device. @throws VaultError, CryptoError */
  async restoreBackup(input: {
    slot: BackupSlot;
    recoveryKey: string;
    passphrase: string;
    records: RecordsDigest;
  }): Promise<SessionSummary> {
    const summary = await this.#backups.restoreBackup(input);
    this.#pairing.cancel();
    return summary;
  }

  // ——— Sealed documents (documents.ts) ———

  /** The practice index document's id. */
  practiceIndex(): { docId: Uint8Array } {
    return this.#documents.practiceIndex();
  }

  /** A new chart id and key, wrapped for the index. @throws VaultError('no-clinical-key') */
  createChartKey(): ChartWrap {
    return this.#documents.createChartKey();
  }

  /** Unwraps chart keys from the practice index; reports the ones that cannot be opened. */
  loadChartKeys(input: { charts: ChartWrap[] }): {
    loaded: number;
    failed: { docId: Uint8Array; code: string }[];
  } {
    return this.#documents.loadChartKeys(input);
  }

  /** Seals under the document's newest epoch. @throws CryptoError('unknown-key'), VaultError */
  seal(input: {
    docId: Uint8Array;
    generation: number;
    kind: EnvelopeKind;
    payload: Uint8Array;
  }): Promise<{ envelope: Uint8Array; seq: number }> {
    return this.#documents.seal(input);
  }

  /** Opens and verifies envelopes; never throws for a bad one. */
  openMany(input: { envelopes: Uint8Array[] }): OpenResult[] {
    return this.#documents.openMany(input);
  }

  /**
   * A new chart key at the chart's next epoch, wrapped under the newest clinical key and loaded.
   * @throws VaultError('no-clinical-key' | 'bad-input'), CryptoError('unknown-key')
   */
  rotateChartKey(input: { docId: Uint8Array }): { epoch: number; wrappedKey: Uint8Array } {
    return this.#documents.rotateChartKey(input);
  }

  /** A new chart key when the chart's newest one predates the newest clinical key, else null. */
  rotateChartKeyIfStale(input: {
    docId: Uint8Array;
  }): { epoch: number; wrappedKey: Uint8Array } | null {
    return this.#documents.rotateChartKeyIfStale(input);
  }

  /**
   * A practice proof for the relay, dated now, and the practice's relay id (what an operator lists
   * in FOLIO_PRACTICES): signed by the pair every device derives from the practice's first key
   * (docs/spec/envelope.md §12). @throws VaultError('locked')
   */
  relayProof(): { proof: string; practice: string } {
    const { keyring } = this.#ctx.require();
    const first = keyring.practice.keys.reduce((a, b) => (b.epoch < a.epoch ? b : a));
    const pair = relayPracticeKeyPair(first.key);
    return { proof: relayProof(pair, this.#now()), practice: relayPracticeId(pair) };
  }

  /** Room id, WebRTC password and relay capability (lowest epoch). @throws CryptoError('unknown-key') */
  roomFor(input: { docId: Uint8Array; generation: number }): {
    room: string;
    password: string;
    capability: string;
  } {
    return this.#documents.roomFor(input);
  }

  /**
   * The rooms of many documents in one call (catch-up over every chart): null for a document
   * whose key this session does not hold.
   */
  roomsFor(input: { docIds: Uint8Array[]; generation: number }): ({
    room: string;
    password: string;
    capability: string;
  } | null)[] {
    return this.#documents.roomsFor(input);
  }

  /**
   * Catch-up's state kept between sessions (opaque bytes, stored sealed; catch-up-state.ts), or
   * null. @throws VaultError('locked')
   */
  catchUpState(): Promise<{ state: Uint8Array | null }> {
    return this.#catchUp.load();
  }

  /** Keeps catch-up's state, sealed under the vault key. @throws VaultError('locked' | 'bad-input') */
  saveCatchUpState(input: { state: Uint8Array }): Promise<void> {
    return this.#catchUp.save(input);
  }
}
