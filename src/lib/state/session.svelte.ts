/**
 * The session manager: first run, unlock, lock and the member's security settings. It talks to
 * the vault Worker (which holds every key) and keeps only summaries. Locking terminates the
 * Worker and reloads the page, so no key or decrypted string survives in this page
 * (docs/design.md §4). Idle for `autoLockMinutes` → lock.
 */
import { VaultCallError, VaultClient } from '$lib/vault/client';
import { isViewerPath, VIEWER_REFUSAL, workerNameFor } from '$lib/vault/viewer-guard';
import type { SlotSummary } from '$lib/vault/records';
import type { BackupSlot, RecordsDigest, SessionSummary } from '$lib/vault/service';
import type { Role } from '$lib/vault/records';
import type { SealingPort, Signer } from '$lib/crdt/sealed-doc';

export type Phase = 'loading' | 'setup' | 'locked' | 'unlocked' | 'failed';

// The sentences live in user-messages.ts; re-exported for callers not yet moved there.
export { describeError } from './user-messages';

const ACTIVITY_EVENTS = ['pointerdown', 'keydown', 'wheel', 'touchstart'] as const;

/**
 * Where this document was loaded. A page loaded as the share-link viewer (/view, looser CSP)
 * never unlocks: its vault Worker refuses (vault/viewer-guard.ts) and so does #enter.
 */
export const loadedAt: string = typeof location === 'undefined' ? '/' : location.pathname;
export const loadedAsViewer: boolean = isViewerPath(loadedAt);

class SessionManager {
  #client = new VaultClient({ workerName: workerNameFor(loadedAt) });
  #phase = $state<Phase>('loading');
  #slots = $state<SlotSummary[]>([]);
  #session = $state<SessionSummary | null>(null);
  #pendingRecoveryKey = $state<string | null>(null);
  #retryDelayMs = $state(0);
  #idleTimer: ReturnType<typeof setTimeout> | null = null;
  #started = false;

  get phase(): Phase {
    return this.#phase;
  }
  get slots(): SlotSummary[] {
    return this.#slots;
  }
  get session(): SessionSummary | null {
    return this.#session;
  }
  /** A recovery key to show once (after setup or adding a member), until acknowledged. */
  get pendingRecoveryKey(): string | null {
    return this.#pendingRecoveryKey;
  }
  /** How long the vault will wait before checking the next unlock attempt. */
  get retryDelayMs(): number {
    return this.#retryDelayMs;
  }

  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    try {
      const status = await this.#client.call('status');
      this.#slots = status.slots;
      this.#phase = status.slots.length === 0 ? 'setup' : 'locked';
    } catch {
      this.#phase = 'failed';
    }
  }

  async createPractice(input: {
    practiceName: string;
    memberName: string;
    deviceName: string;
    passphrase: string;
  }): Promise<void> {
    const { recoveryKey, session } = await this.#client.call('createPractice', input);
    this.#pendingRecoveryKey = recoveryKey;
    this.#session = session;
  }

  /** The user confirmed they saved the recovery key: forget it and enter the app. */
  acknowledgeRecoveryKey(): void {
    this.#pendingRecoveryKey = null;
    if (this.#session) this.#enter(this.#session);
  }

  async unlock(slotId: string, passphrase: string): Promise<void> {
    try {
      this.#enter(await this.#client.call('unlock', { slotId, passphrase }));
    } catch (error) {
      await this.#refreshDelay();
      throw error;
    }
  }

  async unlockWithRecovery(slotId: string, recoveryKey: string): Promise<void> {
    try {
      this.#enter(await this.#client.call('unlockWithRecovery', { slotId, recoveryKey }));
    } catch (error) {
      await this.#refreshDelay();
      throw error;
    }
  }

  async changePassphrase(current: string, next: string): Promise<void> {
    await this.#client.call('changePassphrase', { current, next });
  }

  async resetPassphrase(recoveryKey: string, next: string): Promise<void> {
    await this.#client.call('resetPassphrase', { recoveryKey, next });
  }

  async addMember(input: { name: string; role: Role; passphrase: string }): Promise<void> {
    const { recoveryKey, session } = await this.#client.call('addMember', input);
    this.#session = session;
    this.#pendingRecoveryKey = recoveryKey;
  }

  async setAutoLock(minutes: number): Promise<void> {
    this.#session = await this.#client.call('setAutoLock', { minutes });
    this.#armIdleTimer();
  }

  /** Sealing through the vault Worker, for lib/crdt documents. */
  readonly port: SealingPort = {
    seal: (input) => this.#client.call('seal', input),
    openMany: (envelopes) => this.#client.call('openMany', { envelopes }),
  };

  /** Raw vault calls for other managers in lib/state (never exposed to the UI). */
  get vault(): VaultClient {
    return this.#client;
  }

  /** The unlocked member as a signer (public keys). */
  get self(): Signer | null {
    const s = this.#session;
    return s ? { member: s.memberKey, device: s.deviceKey, memberName: s.memberName } : null;
  }

  readonly #beforeLock = new Set<() => Promise<void>>();

  /** Registers work to finish before locking (flushing unsaved edits); returns an unregister. */
  beforeLock(hook: () => Promise<void>): () => void {
    this.#beforeLock.add(hook);
    return () => this.#beforeLock.delete(hook);
  }

  /** Runs every flush hook (before a backup). */
  async flushAll(): Promise<void> {
    await Promise.allSettled([...this.#beforeLock].map((hook) => hook()));
  }

  #restored: SessionSummary | null = null;

  /** Restores a backup's slot (fresh profile only); `enterAfterRestore` opens the app. */
  async restore(
    slot: BackupSlot,
    recoveryKey: string,
    passphrase: string,
    records: RecordsDigest,
  ): Promise<void> {
    this.#restored = await this.#client.call('restoreBackup', {
      slot,
      recoveryKey,
      passphrase,
      records,
    });
  }

  /** A device that just joined through pairing: show its recovery key, then enter. */
  enterJoined(joined: { recoveryKey: string; session: SessionSummary }): void {
    this.#slots = [{ slotId: joined.session.slotId, label: joined.session.memberName }];
    this.#session = joined.session;
    this.#pendingRecoveryKey = joined.recoveryKey;
  }

  /** Replaces the summary after the vault changed it (e.g. a device was paired). */
  updateSummary(summary: SessionSummary): void {
    this.#session = summary;
  }

  enterAfterRestore(): void {
    if (!this.#restored) return;
    this.#slots = [{ slotId: this.#restored.slotId, label: this.#restored.memberName }];
    this.#enter(this.#restored);
    this.#restored = null;
  }

  /** Locks now: pending edits are flushed (≤ 2 s), then the Worker and its keys are discarded and the page reloads. */
  async lock(): Promise<void> {
    await Promise.race([this.flushAll(), new Promise((r) => setTimeout(r, 2000))]);
    this.#client.terminate();
    this.#session = null;
    location.reload();
  }

  /** @throws VaultCallError('viewer-page') on a page loaded as /view (the Worker is ended). */
  #enter(session: SessionSummary): void {
    if (loadedAsViewer) {
      this.#client.terminate();
      throw new VaultCallError('viewer-page', VIEWER_REFUSAL);
    }
    this.#session = session;
    this.#retryDelayMs = 0;
    this.#phase = 'unlocked';
    for (const type of ACTIVITY_EVENTS) addEventListener(type, this.#onActivity, { passive: true });
    this.#armIdleTimer();
  }

  readonly #onActivity = () => this.#armIdleTimer();

  #armIdleTimer(): void {
    if (this.#idleTimer) clearTimeout(this.#idleTimer);
    const minutes = this.#session?.autoLockMinutes;
    if (!minutes) return;
    this.#idleTimer = setTimeout(() => void this.lock(), minutes * 60_000);
  }

  async #refreshDelay(): Promise<void> {
    try {
      this.#retryDelayMs = (await this.#client.call('status')).retryDelayMs;
    } catch {
      this.#retryDelayMs = 0;
    }
  }
}

export const session = new SessionManager();
