/** lib/crypto: libsodium only; no DOM, Svelte or Yjs. Bytes in, bytes out. */
export * from './bytes';
export * from './chain';
export * from './envelope';
export * from './errors';
export * from './keys';
export * from './member-list';
export * from './pairing';
export * from './recovery-key';
export * from './relay-proof';
export * from './sodium';
export * from './vault';
