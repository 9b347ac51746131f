import { apiKeyId, apiKeyMatches, generateApiKey, hashApiKey } from './api-keys';
import { hashPassword, verifyPassword } from './passwords';

describe('passwords (scrypt)', () => {
  it('keep their parameters and salt in the hash, and verify only the right password', async () => {
    const hash = await hashPassword('correct horse battery staple');
    expect(hash).toMatch(/^scrypt\$32768\$8\$3\$[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]{44}$/);
    expect(await hashPassword('correct horse battery staple')).not.toBe(hash);
    expect(await verifyPassword('correct horse battery staple', hash)).toBe(true);
    expect(await verifyPassword('correct horse battery stapl', hash)).toBe(false);
    expect(await verifyPassword('correct horse battery staple', 'plain-text')).toBe(false);
  });
});

describe('API keys', () => {
  it('carry their key id, match only themselves, and are never what is stored', () => {
    const { keyId, key, hash } = generateApiKey();
    expect(key).toMatch(/^trm_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect(apiKeyId(key)).toBe(keyId);
    expect(hash.equals(hashApiKey(key))).toBe(true);
    expect(hash.toString('utf8')).not.toContain(key.slice(21));
    expect(apiKeyMatches(key, hash)).toBe(true);
    expect(apiKeyMatches(`${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}`, hash)).toBe(false);
    expect(apiKeyMatches(generateApiKey().key, hash)).toBe(false);
    expect(apiKeyId('trm_short_x')).toBeNull();
  });
});
