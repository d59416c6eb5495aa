import { Awareness } from 'y-protocols/awareness';
import * as Y from 'yjs';
import { expect, it } from 'vitest';
import { presenceOver } from '../../../src/lib/sync/presence.ts';

it('puts only a sealed blob in awareness and reads only other peers’ blobs', () => {
  const mine = new Awareness(new Y.Doc());
  const channel = presenceOver(mine);
  channel.setPresence('c2VhbGVk');
  expect(mine.getLocalState()).toEqual({ p: 'c2VhbGVk' });
  // Other peers' states as they would arrive: one blob, one with clear fields, one oversized.
  mine.getStates().set(101, { p: 'b3RoZXI=' });
  mine.getStates().set(102, { name: 'Jane Doe' });
  mine.getStates().set(103, { p: 'x'.repeat(5000) });
  expect(channel.presence()).toEqual(['b3RoZXI=']);
  channel.setPresence(null);
  expect(mine.getLocalState()).toBeNull();
});
