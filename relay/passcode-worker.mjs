// Argon2id off the relay's event loop (relay/passcode.ts): one libsodium instance per worker
// thread; each message {id, op: 'hash' | 'verify', passcode, hash?, ops, mem} is answered with
// {id, result} (a hash string, or whether the passcode matches).
import { parentPort } from 'node:worker_threads';
import sodiumModule from 'libsodium-wrappers-sumo';

const sodium = sodiumModule.default ?? sodiumModule;
await sodium.ready;

parentPort.on('message', ({ id, op, passcode, hash, ops, mem }) => {
  let result;
  try {
    result =
      op === 'hash'
        ? sodium.crypto_pwhash_str(passcode, ops, mem)
        : sodium.crypto_pwhash_str_verify(hash, passcode);
  } catch {
    result = op === 'hash' ? null : false;
  }
  parentPort.postMessage({ id, result });
});
