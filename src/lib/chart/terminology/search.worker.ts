/// <reference lib="webworker" />
/**
 * The terminology worker: searches the shipped code lists off the main thread. Each list is
 * fetched on first use from static/terminology/<system>.pack.gz (precached by the service worker,
 * so it works offline), gunzipped with DecompressionStream and searched with its prebuilt index;
 * CVX is indexed from the app's own CVX table. It holds no keys and no chart: only code lists and
 * the queries typed into the pickers.
 */
import { VACCINES } from '../cvx';
import type { PickerSystem } from './codes';
import { decodePack } from './pack';
import { TerminologyError, type TerminologyRequest, type TerminologyResponse } from './protocol';
import { TerminologyService } from './service';
import { cvxTerminology, Terminology } from './terminology';

const scope = self as unknown as DedicatedWorkerGlobalScope;

async function fetchPack(system: PickerSystem): Promise<Uint8Array> {
  const response = await fetch(`/terminology/${system}.pack.gz`);
  if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
  const unzipped = response.body.pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(unzipped).arrayBuffer());
}

const service = new TerminologyService(async (system) =>
  system === 'cvx'
    ? cvxTerminology(VACCINES)
    : new Terminology(decodePack(await fetchPack(system))),
);

scope.onmessage = async (event: MessageEvent<TerminologyRequest>) => {
  const request = event.data;
  let response: TerminologyResponse;
  try {
    response = { id: request.id, ok: true, result: await service.handle(request) };
  } catch (error) {
    const e =
      error instanceof TerminologyError
        ? error
        : new TerminologyError('unavailable', (error as Error).message);
    response = { id: request?.id, ok: false, error: { code: e.code, message: e.message } };
  }
  scope.postMessage(response);
};
