/**
 * Share-link passcodes (docs/design.md §8): the relay keeps only an Argon2id hash (libsodium's
 * crypto_pwhash_str, encoded with its parameters and salt). Parameters follow OWASP's minimum
 * for Argon2id (t = 2, m = 19 MiB): a passcode is already bounded by a lifetime cap on failed
 * attempts, so the hash only has to resist an offline attack on a stolen database.
 *
 * Hashing runs in worker threads (passcode-worker.mjs), never on the event loop: one Argon2id
 * takes tens to hundreds of milliseconds, which would stall every other request. At most two
 * run at once (one worker per spare core, at most two, created on first use and kept idle,
 * unref'd), so a burst of guesses cannot exhaust the relay's memory or starve the event loop of
 * CPU; the rest wait their turn.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

export const PASSCODE_OPS = 2;
export const PASSCODE_MEM = 19 * 1024 * 1024;
/** Leaves a core to the event loop: one worker on two cores, two from three. */
const WORKERS = Math.max(1, Math.min(2, availableParallelism() - 1));

type Job = { op: 'hash' | 'verify'; passcode: string; hash?: string };
interface Slot {
  worker: Worker;
  busy: boolean;
}

const slots: Slot[] = [];
const waiting: (() => void)[] = [];
const answers = new Map<number, (result: unknown) => void>();
let nextId = 0;

function spawn(): Slot {
  const worker = new Worker(new URL('./passcode-worker.mjs', import.meta.url));
  worker.unref();
  worker.on('message', ({ id, result }: { id: number; result: unknown }) => {
    answers.get(id)?.(result);
    answers.delete(id);
  });
  const slot: Slot = { worker, busy: false };
  worker.on('error', () => {
    // A crashed worker is replaced on next use; its pending job fails closed.
    slots.splice(slots.indexOf(slot), 1);
    for (const [id, answer] of answers) {
      answer(null);
      answers.delete(id);
    }
  });
  return slot;
}

async function run(job: Job): Promise<unknown> {
  let slot = slots.find((s) => !s.busy);
  while (!slot && slots.length >= WORKERS) {
    await new Promise<void>((resolve) => waiting.push(resolve));
    slot = slots.find((s) => !s.busy);
  }
  if (!slot) {
    slot = spawn();
    slots.push(slot);
  }
  slot.busy = true;
  const id = nextId++;
  try {
    return await new Promise((resolve) => {
      answers.set(id, resolve);
      slot.worker.postMessage({ id, ...job, ops: PASSCODE_OPS, mem: PASSCODE_MEM });
    });
  } finally {
    slot.busy = false;
    waiting.shift()?.();
  }
}

export async function hashPasscode(passcode: string): Promise<string> {
  const hash = await run({ op: 'hash', passcode });
  if (typeof hash !== 'string') throw new Error('passcode hashing failed');
  return hash;
}

export async function verifyPasscode(hash: string, passcode: string): Promise<boolean> {
  return (await run({ op: 'verify', passcode, hash })) === true;
}
