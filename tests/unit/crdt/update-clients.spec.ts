/**
 * SealedDoc binds the Yjs clients of its own updates to itself (they become its verified
 * signer). It reads them from the transaction (update-clients.ts) instead of decoding the update;
 * the two must always agree, or an item would be attributed to the wrong member.
 */
import fc from 'fast-check';
import { expect, it } from 'vitest';
import * as Y from 'yjs';
import { clientsWritten } from '../../../src/lib/crdt/update-clients.ts';

type Op =
  | { kind: 'set'; key: string; value: number }
  | { kind: 'delete'; key: string }
  | { kind: 'push'; value: string }
  | { kind: 'cut' }
  | { kind: 'text'; at: number; value: string }
  | { kind: 'remote'; value: string }
  | { kind: 'batch'; ops: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('set'), key: fc.constantFrom('a', 'b', 'c'), value: fc.nat() }),
  fc.record({ kind: fc.constant('delete'), key: fc.constantFrom('a', 'b', 'c') }),
  fc.record({ kind: fc.constant('push'), value: fc.string() }),
  fc.record({ kind: fc.constant('cut') }),
  fc.record({ kind: fc.constant('text'), at: fc.nat(), value: fc.string() }),
  fc.record({ kind: fc.constant('remote'), value: fc.string() }),
  fc.record({ kind: fc.constant('batch'), ops: fc.integer({ min: 1, max: 4 }) }),
) as fc.Arbitrary<Op>;

it('the clients read from the transaction are those the update carries (property)', () => {
  fc.assert(
    fc.property(fc.array(op, { maxLength: 30 }), (ops) => {
      const doc = new Y.Doc();
      const peer = new Y.Doc();
      const seen: { update: Uint8Array; clients: number[] }[] = [];
      doc.on('update', (update: Uint8Array, _o: unknown, _d: Y.Doc, tr: Y.Transaction) =>
        seen.push({ update, clients: clientsWritten(tr) }),
      );
      const map = doc.getMap<number>('m');
      const array = doc.getArray<string>('a');
      const text = doc.getText('t');
      const apply = (o: Op) => {
        if (o.kind === 'set') map.set(o.key, o.value);
        else if (o.kind === 'delete') map.delete(o.key);
        else if (o.kind === 'push') array.push([o.value]);
        else if (o.kind === 'cut') {
          if (array.length) array.delete(0, 1);
        } else if (o.kind === 'text') text.insert(o.at % (text.length + 1), o.value);
        else if (o.kind === 'remote') {
          // Another device's edit arriving with a non-remote origin (as a backup restore might).
          peer.getArray<string>('a').push([o.value]);
          Y.applyUpdate(doc, Y.encodeStateAsUpdate(peer, Y.encodeStateVector(doc)));
        } else
          doc.transact(() => {
            for (let i = 0; i < o.ops; i++) {
              map.set(`k${i}`, i);
              text.insert(0, 'x');
            }
          });
      };
      for (const o of ops) apply(o);
      for (const { update, clients } of seen)
        expect(clients.sort()).toEqual([...Y.parseUpdateMeta(update).from.keys()].sort());
    }),
    { numRuns: 200 },
  );
});
