import { existsSync, readFileSync } from 'node:fs';
import { SHARED_VECTORS_FILE, VECTORS_FILE } from './vectors';

const shared = existsSync(SHARED_VECTORS_FILE);
if (!shared) {
  // Visible in every run's output: the copy could not be compared, which is not the same as equal.
  console.warn(
    `test vectors: ${SHARED_VECTORS_FILE} not found, the repository's copy was NOT compared with it`,
  );
}

describe('the repository copy of the TRM v1 test vectors', () => {
  (shared ? it : it.skip)(
    `equals ${shared ? SHARED_VECTORS_FILE : 'the shared file (not found: skipped)'} byte for byte`,
    () => {
      const copy = readFileSync(VECTORS_FILE);
      const original = readFileSync(SHARED_VECTORS_FILE);
      // Buffer.equals, then a readable diff when they differ.
      if (!copy.equals(original)) expect(copy.toString('utf8')).toBe(original.toString('utf8'));
      expect(copy.equals(original)).toBe(true);
    },
  );

  it('is the protocol version 1 file', () => {
    const vectors = JSON.parse(readFileSync(VECTORS_FILE, 'utf8')) as { envelope: { version: unknown } };
    expect(vectors.envelope.version).toBe(1);
  });
});
