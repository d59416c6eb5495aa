/**
 * The codes a relay gives when it closes a room for a refusal (relay/sync.ts), in words for the
 * sync status. Kept apart from relay-client.ts so the status can name them without loading the
 * relay client (and Hocuspocus) before it is needed.
 */
export const RELAY_REFUSALS: Readonly<Record<string, string>> = {
  'quota-exceeded':
    "the relay's storage for an open document is full: its changes stay on this device and reach others only over direct connections",
  'append-only': 'the relay refused a change from this device as not append-only',
};
