import { expect, test } from './fixtures.ts';

test('two devices exchange a Yjs update over a direct WebRTC connection via the relay', async ({
  newDevice,
  relayHandle,
}) => {
  const devices = [await newDevice(), await newDevice()];
  for (const device of devices) {
    // Record every RTCPeerConnection the page makes, to check the transport itself below.
    await device.addInitScript(() => {
      const Original = window.RTCPeerConnection;
      const made: RTCPeerConnection[] = [];
      (window as unknown as { __peerStates: () => string[] }).__peerStates = () =>
        made.filter((pc) => pc.connectionState !== 'closed').map((pc) => pc.connectionState);
      window.RTCPeerConnection = class extends Original {
        constructor(config?: RTCConfiguration) {
          super(config);
          made.push(this);
        }
      };
    });
  }
  const a = await devices[0]!.newPage();
  const b = await devices[1]!.newPage();

  await a.goto('/diagnostics');
  await a.getByRole('button', { name: 'Start connection check' }).click();
  const link = await a.getByLabel('Link for the other device').inputValue();
  expect(link).toMatch(/\/diagnostics#room=[0-9a-f]{32}&secret=[0-9a-f]{32}$/);
  await b.goto(link);

  for (const page of [a, b]) {
    await expect(page.getByTestId('signaling')).toHaveText('Connected');
    await expect(page.getByTestId('direct')).toHaveText('1', { timeout: 20_000 });
    // Separate contexts share no BroadcastChannel: the link really is WebRTC.
    await expect(page.getByTestId('same-browser')).toHaveText('0');
  }
  expect(relayHandle.relay.signaling.connections).toBe(2);

  await a.getByLabel('Message').fill('hello from A');
  await a.getByRole('button', { name: 'Send' }).click();
  await expect(b.getByTestId('received')).toHaveText('hello from A');

  await b.getByLabel('Message').fill('and back from B');
  await b.getByRole('button', { name: 'Send' }).click();
  await expect(a.getByTestId('received')).toHaveText('and back from B');

  // The data channel is real: an RTCPeerConnection in each page reports "connected".
  for (const page of [a, b]) {
    const states = await page.evaluate(() =>
      (window as unknown as { __peerStates: () => string[] }).__peerStates(),
    );
    expect(states).toEqual(['connected']);
  }
});
