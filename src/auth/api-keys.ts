import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * API keys for agency systems: `trm_<key id>_<secret>`, 256 random bits of secret. Only the key id (the
 * public part that finds the row) and the SHA-256 of the whole key are stored: a fast hash is enough for
 * 256 random bits, which no one can guess, unlike a password.
 */
const KEY = /^trm_([a-f0-9]{16})_([A-Za-z0-9_-]{43})$/;

export interface NewApiKey {
  keyId: string;
  /** Shown once to whoever created it, never stored. */
  key: string;
  hash: Buffer;
}

export function generateApiKey(): NewApiKey {
  const keyId = randomBytes(8).toString('hex');
  const key = `trm_${keyId}_${randomBytes(32).toString('base64url')}`;
  return { keyId, key, hash: hashApiKey(key) };
}

export function hashApiKey(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

/** The key id of a well-formed key, or null. */
export function apiKeyId(key: string): string | null {
  return KEY.exec(key)?.[1] ?? null;
}

export function apiKeyMatches(key: string, storedHash: Buffer): boolean {
  const actual = hashApiKey(key);
  return actual.length === storedHash.length && timingSafeEqual(actual, storedHash);
}
