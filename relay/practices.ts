/**
 * Practices at the relay (issue 11 item 7; docs/spec/envelope.md §12). Creating a room, opening a
 * pairing mailbox and creating a share link each need a practice proof: a fresh signature by the
 * key every device of one practice derives from its practice key. The first proof the relay sees
 * from a practice registers it (trust on first use), at most `registrationBurst` at once and
 * `registrationsPerHour` after that from one client address; an operator who lists practice ids
 * (FOLIO_PRACTICES) admits those alone. Each practice's rooms share one storage quota.
 *
 * What this does not do: tell members of one practice apart (the relay must not learn who they
 * are), or shut out a removed device, which still holds the first practice key (THREAT_MODEL.md).
 */
import type { Logger } from './log.ts';
import { checkProof, DEFAULT_PROOF_WINDOW, type ProofWindow } from './practice-proof.ts';
import type { RoomStore } from './store.ts';
import { limit, type SharedLimits } from './shared-limits.ts';

export const PRACTICE_ID = /^[0-9a-f]{64}$/;

export interface PracticeLimits {
  /** Practices one client address may register in a burst, and per hour after it. */
  registrationBurst: number;
  registrationsPerHour: number;
  /** Bytes one practice's rooms may occupy in all (each room also costs ROOM_OVERHEAD_BYTES). */
  quotaBytes: number;
  /** When set, only these practice ids are admitted (FOLIO_PRACTICES). */
  allow?: readonly string[];
  window: ProofWindow;
}

export const DEFAULT_PRACTICE_LIMITS: PracticeLimits = {
  registrationBurst: 10,
  registrationsPerHour: 10,
  // 20,000 charts of a few hundred KiB each, with room to grow.
  quotaBytes: 64 * 1024 ** 3,
  window: DEFAULT_PROOF_WINDOW,
};

/** Why a proof was not accepted; each is also the code the device is told. */
export type Refusal = 'practice-proof' | 'practice-not-admitted' | 'too-many-practices';

export type Admission = { ok: true; practice: string } | { ok: false; reason: Refusal };

export interface Practices {
  /**
   * Checks a proof and registers its practice when new (and allowed). Never rejects. Asynchronous
   * only for a new practice (the registration limit may be counted in Redis).
   */
  admit(proof: unknown, client: string): Admission | Promise<Admission>;
  /** True when `extra` more bytes keep the practice within its quota. */
  withinQuota(practice: string, extra: number): boolean;
}

export function createPractices(options: {
  store: Pick<RoomStore, 'hasPractice' | 'addPractice' | 'practiceBytes'>;
  log: Logger;
  limits?: Partial<PracticeLimits>;
  now?: () => number;
  /** Several relay processes (FOLIO_REDIS_URL): registrations counted across them. */
  shared?: SharedLimits;
}): Practices {
  const { store, log } = options;
  const limits = { ...DEFAULT_PRACTICE_LIMITS, ...options.limits };
  const now = options.now ?? Date.now;
  const registrations = limit(
    'practice.register',
    () => ({
      burst: limits.registrationBurst,
      perInterval: limits.registrationsPerHour,
      intervalMs: 3600_000,
    }),
    options.shared,
    now,
  );
  const register = async (practice: string, client: string): Promise<Admission> => {
    if ((await registrations.take(client)) > 0) {
      return refuse('too-many-practices', 'registration-rate');
    }
    store.addPractice(practice);
    log('info', 'practice.registered');
    return { ok: true, practice };
  };
  const refuse = (reason: Refusal, detail: string): Admission => {
    log('warn', 'practice.refused', { reason: detail });
    return { ok: false, reason };
  };
  return {
    admit(proof, client) {
      const checked = checkProof(proof, now(), limits.window);
      if (!checked.ok) return refuse('practice-proof', checked.reason);
      const { practice } = checked;
      if (limits.allow && !limits.allow.includes(practice)) {
        return refuse('practice-not-admitted', 'not-listed');
      }
      if (!store.hasPractice(practice)) return register(practice, client);
      return { ok: true, practice };
    },
    withinQuota(practice, extra) {
      return store.practiceBytes(practice) + extra <= limits.quotaBytes;
    },
  };
}

/** The header HTTP endpoints read a practice proof from. */
export const PROOF_HEADER = 'x-folio-practice';

/** An HTTP answer for a refused proof: status and a sentence for the device to show. */
export function refusalAnswer(reason: Refusal): { status: number; message: string } {
  switch (reason) {
    case 'practice-proof':
      return {
        status: 403,
        message:
          "The relay did not accept this practice's proof; check this device's date and time",
      };
    case 'practice-not-admitted':
      return {
        status: 403,
        message:
          "This relay admits only the practices its operator lists; ask them to add this practice's relay id (Settings)",
      };
    case 'too-many-practices':
      return { status: 429, message: 'Too many new practices from this address; try again later' };
  }
}
