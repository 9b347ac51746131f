import { randomBytes } from 'node:crypto';
import { readVectors } from '../../test/vectors/vectors';
import {
  SEAL_ALG,
  SealError,
  base64OfBytesPattern,
  type Sealed,
  deriveSealKey,
  ed25519PrivateFromSeed,
  ed25519PublicFromRaw,
  generateKeyPairs,
  open,
  rawPrivateKey,
  rawPublicKey,
  seal,
  sealAad,
  sign,
  verify,
  x25519PrivateFromRaw,
  x25519PublicFromRaw,
} from './trm-crypto';

interface Vectors {
  signing: {
    senderCode: string;
    keyId: string;
    privateSeedHex: string;
    publicKey: string;
    bodyBase64: string;
    signature: string;
  };
  sealing: {
    recipientCode: string;
    recipientKeyId: string;
    recipientPrivateHex: string;
    recipientPublicKey: string;
    ephemeralPrivateHex: string;
    sharedSecretHex: string;
    hkdf: { hash: string; salt: string; info: string; length: number; keyHex: string };
    ivHex: string;
    aad: string;
    plaintext: string;
    sealed: Sealed;
  };
  envelope: {
    id: string;
    type: string;
    from: string;
    to: string;
    caseRef: string | null;
    sealed: Sealed;
  } & Record<string, unknown>;
  amqp: { headers: Record<string, unknown> };
  negative: { case: string; expect: string }[];
}

// Every implementation tests against the same file; this is the repository's copy (test/vectors/vectors.spec.ts
// keeps it equal to shared/test-vectors/trm-v1.json).
const vectors = readVectors<Vectors>();
const { signing: sv, sealing: xv, envelope } = vectors;

const hex = (value: string): Buffer => Buffer.from(value, 'hex');
const body = Buffer.from(sv.bodyBase64, 'base64');
const signingKey = ed25519PrivateFromSeed(hex(sv.privateSeedHex));
const recipientKey = x25519PrivateFromRaw(hex(xv.recipientPrivateHex));
const fixed = { ephemeralPrivate: hex(xv.ephemeralPrivateHex), iv: hex(xv.ivHex) };

function sealError(fn: () => unknown): SealError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(SealError);
    return err as SealError;
  }
  throw new Error('expected a SealError, nothing was thrown');
}

function withByteFlipped(buf: Buffer, index: number): Buffer {
  const copy = Buffer.from(buf);
  copy[index] ^= 0x01;
  return copy;
}

describe('trm-crypto against the TRM v1 test vectors', () => {
  it('derives both public keys from the private ones', () => {
    expect(rawPublicKey(signingKey).toString('base64')).toBe(sv.publicKey);
    expect(rawPublicKey(recipientKey).toString('base64')).toBe(xv.recipientPublicKey);
  });

  it('derives the shared secret and the HKDF key, from either side', () => {
    expect(xv.hkdf).toMatchObject({ hash: 'SHA-256', salt: '', info: 'trm-v1-seal', length: 32 });

    const sender = deriveSealKey(
      x25519PrivateFromRaw(fixed.ephemeralPrivate),
      x25519PublicFromRaw(Buffer.from(xv.recipientPublicKey, 'base64')),
    );
    expect(sender.shared.toString('hex')).toBe(xv.sharedSecretHex);
    expect(sender.key.toString('hex')).toBe(xv.hkdf.keyHex);

    const receiver = deriveSealKey(recipientKey, x25519PublicFromRaw(Buffer.from(xv.sealed.epk, 'base64')));
    expect(receiver.shared.toString('hex')).toBe(xv.sharedSecretHex);
    expect(receiver.key.toString('hex')).toBe(xv.hkdf.keyHex);
  });

  it('builds the AAD from the envelope', () => {
    expect(sealAad(envelope)).toBe(xv.aad);
  });

  it('seals to the exact epk, iv, ct and tag with the fixed ephemeral key and iv', () => {
    const sealed = seal(
      Buffer.from(xv.plaintext, 'utf8'),
      { keyId: xv.recipientKeyId, publicKey: xv.recipientPublicKey },
      xv.aad,
      fixed,
    );
    expect(sealed).toEqual(xv.sealed);
    expect(envelope.sealed).toEqual(xv.sealed);
    // Key order matters for the body bytes, so compare the serialisations too.
    expect(JSON.stringify(sealed)).toBe(JSON.stringify(xv.sealed));
  });

  it('serialises the envelope to the exact signed body bytes', () => {
    expect(Buffer.from(JSON.stringify(envelope), 'utf8').equals(body)).toBe(true);

    const sealed = seal(
      Buffer.from(xv.plaintext, 'utf8'),
      { keyId: xv.recipientKeyId, publicKey: xv.recipientPublicKey },
      sealAad(envelope),
      fixed,
    );
    expect(Buffer.from(JSON.stringify({ ...envelope, sealed }), 'utf8').toString('base64')).toBe(
      sv.bodyBase64,
    );
  });

  it('opens the sealed payload back to the UTF-8 plaintext', () => {
    expect(open(envelope.sealed, recipientKey, sealAad(envelope)).toString('utf8')).toBe(xv.plaintext);
  });

  it('signs the body to the exact signature and verifies it', () => {
    expect(sign(body, signingKey)).toBe(sv.signature);
    expect(vectors.amqp.headers['x-trm-signature']).toBe(sv.signature);
    expect(vectors.amqp.headers['x-trm-key-id']).toBe(sv.keyId);
    expect(verify(body, sv.signature, sv.publicKey)).toBe(true);
  });

  describe('negative cases', () => {
    it('lists exactly the cases covered below', () => {
      expect(vectors.negative.map((n) => n.expect)).toEqual([
        'SIGNATURE_INVALID',
        'DECRYPTION_FAILED',
        'DECRYPTION_FAILED',
      ]);
    });

    it('body changed by one byte after signing: verify is false', () => {
      for (const index of [0, Math.floor(body.length / 2), body.length - 1]) {
        expect(verify(withByteFlipped(body, index), sv.signature, sv.publicKey)).toBe(false);
      }
      expect(verify(Buffer.concat([body, Buffer.from(' ')]), sv.signature, sv.publicKey)).toBe(false);
    });

    it('AAD caseRef changed (envelope edited, signature redone): open throws DECRYPTION_FAILED', () => {
      const edited = { ...envelope, caseRef: 'TRM-FR-2026-000124' };
      const editedBody = Buffer.from(JSON.stringify(edited), 'utf8');
      // The re-signed body is authentic; only the AAD binding catches the edit.
      expect(verify(editedBody, sign(editedBody, signingKey), sv.publicKey)).toBe(true);
      expect(sealError(() => open(edited.sealed, recipientKey, sealAad(edited))).code).toBe(
        'DECRYPTION_FAILED',
      );
    });

    it('sealed for another recipient key: open throws DECRYPTION_FAILED', () => {
      const other = generateKeyPairs('AL');
      const sealedForOther = seal(
        Buffer.from(xv.plaintext, 'utf8'),
        { keyId: other.encryption.keyId, publicKey: other.encryption.publicKey },
        xv.aad,
      );
      expect(sealError(() => open(sealedForOther, recipientKey, xv.aad)).code).toBe('DECRYPTION_FAILED');
      // And the other way round: the vector's payload with someone else's private key.
      const otherKey = x25519PrivateFromRaw(other.encryption.privateRaw);
      expect(sealError(() => open(xv.sealed, otherKey, xv.aad)).code).toBe('DECRYPTION_FAILED');
    });

    it('truncated or tampered ciphertext: DECRYPTION_FAILED', () => {
      const ct = Buffer.from(xv.sealed.ct, 'base64');
      const variants = [
        ct.subarray(0, ct.length - 1),
        ct.subarray(0, 16),
        Buffer.alloc(0),
        withByteFlipped(ct, 0),
        Buffer.concat([ct, Buffer.from([0])]),
      ];
      for (const bytes of variants) {
        const sealed = { ...xv.sealed, ct: bytes.toString('base64') };
        expect(sealError(() => open(sealed, recipientKey, xv.aad)).code).toBe('DECRYPTION_FAILED');
      }
    });

    it('tampered tag, iv or epk: DECRYPTION_FAILED', () => {
      const flip = (b64: string): string => withByteFlipped(Buffer.from(b64, 'base64'), 3).toString('base64');
      for (const field of ['tag', 'iv', 'epk'] as const) {
        const sealed = { ...xv.sealed, [field]: flip(xv.sealed[field]) };
        expect(sealError(() => open(sealed, recipientKey, xv.aad)).code).toBe('DECRYPTION_FAILED');
      }
    });

    it('wrong lengths of iv, tag and epk: DECRYPTION_FAILED', () => {
      const b64 = (n: number): string => Buffer.alloc(n, 7).toString('base64');
      const variants: Partial<Sealed>[] = [
        { iv: b64(16) },
        { iv: b64(11) },
        { tag: b64(12) },
        { tag: b64(17) },
        { epk: b64(31) },
        { epk: b64(33) },
      ];
      for (const change of variants) {
        const sealed = { ...xv.sealed, ...change };
        expect(sealError(() => open(sealed, recipientKey, xv.aad)).code).toBe('DECRYPTION_FAILED');
      }
    });

    it('malformed base64 or missing fields: DECRYPTION_FAILED', () => {
      const variants: Record<string, unknown>[] = [
        { iv: '2645jHeVqVybcQco!' },
        // base64url spelling of the real ct: Buffer.from would decode it to the same bytes.
        { ct: xv.sealed.ct.replace(/\+/g, '-').replace(/\//g, '_') },
        { tag: xv.sealed.tag.replace(/=+$/, '') },
        { epk: undefined },
        { ct: 42 },
        // Non-canonical spelling: same bytes, different trailing bits.
        { tag: xv.sealed.tag.replace('Q==', 'R==') },
      ];
      for (const change of variants) {
        const sealed = { ...xv.sealed, ...change } as unknown as Sealed;
        expect(sealError(() => open(sealed, recipientKey, xv.aad)).code).toBe('DECRYPTION_FAILED');
      }
      expect(sealError(() => open(null as unknown as Sealed, recipientKey, xv.aad)).code).toBe(
        'DECRYPTION_FAILED',
      );
    });

    it('low-order ephemeral key (all-zero shared secret): DECRYPTION_FAILED', () => {
      const sealed = { ...xv.sealed, epk: Buffer.alloc(32).toString('base64') };
      expect(sealError(() => open(sealed, recipientKey, xv.aad)).code).toBe('DECRYPTION_FAILED');
    });

    it('unknown algorithm: UNSUPPORTED_ALG', () => {
      for (const alg of ['X25519-HKDF-SHA256-A128GCM', '', 'x25519-hkdf-sha256-a256gcm']) {
        expect(sealError(() => open({ ...xv.sealed, alg }, recipientKey, xv.aad)).code).toBe(
          'UNSUPPORTED_ALG',
        );
      }
    });

    it('error messages carry no key material or plaintext', () => {
      const secrets = [xv.recipientPrivateHex, xv.sharedSecretHex, xv.hkdf.keyHex, 'Petrovska'];
      const errors = [
        sealError(() => open(xv.sealed, recipientKey, 'x')),
        sealError(() => open({ ...xv.sealed, iv: 'AAAA' }, recipientKey, xv.aad)),
        sealError(() => open({ ...xv.sealed, alg: 'none' }, recipientKey, xv.aad)),
      ];
      for (const err of errors) {
        for (const secret of secrets) expect(`${err.message} ${err.stack}`).not.toContain(secret);
      }
    });

    it('verify returns false, never throws, on malformed input', () => {
      const cases: [unknown, unknown, unknown][] = [
        [body, 'not base64!', sv.publicKey],
        [body, sv.signature.slice(4), sv.publicKey],
        [body, Buffer.alloc(64).toString('base64'), sv.publicKey],
        [body, sv.signature, 'AAAA'],
        [body, sv.signature, Buffer.alloc(33).toString('base64')],
        [body, sv.signature, xv.recipientPublicKey],
        [body, sv.signature.replace(/\+/g, '-').replace(/\//g, '_'), sv.publicKey],
        [body, undefined, sv.publicKey],
        [body, sv.signature, null],
        ['a string body', sv.signature, sv.publicKey],
        [undefined, sv.signature, sv.publicKey],
      ];
      for (const [b, s, k] of cases) {
        expect(verify(b as Buffer, s as string, k as string)).toBe(false);
      }
    });
  });
});

describe('trm-crypto helpers', () => {
  it('puts an empty string in the AAD for a null caseRef', () => {
    expect(sealAad({ id: 'i', type: 'AUDIT_CHECKPOINT', from: 'FR', to: 'MK', caseRef: null })).toBe(
      'i|AUDIT_CHECKPOINT|FR|MK|',
    );
  });

  it('round-trips raw keys through KeyObjects', () => {
    expect(rawPrivateKey(signingKey).toString('hex')).toBe(sv.privateSeedHex);
    expect(rawPrivateKey(recipientKey).toString('hex')).toBe(xv.recipientPrivateHex);
    const pub = ed25519PublicFromRaw(Buffer.from(sv.publicKey, 'base64'));
    expect(rawPublicKey(pub).toString('base64')).toBe(sv.publicKey);
    expect(() => rawPrivateKey(pub)).toThrow(TypeError);
    expect(() => ed25519PrivateFromSeed(Buffer.alloc(31))).toThrow(TypeError);
    expect(() => x25519PublicFromRaw(Buffer.alloc(33))).toThrow(TypeError);
  });

  it('generates usable key pairs with the conventional key ids', () => {
    const pairs = generateKeyPairs('FR', 2);
    expect(pairs.signing.keyId).toBe('FR-sig-2');
    expect(pairs.encryption.keyId).toBe('FR-enc-2');
    expect(pairs.signing.privateRaw).toHaveLength(32);
    expect(pairs.encryption.privateRaw).toHaveLength(32);
    expect(Buffer.from(pairs.signing.publicKey, 'base64')).toHaveLength(32);
    expect(Buffer.from(pairs.encryption.publicKey, 'base64')).toHaveLength(32);
    expect(generateKeyPairs('FR').signing.keyId).toBe('FR-sig-1');
    expect(() => generateKeyPairs('fr')).toThrow(TypeError);
    expect(() => generateKeyPairs('FR', 0)).toThrow(TypeError);

    const message = Buffer.from('{"hello":"Ана"}', 'utf8');
    const signature = sign(message, ed25519PrivateFromSeed(pairs.signing.privateRaw));
    expect(verify(message, signature, pairs.signing.publicKey)).toBe(true);

    const recipient = { keyId: pairs.encryption.keyId, publicKey: pairs.encryption.publicKey };
    const a = seal(message, recipient, 'aad');
    const b = seal(message, recipient, 'aad');
    expect(a.alg).toBe(SEAL_ALG);
    expect(a.recipientKeyId).toBe('FR-enc-2');
    // Fresh ephemeral key and iv every time.
    expect(a.epk).not.toBe(b.epk);
    expect(a.iv).not.toBe(b.iv);
    expect(open(a, x25519PrivateFromRaw(pairs.encryption.privateRaw), 'aad').equals(message)).toBe(true);
  });

  it('refuses to seal for a malformed recipient key or with a wrong-size fixed iv', () => {
    const message = Buffer.from('x');
    expect(() => seal(message, { keyId: 'MK-enc-1', publicKey: 'AAAA' }, 'aad')).toThrow(TypeError);
    expect(() =>
      seal(message, { keyId: 'MK-enc-1', publicKey: xv.recipientPublicKey }, 'aad', { iv: Buffer.alloc(8) }),
    ).toThrow(TypeError);
  });

  it('refuses to sign with a key that is not an Ed25519 private key', () => {
    expect(() => sign(body, recipientKey)).toThrow(TypeError);
  });
});

describe('base64OfBytesPattern', () => {
  it.each([12, 16, 32, 64])('accepts the canonical base64 of any %i bytes and no other spelling', (bytes) => {
    const pattern = base64OfBytesPattern(bytes);
    for (let i = 0; i < 200; i++) {
      const canonical = randomBytes(bytes).toString('base64');
      expect(canonical).toMatch(pattern);
      // Flip each unused low bit of the last character before the padding: same bytes, other spelling.
      const padding = canonical.length - canonical.replace(/=+$/, '').length;
      const lastIndex = canonical.length - padding - 1;
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
      const value = alphabet.indexOf(canonical[lastIndex]);
      for (let bit = 0; bit < padding * 2; bit++) {
        const other = `${canonical.slice(0, lastIndex)}${alphabet[value ^ (1 << bit)]}${'='.repeat(padding)}`;
        expect(other).not.toMatch(pattern);
        expect(Buffer.from(other, 'base64')).toEqual(Buffer.from(canonical, 'base64'));
      }
    }
    expect(randomBytes(bytes + 1).toString('base64')).not.toMatch(pattern);
  });
});
