/**
 * Issue 14 item 5: the relay's own state (share links) is backed up while the relay runs and
 * restores into a fresh data folder: the link answers as before, revocations and attempts kept.
 */
import { createHash, randomBytes } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { backupRelayState } from '../../../relay/backup.ts';
import { startRelay, type Relay } from '../../../relay/server.ts';
import { PRACTICE } from '../../kit/practice.ts';
import { jwe } from './helpers.ts';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function relayIn(dataDir: string): Promise<Relay> {
  const relay = await startRelay({
    port: 0,
    host: '127.0.0.1',
    dataDir,
    buildDir: dataDir,
    log: () => {},
  });
  cleanup.push(() => relay.close());
  return relay;
}

it('backs up share links from a running relay; a restored relay serves them as before', async () => {
  const root = await mkdtemp(join(tmpdir(), 'folio-backup-'));
  cleanup.push(() => rm(root, { recursive: true, force: true }));
  const first = await relayIn(join(root, 'a'));
  const id = randomBytes(32).toString('base64url');
  const secret = randomBytes(32).toString('base64url');
  const created = await fetch(`${first.url}/shl`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...PRACTICE.headers() },
    body: JSON.stringify({
      id,
      manageHash: createHash('sha256').update(secret).digest('hex'),
      flags: 'U',
      expires: Date.now() + 3600_000,
    }),
  });
  expect(created.status).toBe(201);
  const file = jwe();
  const put = await fetch(`${first.url}/shl/${id}/file`, {
    method: 'PUT',
    headers: { 'x-folio-manage': secret },
    body: file,
  });
  expect(put.status).toBe(204);

  const backup = join(root, 'links-backup.sqlite');
  await backupRelayState(join(root, 'a'), backup);
  await expect(backupRelayState(join(root, 'a'), backup)).rejects.toThrow(/exists already/);
  await expect(backupRelayState(join(root, 'nowhere'), join(root, 'x'))).rejects.toThrow(
    /No share-link store/,
  );

  await mkdir(join(root, 'b'));
  await copyFile(backup, join(root, 'b', 'shl.sqlite'));
  const restored = await relayIn(join(root, 'b'));
  const got = await fetch(`${restored.url}/shl/${id}?recipient=Dr.%20Restore`);
  expect(got.status).toBe(200);
  expect(await got.text()).toBe(file);
  const log = await fetch(`${restored.url}/shl/${id}/log`, {
    headers: { 'x-folio-manage': secret },
  });
  expect(log.status).toBe(200);
});
