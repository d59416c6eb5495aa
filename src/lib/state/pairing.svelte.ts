/**
 * Pairing a device, both sides (docs/design.md §7): the admin opens a one-time mailbox on the relay
 * and shows a link (secret in the fragment) as text and QR code; the new device sends its sealed
 * public keys; both screens show the same short code; the admin confirms and the sealed answer
 * gives the new device its keys. The relay sees only a mailbox id and ciphertext.
 */
import { pairingFragment, shareableOrigins } from '$lib/sync/relay-address';
import { practice } from './practice.svelte';
import {
  joinRelay,
  relayEndpoint,
  relayOrigin,
  relayProof,
  relayPublicUrl,
  setRelay,
  useRelayForJoin,
} from './relay.svelte';
import { describeError, session } from './session.svelte';

const POLL_MS = 1000;

async function bytes(response: Response): Promise<Uint8Array> {
  return new Uint8Array(await response.arrayBuffer());
}

/** A readable message for a relay answer about a pairing link. */
function linkProblem(status: number): string {
  if (status === 404) return 'This pairing link is unknown or was already used. Ask for a new one.';
  if (status === 410) return 'This pairing link has expired. Ask for a new one.';
  if (status === 413) return 'The pairing message was too large.';
  return 'The relay could not be reached. Check the connection and try again.';
}

/** Why the relay would not open a mailbox: its own sentence for a refused practice. */
async function openProblem(res: Response): Promise<string> {
  if (res.status === 403 || res.status === 429) {
    const text = (await res.text().catch(() => '')).trim();
    if (text) return `${text}.`;
  }
  return linkProblem(res.status);
}

/**
 * The link a new device opens: this app, the one-time secret, and the relay when it is not this
 * app's own origin (ADR 0010). On a loopback page the app and relay are named by the public URL
 * the relay reports (FOLIO_PUBLIC_URL), since other devices cannot reach this one's loopback.
 */
export function pairingLink(secret: string, publicUrl: string | null = null): string {
  const { app, relay } = shareableOrigins(location.origin, relayOrigin(), publicUrl);
  return `${app}/pair#${pairingFragment(secret, relay, app)}`;
}

export class AdminPairing {
  #phase = $state<'idle' | 'waiting' | 'confirm' | 'done' | 'failed'>('idle');
  #link = $state('');
  #qr = $state('');
  #request = $state<{ name: string; deviceName: string; sas: string } | null>(null);
  #error = $state('');
  #mailbox = '';
  #owner = '';
  #timer: ReturnType<typeof setTimeout> | null = null;
  /** The confirm form; it starts empty for every device (#resetForm). */
  codesMatch = $state(false);
  role = $state<'' | 'admin' | 'clinician' | 'front-desk'>('');

  get phase() {
    return this.#phase;
  }
  get link() {
    return this.#link;
  }
  /** The link as an SVG QR code (data URL). */
  get qr() {
    return this.#qr;
  }
  get request() {
    return this.#request;
  }
  get error() {
    return this.#error;
  }

  async start(): Promise<void> {
    this.#error = '';
    this.#resetForm();
    try {
      const { secret, mailboxId, ownerSecret, ownerHash } =
        await session.vault.call('startPairing');
      const res = await fetch(relayEndpoint(`/pair/${mailboxId}`), {
        method: 'PUT',
        headers: { 'x-folio-practice': await relayProof() },
        body: JSON.stringify({ ownerHash }),
      });
      if (res.status !== 201) throw new Error(await openProblem(res));
      this.#mailbox = mailboxId;
      this.#owner = ownerSecret;
      this.#link = pairingLink(secret, await relayPublicUrl());
      const QRCode = await import('qrcode');
      const svg = await QRCode.toString(this.#link, {
        type: 'svg',
        errorCorrectionLevel: 'M',
        margin: 2,
      });
      this.#qr = `data:image/svg+xml;base64,${btoa(svg)}`;
      this.#phase = 'waiting';
      this.#poll();
    } catch (error) {
      this.#fail(error);
    }
  }

  #poll(): void {
    this.#timer = setTimeout(async () => {
      if (this.#phase !== 'waiting') return;
      try {
        const res = await fetch(relayEndpoint(`/pair/${this.#mailbox}/request`));
        if (res.status === 204) return this.#poll();
        if (res.status !== 200) throw new Error(linkProblem(res.status));
        this.#request = await session.vault.call('openPairingRequest', {
          sealed: await bytes(res),
        });
        this.#phase = 'confirm';
      } catch (error) {
        this.#fail(error);
      }
    }, POLL_MS);
  }

  /** The admin compared the codes and chose a role: trust the device and send its keys. */
  async confirm(role: 'admin' | 'clinician' | 'front-desk'): Promise<void> {
    try {
      const { sealed, session: updated } = await session.vault.call('answerPairing', { role });
      const res = await fetch(relayEndpoint(`/pair/${this.#mailbox}/response`), {
        method: 'POST',
        body: sealed as BufferSource,
        headers: { 'x-folio-owner': this.#owner },
      });
      if (res.status !== 204) throw new Error(linkProblem(res.status));
      session.updateSummary(updated);
      this.#resetForm();
      await practice.publishMembers();
      this.#phase = 'done';
    } catch (error) {
      this.#fail(error);
    }
  }

  cancel(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#phase = 'idle';
    this.#request = null;
    this.#link = this.#qr = '';
    this.#resetForm();
  }

  /** Nothing of one pairing carries over to the next: not the tick, not the role. */
  #resetForm(): void {
    this.codesMatch = false;
    this.role = '';
  }

  #fail(error: unknown): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#error =
      error instanceof Error && !('code' in error) ? error.message : describeError(error);
    this.#phase = 'failed';
  }
}

export class JoinPairing {
  #phase = $state<'form' | 'waiting' | 'failed'>('form');
  #sas = $state('');
  #error = $state('');
  #timer: ReturnType<typeof setTimeout> | null = null;

  get phase() {
    return this.#phase;
  }
  get sas() {
    return this.#sas;
  }
  get error() {
    return this.#error;
  }

  async begin(input: {
    secret: string;
    name: string;
    deviceName: string;
    passphrase: string;
  }): Promise<void> {
    this.#error = '';
    try {
      const { mailboxId, sealed, sas } = await session.vault.call('beginJoin', input);
      const res = await fetch(relayEndpoint(`/pair/${mailboxId}/request`), {
        method: 'POST',
        body: sealed as BufferSource,
      });
      if (res.status !== 204) throw new Error(linkProblem(res.status));
      this.#sas = sas;
      this.#phase = 'waiting';
      this.#poll(mailboxId);
    } catch (error) {
      this.#fail(error);
    }
  }

  #poll(mailboxId: string): void {
    this.#timer = setTimeout(async () => {
      try {
        const res = await fetch(relayEndpoint(`/pair/${mailboxId}/response`));
        if (res.status === 204) return this.#poll(mailboxId);
        if (res.status !== 200) throw new Error(linkProblem(res.status));
        const joined = await session.vault.call('completeJoin', { sealed: await bytes(res) });
        session.enterJoined(joined);
        // Keep using the relay the administrator's link named (sealed in this device's vault).
        const relay = joinRelay();
        if (relay) await setRelay(relay).catch(() => undefined);
        useRelayForJoin(null);
      } catch (error) {
        this.#fail(error);
      }
    }, POLL_MS);
  }

  #fail(error: unknown): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#error =
      error instanceof Error && !('code' in error) ? error.message : describeError(error);
    this.#phase = 'failed';
  }
}
