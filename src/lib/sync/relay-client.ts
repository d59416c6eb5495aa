/**
 * Store-and-forward through the relay (docs/design.md §6): every room of this device is multiplexed
 * over ONE WebSocket (Hocuspocus providers attached to a shared socket). Each room presents its
 * capability and a practice proof (`<capability>.<proof>`, docs/spec/envelope.md §12), asked for
 * afresh at every authentication; the relay stores only the transport document's ciphertext.
 */
import { HocuspocusProvider, HocuspocusProviderWebsocket } from '@hocuspocus/provider';
import type { TransportDoc } from '../crdt/transport-doc';
import { presenceOver, type PresenceChannel } from './presence';
import { RELAY_REFUSALS } from './relay-refusals';

let socket: HocuspocusProviderWebsocket | null = null;
const socketListeners = new Set<(open: boolean) => void>();

function shared(url: string): HocuspocusProviderWebsocket {
  if (socket) return socket;
  socket = new HocuspocusProviderWebsocket({ url });
  socket.on('open', () => socketListeners.forEach((l) => l(true)));
  socket.on('close', () => socketListeners.forEach((l) => l(false)));
  return socket;
}

/** Listens for the shared relay socket opening (true) and closing (false). */
export function onRelaySocket(listener: (open: boolean) => void): () => void {
  socketListeners.add(listener);
  return () => socketListeners.delete(listener);
}

/**
 * Closes (false) or reopens (true) the device's relay socket. The browser's offline event comes
 * long before a dead TCP connection is noticed; while offline nothing is sent or received.
 */
export function setRelayOnline(online: boolean): void {
  if (!socket) return;
  if (online) socket.connect().catch(() => undefined);
  else socket.disconnect();
}

export { RELAY_REFUSALS } from './relay-refusals';

export interface RelayRoom extends PresenceChannel {
  /** True once the relay holds everything this device offered in the room. */
  synced(): boolean;
  /** The code the relay gave when it last closed this room for a refusal, or null. */
  refusal(): string | null;
  onChange(listener: () => void): () => void;
  destroy(): void;
}

const NO_PRESENCE: PresenceChannel = {
  setPresence: () => undefined,
  presence: () => [],
  onPresence: () => () => undefined,
};

export function attachRelayRoom(options: {
  url: string;
  room: string;
  capability: string;
  /** A current practice proof (lib/sync/relay-proofs.ts). */
  proof: () => Promise<string>;
  transport: TransportDoc;
  /** A socket of one's own (Node tests); by default the device's one shared socket. */
  socket?: HocuspocusProviderWebsocket;
  /**
   * False for short-lived catch-up rooms: no awareness channel, so one message fewer per room
   * (the long-lived rooms' awareness keeps the shared socket alive — PLATFORM.md).
   */
  presence?: boolean;
}): RelayRoom {
  const presence = options.presence ?? true;
  const provider = new HocuspocusProvider({
    websocketProvider: options.socket ?? shared(options.url),
    name: options.room,
    document: options.transport.ydoc,
    token: async () => `${options.capability}.${await options.proof()}`,
    ...(presence ? {} : { awareness: null }),
  });
  // The awareness channel keeps the shared socket alive; it carries at most sealed presence.
  provider.awareness?.setLocalState({});
  (provider as unknown as { attach?: () => void }).attach?.();
  const listeners = new Set<() => void>();
  const notify = () => listeners.forEach((l) => l());
  provider.on('synced', notify);
  provider.on('status', notify);
  provider.on('unsyncedChanges', notify);
  let refused: string | null = null;
  provider.on('close', ({ event }: { event?: { reason?: unknown } }) => {
    const reason = typeof event?.reason === 'string' ? event.reason : '';
    if (reason in RELAY_REFUSALS) {
      refused = reason;
      notify();
    }
  });
  // Refused at authentication (e.g. the relay did not accept the practice proof).
  provider.on('authenticationFailed', ({ reason }: { reason?: unknown }) => {
    if (typeof reason === 'string' && reason in RELAY_REFUSALS) {
      refused = reason;
      notify();
    }
  });
  provider.on('synced', () => {
    if (refused !== null && !provider.hasUnsyncedChanges) {
      refused = null;
      notify();
    }
  });
  return {
    synced: () => provider.isSynced && !provider.hasUnsyncedChanges,
    refusal: () => refused,
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    ...(provider.awareness ? presenceOver(provider.awareness) : NO_PRESENCE),
    destroy() {
      listeners.clear();
      provider.destroy();
    },
  };
}
