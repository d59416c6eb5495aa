/**
 * The codes a relay gives when it closes or refuses a room (relay/sync.ts, relay/practices.ts),
 * in words for the sync status. Kept apart from relay-client.ts so the status can name them without loading the
 * relay client (and Hocuspocus) before it is needed.
 */
export const RELAY_REFUSALS: Readonly<Record<string, string>> = {
  'quota-exceeded':
    "the relay's storage for an open document is full: its changes stay on this device and reach others only over direct connections",
  'append-only': 'the relay refused a change from this device as not append-only',
  'storage-failed':
    "the relay could not store this device's changes (its disk may be full): they stay on this device and are offered again",
  'practice-proof':
    "the relay did not accept this practice's proof: check this device's date and time",
  'practice-not-admitted':
    "the relay admits only the practices its operator lists: ask them to add this practice's relay id (Settings)",
  'too-many-practices':
    'the relay is not taking new practices from this network for now: sync will retry',
};
