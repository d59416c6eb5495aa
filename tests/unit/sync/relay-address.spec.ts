import { expect, it } from 'vitest';
import { pairingFragment, shareableOrigins } from '../../../src/lib/sync/relay-address.ts';

it('a pairing link made on loopback names the public URL the relay reports', () => {
  const pub = 'https://clinic-pc.local:5173';
  expect(shareableOrigins('http://127.0.0.1:5173', 'http://127.0.0.1:5173', pub)).toEqual({
    app: pub,
    relay: pub,
  });
  expect(shareableOrigins('http://localhost:5173', 'http://localhost:5173', pub).app).toBe(pub);
  expect(shareableOrigins('http://[::1]:5173', 'http://[::1]:5173', pub).app).toBe(pub);
  // A relay on another origin stays named as it is.
  expect(shareableOrigins('http://127.0.0.1:5173', 'https://relay.example', pub)).toEqual({
    app: pub,
    relay: 'https://relay.example',
  });
  // The fragment then names no relay (app and relay are one origin).
  const { app, relay } = shareableOrigins('http://127.0.0.1:5173', 'http://127.0.0.1:5173', pub);
  expect(pairingFragment('code', relay, app)).toBe('code');
});

it('leaves a page reached by its network name, or a relay without a public URL, as it is', () => {
  const here = 'https://clinic-pc.local:5173';
  expect(shareableOrigins(here, here, 'https://other.example')).toEqual({ app: here, relay: here });
  expect(shareableOrigins('http://127.0.0.1:5173', 'http://127.0.0.1:5173', null)).toEqual({
    app: 'http://127.0.0.1:5173',
    relay: 'http://127.0.0.1:5173',
  });
  expect(shareableOrigins('http://127.0.0.1:5173', 'http://127.0.0.1:5173', 'not a url').app).toBe(
    'http://127.0.0.1:5173',
  );
});
