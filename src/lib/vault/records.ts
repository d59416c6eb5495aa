/**
 * What the vault stores on a device (IndexedDB, via store.ts). Only wrapped keys and ciphertext;
 * the one clear field is the member's display label, so the unlock screen can offer a choice of
 * member on a shared device (staff names, never patient data; THREAT_MODEL.md).
 */
import type { LocalBox, PassphraseWrap, RecoveryWrap } from '$lib/crypto';

export type Role = 'admin' | 'clinician' | 'front-desk';

/** One member's wraps and keyring on this device. */
export interface SlotRecord {
  v: 1;
  /** Random, opaque id of this slot (base64url). */
  slotId: string;
  /** Display name shown on the unlock screen. */
  label: string;
  passphrase: PassphraseWrap;
  recovery: RecoveryWrap;
  /** The member's keyring (keyring.ts), sealed under the vault key: purpose "keyring:<slotId>". */
  keyring: LocalBox;
}

/** The member's per-author sequence high-water mark, sealed: purpose "seq:<slotId>". */
export interface CounterRecord {
  v: 1;
  slotId: string;
  box: LocalBox;
}

/**
 * The highest seq this member has verified from each author device, sealed: purpose
 * "marks:<slotId>", JSON `{"<member>:<device>": seq}`. An admin records it as a removed device's
 * last accepted seq (docs/adr/0006).
 */
export interface MarksRecord {
  v: 1;
  slotId: string;
  box: LocalBox;
}

/**
 * Catch-up's state between sessions (lib/sync/catch-up-state.ts: relay, cursor, local log
 * position, documents due and done), opaque bytes to the vault, sealed: purpose
 * "catch-up:<slotId>".
 */
export interface CatchUpRecord {
  v: 1;
  slotId: string;
  box: LocalBox;
}

/** Public facts about a slot, for the unlock screen. */
export interface SlotSummary {
  slotId: string;
  label: string;
}
