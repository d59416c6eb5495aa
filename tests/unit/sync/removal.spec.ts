import { describe, expect, it } from 'vitest';
import type { MemberList } from '../../../src/lib/crypto/member-list.ts';
import type { GrantJson, OpenResult } from '../../../src/lib/vault/service.ts';
import { highestSeqs, OPEN_BATCH, removeFromPractice } from '../../../src/lib/sync/removal.ts';

/** "Envelopes" whose first byte names the author and second the seq; 255 does not open. */
const env = (author: number, seq: number) => Uint8Array.of(author, seq);
function openMany(calls: number[]) {
  return async (batch: Uint8Array[]): Promise<OpenResult[]> => {
    calls.push(batch.length);
    return batch.map((e) =>
      e[0] === 255
        ? { ok: false, code: 'unknown-key' }
        : {
            ok: true,
            kind: 'update',
            generation: 0,
            seq: e[1]!,
            payload: new Uint8Array(),
            payloadHash: '',
            author: { member: `m${e[0]}`, device: `d${e[0]}`, memberName: '' },
          },
    );
  };
}

describe('highestSeqs', () => {
  it('takes the highest seq per author device over every batch, ignoring what does not open', async () => {
    const envelopes = [
      ...Array.from({ length: OPEN_BATCH }, (_, i) => env(1, i % 7)),
      env(2, 3),
      env(255, 200),
      env(1, 9),
      env(2, 1),
    ];
    const calls: number[] = [];
    expect(await highestSeqs(envelopes, openMany(calls))).toEqual({ 'm1:d1': 9, 'm2:d2': 3 });
    expect(calls).toEqual([OPEN_BATCH, 4]);
    expect(await highestSeqs([], openMany(calls))).toEqual({});
  });
});

describe('removeFromPractice', () => {
  const LISTS = [{ version: 2, signature: 's2' }] as unknown as MemberList[];
  const GRANTS = [{ kind: 'practice', epoch: 1, recipient: 'r', signature: 'g' }] as GrantJson[];

  function steps(log: string[], failFlush = false) {
    return {
      envelopes: async () => {
        log.push('envelopes');
        return [env(1, 4), env(3, 2)];
      },
      openMany: openMany([]),
      remove: async (lastSeqs: Record<string, number>) => {
        log.push(`remove ${JSON.stringify(lastSeqs)}`);
        return { lists: LISTS, grants: GRANTS };
      },
      index: {
        publishMemberLists: (lists: MemberList[]) => log.push(`lists ${lists.length}`),
        publishGrants: (grants: GrantJson[]) => log.push(`grants ${grants.length}`),
      },
      flush: async () => {
        log.push('flush');
        if (failFlush) throw new Error('write failed');
      },
      activate: async () => {
        log.push('activate');
        return 'summary';
      },
    };
  }

  it('publishes the list and grants under the current key, durably, before the new epoch is used', async () => {
    const log: string[] = [];
    expect(await removeFromPractice(steps(log))).toBe('summary');
    expect(log).toEqual([
      'envelopes',
      'remove {"m1:d1":4,"m3:d3":2}',
      'lists 1',
      'grants 1',
      'flush',
      'activate',
    ]);
  });

  it('does not use the new epoch when the index could not be written', async () => {
    const log: string[] = [];
    await expect(removeFromPractice(steps(log, true))).rejects.toThrow('write failed');
    expect(log).not.toContain('activate');
  });
});
