import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { KeyStore, KeyStoreError, createKeyStore, keyFilePath, writeKeyFiles } from './key-store';
import { SealError, generateKeyPairs, seal, verify } from './trm-crypto';

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected an error, nothing was thrown');
}

describe('KeyStore', () => {
  let root: string;
  let dir: string;

  beforeEach(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'trm-keys-'));
    dir = path.join(root, 'keys');
  });

  afterEach(() => {
    rmSync(root, { recursive: true, force: true });
  });

  it('writes key files 0600 in a 0700 directory and loads them back', () => {
    const pairs = generateKeyPairs('FR');
    const files = writeKeyFiles(dir, 'FR', pairs);

    expect(files).toEqual({
      signing: path.join(dir, 'FR.signing.key'),
      encryption: path.join(dir, 'FR.encryption.key'),
    });
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    for (const file of Object.values(files)) expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(files.signing, 'utf8'))).toEqual({
      keyId: 'FR-sig-1',
      privateKey: pairs.signing.privateRaw.toString('base64'),
    });

    const store = createKeyStore({ dir, code: 'FR' });
    expect(store).toBeInstanceOf(KeyStore);
    expect(store.code).toBe('FR');
    expect(store.signingKeyId).toBe('FR-sig-1');
    expect(store.encryptionKeyId).toBe('FR-enc-1');
    expect(store.signingPublicKey).toBe(pairs.signing.publicKey);
    expect(store.encryptionPublicKey).toBe(pairs.encryption.publicKey);

    const body = Buffer.from('{"id":"x"}', 'utf8');
    expect(verify(body, store.sign(body), pairs.signing.publicKey)).toBe(true);

    const plaintext = Buffer.from('{"person":{"givenName":"Ana"}}', 'utf8');
    const sealed = seal(plaintext, { keyId: 'FR-enc-1', publicKey: pairs.encryption.publicKey }, 'a|b|c|d|e');
    expect(store.open(sealed, 'a|b|c|d|e').equals(plaintext)).toBe(true);
  });

  it('does not expose private keys through JSON or enumeration', () => {
    const pairs = generateKeyPairs('FR');
    writeKeyFiles(dir, 'FR', pairs);
    const store = KeyStore.load(dir, 'FR');
    const dump = JSON.stringify(store) + Object.keys(store).join();
    expect(dump).not.toContain(pairs.signing.privateRaw.toString('base64'));
    expect(Object.keys(store).sort()).toEqual(['code', 'dir']);
    expect([store.signingKeyId, store.encryptionKeyId]).toEqual(['FR-sig-1', 'FR-enc-1']);
  });

  it('refuses to overwrite existing key files unless forced', () => {
    const first = generateKeyPairs('FR');
    writeKeyFiles(dir, 'FR', first);

    const second = generateKeyPairs('FR', 2);
    const err = thrown(() => writeKeyFiles(dir, 'FR', second));
    expect(err).toBeInstanceOf(KeyStoreError);
    expect(err.message).toContain('FR.signing.key');
    expect(KeyStore.load(dir, 'FR').signingPublicKey).toBe(first.signing.publicKey);

    writeKeyFiles(dir, 'FR', second, { force: true });
    const store = KeyStore.load(dir, 'FR');
    expect(store.signingKeyId).toBe('FR-sig-2');
    expect(store.encryptionPublicKey).toBe(second.encryption.publicKey);
    expect(statSync(keyFilePath(dir, 'FR', 'signing')).mode & 0o777).toBe(0o600);
  });

  it('refuses to write only one file when the other already exists', () => {
    writeKeyFiles(dir, 'FR', generateKeyPairs('FR'));
    rmSync(keyFilePath(dir, 'FR', 'signing'));
    expect(() => writeKeyFiles(dir, 'FR', generateKeyPairs('FR'))).toThrow(/FR\.encryption\.key/);
    expect(() => KeyStore.load(dir, 'FR')).toThrow(/FR\.signing\.key/);
  });

  it.each([0o640, 0o604, 0o644, 0o660])('refuses a key file with mode %o', (mode) => {
    writeKeyFiles(dir, 'FR', generateKeyPairs('FR'));
    const file = keyFilePath(dir, 'FR', 'encryption');
    chmodSync(file, mode);
    const err = thrown(() => KeyStore.load(dir, 'FR'));
    expect(err).toBeInstanceOf(KeyStoreError);
    expect(err.message).toContain(file);
    expect(err.message).toContain('readable by group or others');
    expect(err.message).toContain(`chmod 600 ${file}`);
  });

  it('accepts a stricter mode such as 0400', () => {
    writeKeyFiles(dir, 'FR', generateKeyPairs('FR'));
    chmodSync(keyFilePath(dir, 'FR', 'signing'), 0o400);
    expect(KeyStore.load(dir, 'FR').signingKeyId).toBe('FR-sig-1');
  });

  it('names a missing file and prints no key material', () => {
    const pairs = generateKeyPairs('FR');
    writeKeyFiles(dir, 'FR', pairs);
    rmSync(keyFilePath(dir, 'FR', 'encryption'));

    const err = thrown(() => KeyStore.load(dir, 'FR'));
    expect(err).toBeInstanceOf(KeyStoreError);
    expect(err.message).toContain(keyFilePath(dir, 'FR', 'encryption'));
    expect(err.message).toContain('npm run keys -- FR');
    for (const pair of [pairs.signing, pairs.encryption]) {
      expect(`${err.message}${err.stack}`).not.toContain(pair.privateRaw.toString('base64'));
      expect(`${err.message}${err.stack}`).not.toContain(pair.privateRaw.toString('hex'));
    }
  });

  it('rejects corrupt key files without quoting their contents', () => {
    const pairs = generateKeyPairs('FR');
    writeKeyFiles(dir, 'FR', pairs);
    const file = keyFilePath(dir, 'FR', 'signing');
    const secret = pairs.signing.privateRaw.toString('base64');

    const contents = [
      `{"keyId":"FR-sig-1","privateKey":"${secret}"`,
      `{"keyId":"FR-sig-1","privateKey":"${secret}" x}`,
      `{"keyId":"FR-sig-1","privateKey":"${secret.slice(0, 40)}"}`,
      `{"privateKey":"${secret}"}`,
      `null`,
    ];
    for (const content of contents) {
      writeFileSync(file, content, { mode: 0o600 });
      const err = thrown(() => KeyStore.load(dir, 'FR'));
      expect(err).toBeInstanceOf(KeyStoreError);
      expect(err.message).toContain(file);
      expect(`${err.message}${err.stack}`).not.toContain(secret.slice(0, 40));
    }
  });

  it('opens nothing sealed for another key id, even if the key would decrypt it', () => {
    const pairs = generateKeyPairs('FR');
    writeKeyFiles(dir, 'FR', pairs);
    const store = KeyStore.load(dir, 'FR');
    const plaintext = Buffer.from('{}');

    for (const keyId of ['FR-enc-2', 'MK-enc-1', 'evil\nlog line']) {
      const sealed = seal(plaintext, { keyId, publicKey: pairs.encryption.publicKey }, 'aad');
      const err = thrown(() => store.open(sealed, 'aad'));
      expect(err).toBeInstanceOf(SealError);
      expect((err as SealError).code).toBe('DECRYPTION_FAILED');
      expect(err.message).not.toContain('\n');
    }
  });

  it('rejects a malformed participant code', () => {
    expect(() => KeyStore.load(dir, 'fr')).toThrow(KeyStoreError);
    expect(() => writeKeyFiles(dir, '../FR', generateKeyPairs('FR'))).toThrow(KeyStoreError);
  });

  describe('during a key rollover (docs/protocol.md, "Key rollover")', () => {
    const plaintext = Buffer.from('{}');
    const sealedFor = (pair: { keyId: string; publicKey: string }) => seal(plaintext, pair, 'aad');

    it('holds the next keys written beside the current ones, and signs and opens as the directory says', () => {
      const first = generateKeyPairs('FR');
      writeKeyFiles(dir, 'FR', first);
      const store = KeyStore.load(dir, 'FR');
      const second = generateKeyPairs('FR', 2);
      const files = writeKeyFiles(dir, 'FR', second, { generation: 2 });
      expect(files.signing).toBe(path.join(dir, 'FR.signing-2.key'));
      expect(store.publicKeyOf('signing', 'FR-sig-2')).toBeUndefined();
      store.reload();
      expect(store.publicKeyOf('signing', 'FR-sig-2')).toBe(second.signing.publicKey);

      // Announced: still signs with the first key, opens what is sealed for either.
      store.use({ signingKeyId: 'FR-sig-1', encryptionKeyIds: ['FR-enc-1', 'FR-enc-2'] });
      expect(verify(Buffer.from('x'), store.sign(Buffer.from('x')), first.signing.publicKey)).toBe(true);
      expect(store.open(sealedFor(second.encryption), 'aad')).toEqual(plaintext);
      // Switched: signs with the second, still opens the first (retiring).
      store.use({ signingKeyId: 'FR-sig-2', encryptionKeyIds: ['FR-enc-2', 'FR-enc-1'] });
      expect(store.signingKeyId).toBe('FR-sig-2');
      expect(verify(Buffer.from('x'), store.sign(Buffer.from('x')), second.signing.publicKey)).toBe(true);
      expect(store.open(sealedFor(first.encryption), 'aad')).toEqual(plaintext);
      // Retired: the first key opens nothing, though its file is still there.
      store.use({ signingKeyId: 'FR-sig-2', encryptionKeyIds: ['FR-enc-2'] });
      expect(() => store.open(sealedFor(first.encryption), 'aad')).toThrow(/sealed for key FR-enc-1/);
    });

    it('refuses to use a key it does not hold, and keeps the one it used', () => {
      writeKeyFiles(dir, 'FR', generateKeyPairs('FR'));
      const store = KeyStore.load(dir, 'FR');
      expect(() => store.use({ signingKeyId: 'FR-sig-3', encryptionKeyIds: ['FR-enc-1'] })).toThrow(
        /no private signing key FR-sig-3/,
      );
      expect(store.signingKeyId).toBe('FR-sig-1');
    });

    it('runs on the later keys alone once the first files are deleted', () => {
      writeKeyFiles(dir, 'FR', generateKeyPairs('FR'));
      writeKeyFiles(dir, 'FR', generateKeyPairs('FR', 2), { generation: 2 });
      rmSync(keyFilePath(dir, 'FR', 'signing'));
      rmSync(keyFilePath(dir, 'FR', 'encryption'));
      const store = KeyStore.load(dir, 'FR');
      expect([store.signingKeyId, store.encryptionKeyId]).toEqual(['FR-sig-2', 'FR-enc-2']);
    });
  });
});
