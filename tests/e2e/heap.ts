/**
 * Heap snapshots over the Chrome DevTools Protocol, for the page and every worker it runs, so
 * tests can assert that no secret string survives somewhere in memory.
 */
import type { BrowserContext, CDPSession, Page } from '@playwright/test';

async function snapshot(
  send: (method: string, params?: object) => Promise<unknown>,
  on: (listener: (chunk: string) => void) => () => void,
): Promise<string> {
  const chunks: string[] = [];
  const off = on((chunk) => chunks.push(chunk));
  await send('HeapProfiler.enable');
  await send('HeapProfiler.collectGarbage');
  await send('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
  off();
  return chunks.join('');
}

/** Heap snapshots (JSON text) of the page and of each of its dedicated workers. */
export async function heapSnapshots(
  context: BrowserContext,
  page: Page,
): Promise<{ page: string; workers: string[] }> {
  const cdp: CDPSession = await context.newCDPSession(page);
  const pageSnapshot = await snapshot(
    (method, params) => cdp.send(method as never, params as never),
    (listener) => {
      const handler = (e: { chunk: string }) => listener(e.chunk);
      cdp.on('HeapProfiler.addHeapSnapshotChunk', handler);
      return () => cdp.off('HeapProfiler.addHeapSnapshotChunk', handler);
    },
  );

  // Workers: attach in non-flat mode and talk to them through Target.sendMessageToTarget.
  const targets: string[] = [];
  const onAttached = (e: { sessionId: string; targetInfo: { type: string } }) => {
    if (e.targetInfo.type === 'worker') targets.push(e.sessionId);
  };
  cdp.on('Target.attachedToTarget', onAttached);
  await cdp.send('Target.setAutoAttach', {
    autoAttach: true,
    waitForDebuggerOnStart: false,
    flatten: false,
  });
  await new Promise((r) => setTimeout(r, 200));
  cdp.off('Target.attachedToTarget', onAttached);

  const workers: string[] = [];
  for (const sessionId of targets) {
    let nextId = 1;
    const replies = new Map<number, (value: unknown) => void>();
    const chunkListeners = new Set<(chunk: string) => void>();
    const onMessage = (e: { sessionId: string; message: string }) => {
      if (e.sessionId !== sessionId) return;
      const msg = JSON.parse(e.message) as {
        id?: number;
        method?: string;
        params?: { chunk: string };
      };
      if (msg.id !== undefined) replies.get(msg.id)?.(msg);
      else if (msg.method === 'HeapProfiler.addHeapSnapshotChunk')
        chunkListeners.forEach((l) => l(msg.params!.chunk));
    };
    cdp.on('Target.receivedMessageFromTarget', onMessage);
    const send = (method: string, params: object = {}) =>
      new Promise<unknown>((resolve) => {
        const id = nextId++;
        replies.set(id, resolve);
        void cdp.send('Target.sendMessageToTarget', {
          sessionId,
          message: JSON.stringify({ id, method, params }),
        });
      });
    workers.push(
      await snapshot(send, (listener) => {
        chunkListeners.add(listener);
        return () => chunkListeners.delete(listener);
      }),
    );
    cdp.off('Target.receivedMessageFromTarget', onMessage);
  }
  await cdp.detach();
  return { page: pageSnapshot, workers };
}
