import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * The repository's copy of the TRM v1 test vectors, so a clone alone passes its tests. The normative file is
 * `shared/test-vectors/trm-v1.json` next to PROTOCOL.md; `vectors.spec.ts` keeps the copy equal to it.
 */
export const VECTORS_FILE = resolve(__dirname, 'trm-v1.json');

/** Where the shared original is looked for: `TRM_SHARED_VECTORS`, else `../shared/…` beside the repository. */
export const SHARED_VECTORS_FILE =
  process.env.TRM_SHARED_VECTORS ??
  resolve(__dirname, '..', '..', '..', 'shared', 'test-vectors', 'trm-v1.json');

export function readVectors<T>(): T {
  return JSON.parse(readFileSync(VECTORS_FILE, 'utf8')) as T;
}
