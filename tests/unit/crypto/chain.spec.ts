/**
 * The removal rule on envelope chains (src/lib/crypto/chain.ts; docs/spec/envelope.md §10.3),
 * as a property: for random histories of a removed device — chains with forks (two tabs) and
 * restarts, in several documents — random subsets seen by the removing admin, forged envelopes
 * naming any predecessor, delivered in random batches with parked ones retried: a device accepts
 * exactly the envelopes on the chain up to a recorded head, and nothing forged.
 */
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { chainHeads, RemovalChains, type ChainItem } from '../../../src/lib/crypto/index.ts';

const AUTHOR = 'removed:device';

interface Model {
  real: ChainItem[];
  forged: ChainItem[];
  seen: boolean[];
}

const history: fc.Arbitrary<Model> = fc
  .record({
    steps: fc.array(
      fc.record({ doc: fc.nat({ max: 2 }), parent: fc.option(fc.nat(), { nil: null }) }),
      { minLength: 1, maxLength: 25 },
    ),
    seen: fc.array(fc.boolean(), { minLength: 25, maxLength: 25 }),
    forged: fc.array(
      fc.record({ doc: fc.nat({ max: 2 }), parent: fc.option(fc.nat(), { nil: null }) }),
      { maxLength: 8 },
    ),
  })
  .map(({ steps, seen, forged }) => {
    const real: ChainItem[] = [];
    steps.forEach((step, i) => {
      const doc = `doc${step.doc}`;
      // A predecessor in the same document (a fork when two name the same one), or none.
      const earlier = real.filter((r) => r.doc === doc);
      const prev =
        step.parent === null || earlier.length === 0
          ? null
          : earlier[step.parent % earlier.length]!.link;
      real.push({ author: AUTHOR, doc, seq: i, link: `real${i}`, prev });
    });
    const fakes = forged.map((f, i) => {
      const doc = `doc${f.doc}`;
      const prev =
        f.parent === null || real.length === 0 ? null : real[f.parent % real.length]!.link;
      return { author: AUTHOR, doc, seq: f.parent ?? i, link: `forged${i}`, prev };
    });
    return { real, forged: fakes, seen: seen.slice(0, real.length) };
  });

/** Every real envelope reachable from a head by `prev` links. */
function onChain(real: ChainItem[], heads: Record<string, string[]>): Set<string> {
  const byLink = new Map(real.map((r) => [r.link, r]));
  const out = new Set<string>();
  const stack = Object.values(heads).flat();
  while (stack.length > 0) {
    const link = stack.pop()!;
    const item = byLink.get(link);
    if (!item || out.has(link)) continue;
    out.add(link);
    if (item.prev !== null) stack.push(item.prev);
  }
  return out;
}

it('accepts exactly the chain up to the recorded heads, whatever the order, batches and forgeries', () => {
  fc.assert(
    fc.property(
      history,
      fc.array(fc.nat(), { maxLength: 40 }),
      fc.array(fc.nat({ max: 4 }), { maxLength: 40 }),
      ({ real, forged, seen }, shuffle, cuts) => {
        // What the admin saw, and the heads it records.
        const seenByDoc = new Map<string, Map<string, string | null>>();
        real.forEach((r, i) => {
          if (!seen[i]) return;
          if (!seenByDoc.has(r.doc)) seenByDoc.set(r.doc, new Map());
          seenByDoc.get(r.doc)!.set(r.link, r.prev);
        });
        const heads = chainHeads(seenByDoc);
        const expected = onChain(real, heads);
        // Every envelope the admin saw is on the chain (it recorded their heads).
        real.forEach((r, i) => {
          if (seen[i]) expect(expected.has(r.link)).toBe(true);
        });

        // Delivery in a random order and random batches; parked envelopes retried after each.
        const all = [...real, ...forged];
        const order = all.map((_, i) => i);
        shuffle.forEach((s, i) => {
          const j = s % order.length;
          [order[i % order.length], order[j]] = [order[j]!, order[i % order.length]!];
        });
        const chains = new RemovalChains();
        const accepted = new Set<string>();
        const refused = new Map<string, string>();
        let parked: ChainItem[] = [];
        const run = (batch: ChainItem[]) => {
          const verdicts = chains.decide(batch, () => heads);
          const next: ChainItem[] = [];
          batch.forEach((item, k) => {
            if (verdicts[k] === 'ok') accepted.add(item.link);
            else if (verdicts[k] === 'unchained') next.push(item);
            else refused.set(item.link, verdicts[k]!);
          });
          return next;
        };
        let at = 0;
        let c = 0;
        while (at < order.length) {
          const size = 1 + (cuts[c++ % Math.max(cuts.length, 1)] ?? 0);
          const batch = order.slice(at, at + size).map((i) => all[i]!);
          at += size;
          parked.push(...run(batch));
          for (let before = -1; parked.length !== before;) {
            before = parked.length;
            parked = run(parked);
          }
        }
        expect(accepted).toEqual(expected);
        for (const f of forged) expect(accepted.has(f.link)).toBe(false);
        // A document without a head refuses outright; the rest waits (parked), never accepted.
        for (const item of all) {
          if (accepted.has(item.link)) continue;
          const code = refused.get(item.link) ?? 'unchained';
          expect(code).toBe(heads[item.doc] ? 'unchained' : 'revoked');
        }
      },
    ),
    { numRuns: 1000 },
  );
});

it('heads are the links no other seen envelope names, per document', () => {
  const seen = new Map([
    [
      'a',
      new Map<string, string | null>([
        ['x', null],
        ['y', 'x'],
        ['z', 'x'],
      ]),
    ],
    ['b', new Map<string, string | null>([['v1', null]])],
  ]);
  expect(chainHeads(seen)).toEqual({ a: ['y', 'z'], b: ['v1'] });
});
