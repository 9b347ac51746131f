import { generateKeyPairSync } from 'node:crypto';
import { rawPublicKey } from '../crypto/trm-crypto';
import { canonicalJson, checkDirectorySignature, directoryDigest, signDirectory } from './signed-directory';

const anchor = generateKeyPairSync('ed25519').privateKey;
const anchorKey = rawPublicKey(anchor).toString('base64');
const otherAnchor = generateKeyPairSync('ed25519').privateKey;
const directory = {
  version: 3,
  issuedAt: '2026-12-06T20:00:00.000Z',
  participants: [
    { code: 'FR', name: 'France', languages: ['fr', 'en'], contacts: [{ sop: 4, institution: 'É' }] },
  ],
};

describe('canonicalJson (RFC 8785 for parsed JSON)', () => {
  it.each([
    [{ b: 1, a: [true, null, 'x'] }, '{"a":[true,null,"x"],"b":1}'],
    [{ '\u00e9': 1, e: 2, E: 3 }, '{"E":3,"e":2,"\u00e9":1}'],
    [{ s: 'line\nbreak "quoted" \u2028' }, '{"s":"line\\nbreak \\"quoted\\" \u2028"}'],
    [{ n: 1e21, m: -0, f: 0.1 }, '{"f":0.1,"m":0,"n":1e+21}'],
    [{ nested: { z: {}, y: [] } }, '{"nested":{"y":[],"z":{}}}'],
  ])('%j → %s', (value, expected) => {
    expect(canonicalJson(value)).toBe(expected);
  });

  it('does not depend on member order or whitespace', () => {
    const reordered = JSON.parse(
      JSON.stringify(
        { participants: directory.participants, issuedAt: directory.issuedAt, version: 3 },
        null,
        4,
      ),
    );
    expect(directoryDigest(reordered)).toBe(directoryDigest(directory));
  });
});

describe('signDirectory / checkDirectorySignature', () => {
  const signed = signDirectory(directory, anchor);
  /** As a node reads it: from the file's text. */
  const reread = (file: unknown) => JSON.parse(JSON.stringify(file, null, 2)) as Record<string, unknown>;

  it('signs with the anchor named by its public key, and the signature survives a round trip through the file', () => {
    expect(signed.signature).toMatchObject({ alg: 'Ed25519', anchor: anchorKey });
    expect(checkDirectorySignature(reread(signed), [anchorKey])).toEqual({
      status: 'SIGNED',
      anchor: anchorKey,
    });
  });

  it('leaves the digest alone: it names the content, not the signature', () => {
    expect(directoryDigest(signed)).toBe(directoryDigest(directory));
  });

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the cases reach into the file freely
  it.each<[string, (file: Record<string, any>) => void, string]>([
    ['a changed contact', (f) => (f.participants[0].contacts[0].institution = 'E'), 'SIGNATURE_INVALID'],
    ['a raised version', (f) => (f.version = 4), 'SIGNATURE_INVALID'],
    ['an added member', (f) => (f.note = 'x'), 'SIGNATURE_INVALID'],
    [
      'another signature value',
      (f) => (f.signature.value = signDirectory({ x: 1 }, anchor).signature.value),
      'SIGNATURE_INVALID',
    ],
    ['no signature', (f) => delete f.signature, 'UNSIGNED'],
    ['a signature that is not an object', (f) => (f.signature = 'x'), 'SIGNATURE_INVALID'],
    ['another algorithm', (f) => (f.signature.alg = 'RSA'), 'SIGNATURE_INVALID'],
  ])('%s: %s', (_, change, status) => {
    const file = reread(signed);
    change(file);
    expect(checkDirectorySignature(file, [anchorKey]).status).toBe(status);
  });

  it('tells a file signed by another key (WRONG_ANCHOR) from a tampered one, and accepts any configured anchor', () => {
    const foreign = signDirectory(directory, otherAnchor);
    expect(checkDirectorySignature(reread(foreign), [anchorKey]).status).toBe('WRONG_ANCHOR');
    const otherKey = rawPublicKey(otherAnchor).toString('base64');
    expect(checkDirectorySignature(reread(foreign), [anchorKey, otherKey]).status).toBe('SIGNED');
  });

  it('replaces an earlier signature when signing again', () => {
    const again = signDirectory({ ...signed, version: 4 }, otherAnchor);
    expect(
      checkDirectorySignature(reread(again), [rawPublicKey(otherAnchor).toString('base64')]).status,
    ).toBe('SIGNED');
  });
});
