/**
 * UI state for the connection check page. The room and its secret travel only in the URL
 * fragment (never sent to a server); the relay sees an opaque topic.
 */
import { replaceState } from '$app/navigation';
import type { ConnectionCheck, PeerCounts } from '$lib/sync/connection-check';
import { signalingUrl } from '$lib/sync/signaling-url';
import { relayLocation } from './relay.svelte';

function randomId(bytes: number): string {
  const raw = crypto.getRandomValues(new Uint8Array(bytes));
  return Array.from(raw, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Reads `room` and `secret` from a fragment like `#room=…&secret=…`; null when absent. */
export function parseCheckFragment(hash: string): { room: string; secret: string } | null {
  // Read once, never observed: no reactivity needed.
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const room = params.get('room');
  const secret = params.get('secret');
  if (!room || !secret || !/^[0-9a-f]{16,64}$/.test(room) || secret.length < 16) return null;
  return { room, secret };
}

export class ConnectionCheckState {
  #check: ConnectionCheck | null = null;
  #counts = $state<PeerCounts>({ direct: 0, sameBrowser: 0, signaling: false });
  #message = $state('');
  #link = $state('');
  #error = $state('');

  get counts(): PeerCounts {
    return this.#counts;
  }
  get message(): string {
    return this.#message;
  }
  /** Link to open on another device to join this check. */
  get link(): string {
    return this.#link;
  }
  get error(): string {
    return this.#error;
  }
  get running(): boolean {
    return this.#link !== '';
  }

  /** Joins the room named by the fragment, or a new random one. */
  async start(fragment: string): Promise<void> {
    if (this.#check) return;
    const found = parseCheckFragment(fragment);
    const room = found?.room ?? randomId(16);
    const secret = found?.secret ?? randomId(16);
    try {
      const { startConnectionCheck } = await import('$lib/sync/connection-check');
      this.#check = startConnectionCheck({
        room,
        secret,
        signalingUrl: signalingUrl(relayLocation()),
      });
    } catch {
      this.#error = 'The connection check could not start in this browser.';
      return;
    }
    const check = this.#check;
    check.onChange(() => {
      this.#counts = check.counts();
      this.#message = check.message;
    });
    this.#link = `${location.origin}/diagnostics#room=${room}&secret=${secret}`;
    replaceState(`#room=${room}&secret=${secret}`, {});
  }

  send(text: string): void {
    this.#check?.send(text);
  }

  stop(): void {
    this.#check?.destroy();
    this.#check = null;
  }
}
