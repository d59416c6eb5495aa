/** The terminology packs the app ships (static/terminology), read as the worker reads them. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { PickerSystem } from '../../../../src/lib/chart/terminology/codes.ts';
import { decodePack } from '../../../../src/lib/chart/terminology/pack.ts';
import { Terminology } from '../../../../src/lib/chart/terminology/terminology.ts';

export const STATIC = join(import.meta.dirname, '..', '..', '..', '..', 'static', 'terminology');

export const packBytes = (system: string): Uint8Array =>
  gunzipSync(readFileSync(join(STATIC, `${system}.pack.gz`)));

const cache = new Map<string, Terminology>();
export function shipped(system: Exclude<PickerSystem, 'cvx'>): Terminology {
  let t = cache.get(system);
  if (!t) cache.set(system, (t = new Terminology(decodePack(packBytes(system)))));
  return t;
}
