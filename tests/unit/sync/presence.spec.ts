import { Awareness } from 'y-protocols/awareness';
import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import {
  caretColor,
  caretFromPresence,
  decodePresence,
  encodePresence,
  PresenceTracker,
  presenceOver,
} from '../../../src/lib/sync/presence.ts';

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

describe('presence announcements', () => {
  it('encode to awareness text and back; a blob that is not base64 is dropped', () => {
    const envelope = Uint8Array.from({ length: 300 }, (_, i) => (i * 7) & 0xff);
    expect(decodePresence(encodePresence(envelope))).toEqual(envelope);
    expect(decodePresence('not base64 at all!')).toBeNull();
  });

  it('shows an author while new announcements arrive, by this clock; replays never refresh', () => {
    let now = 1_000_000;
    const tracker = new PresenceTracker(45_000, () => now);
    expect(tracker.fresh('ada:laptop')).toBe(false);
    tracker.heard('ada:laptop', 10);
    expect(tracker.fresh('ada:laptop')).toBe(true);
    now += 44_999;
    expect(tracker.fresh('ada:laptop')).toBe(true);
    now += 1;
    expect(tracker.fresh('ada:laptop')).toBe(false);
    // The same or an older announcement replayed later does not bring the author back.
    tracker.heard('ada:laptop', 10);
    tracker.heard('ada:laptop', 9);
    expect(tracker.fresh('ada:laptop')).toBe(false);
    tracker.heard('ada:laptop', 11);
    expect(tracker.fresh('ada:laptop')).toBe(true);
    expect(tracker.fresh('bo:tablet')).toBe(false);
  });
});

describe('carets in presence (ADR 0012)', () => {
  const FIELDS = ['subjective', 'plan'];
  const pos = { type: { client: 1, clock: 2 }, tname: null, item: { client: 3, clock: 4 } };

  it('reads a well-formed caret', () => {
    expect(
      caretFromPresence(
        { at: 1, caret: { noteId: 'n1', field: 'plan', anchor: pos, head: pos } },
        FIELDS,
      ),
    ).toEqual({ noteId: 'n1', field: 'plan', anchor: pos, head: pos });
  });

  it('refuses absent or malformed carets', () => {
    const ok = { noteId: 'n1', field: 'plan', anchor: pos, head: pos };
    for (const payload of [
      null,
      'x',
      { at: 1 },
      { caret: null },
      { caret: [] },
      { caret: { ...ok, noteId: 5 } },
      { caret: { ...ok, noteId: '' } },
      { caret: { ...ok, noteId: 'x'.repeat(65) } },
      { caret: { ...ok, field: 'history' } },
      { caret: { ...ok, anchor: null } },
      { caret: { ...ok, head: 'end' } },
    ])
      expect(caretFromPresence(payload, FIELDS)).toBeNull();
  });

  it('gives each author a stable colour', () => {
    expect(caretColor('m:d')).toBe(caretColor('m:d'));
    expect(caretColor('m:d')).toMatch(/^#[0-9a-f]{6}$/);
  });
});
