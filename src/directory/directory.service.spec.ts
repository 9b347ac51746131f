import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { KeyStore, writeKeyFiles } from '../crypto/key-store';
import { generateKeyPairs } from '../crypto/trm-crypto';
import type { MessageType } from '../messages/message-types';
import { ParticipantDto } from './directory-file.dto';
import { checkOwnKeys, DirectoryError, parseDirectoryFile, participantAccepts } from './directory.service';

const KEY = Buffer.alloc(32, 7).toString('base64');
const participant = (code: string, extra: Record<string, unknown> = {}) => ({
  code,
  name: `${code}: national contact point`,
  languages: ['en'],
  signingKey: { keyId: `${code}-sig-1`, publicKey: KEY },
  encryptionKey: { keyId: `${code}-enc-1`, publicKey: KEY },
  contacts: [
    { sop: 4, institution: 'Ministry of Social Policy', role: 'case manager', email: 'sop4@example.org' },
  ],
  ...extra,
});
const file = (...participants: unknown[]) => JSON.stringify({ version: 1, participants });

describe('parseDirectoryFile', () => {
  it('reads a later version with its issue date (docs/directory.md)', () => {
    const parsed = parseDirectoryFile(
      JSON.stringify({ version: 7, issuedAt: '2026-12-06T20:00:00.000Z', participants: [participant('FR')] }),
    );
    expect([parsed.version, parsed.issuedAt]).toEqual([7, '2026-12-06T20:00:00.000Z']);
  });

  it('reads the PROTOCOL.md directory format', () => {
    const parsed = parseDirectoryFile(
      file(participant('FR', { accepts: ['REFERRAL_REQUEST'] }), participant('XK')),
    );
    expect(parsed.participants.map((p) => p.code)).toEqual(['FR', 'XK']);
    expect(parsed.participants[0].accepts).toEqual(['REFERRAL_REQUEST']);
    expect(parsed.participants[1].contacts[0].sop).toBe(4);
  });

  it.each([
    ['not JSON', '{', /not valid JSON/],
    ['a version below 1', JSON.stringify({ version: 0, participants: [] }), /version/],
    ['a version that is not an integer', JSON.stringify({ version: 1.5, participants: [] }), /version/],
    [
      'a signature that is no signature',
      JSON.stringify({ version: 2, participants: [], signature: { alg: 'RSA', anchor: KEY, value: 'x' } }),
      /signature\.alg.*signature\.value/,
    ],
    ['a lower-case code', file(participant('fr')), /participants\.0\.code/],
    [
      'a key that is not 32 bytes',
      file(participant('FR', { signingKey: { keyId: 'k', publicKey: 'AAAA' } })),
      /signingKey\.publicKey/,
    ],
    ['an unknown message type', file(participant('FR', { accepts: ['TEA'] })), /accepts/],
    [
      'an SOP outside 1-5',
      file(participant('FR', { contacts: [{ sop: 6, institution: 'x' }] })),
      /contacts\.0\.sop/,
    ],
    ['an unknown field', file(participant('FR', { privateKey: 'oops' })), /privateKey/],
    ['a participant listed twice', file(participant('FR'), participant('FR')), /FR twice/],
    [
      'one key id for two keys of a participant',
      file(participant('FR', { previousSigningKey: { keyId: 'FR-sig-1', publicKey: KEY } })),
      /FR one key id twice/,
    ],
  ])('refuses %s with a message naming the problem', (_, json, expected) => {
    expect(() => parseDirectoryFile(json)).toThrow(DirectoryError);
    expect(() => parseDirectoryFile(json)).toThrow(expected);
  });
});

describe('checkOwnKeys', () => {
  const pairs = generateKeyPairs('FR');
  const dir = mkdtempSync(path.join(tmpdir(), 'trm-keys-'));
  writeKeyFiles(dir, 'FR', pairs);
  const keys = KeyStore.load(dir, 'FR');
  const entry = (changes: Partial<ParticipantDto> = {}): ParticipantDto =>
    ({
      ...participant('FR'),
      signingKey: { keyId: pairs.signing.keyId, publicKey: pairs.signing.publicKey },
      encryptionKey: { keyId: pairs.encryption.keyId, publicKey: pairs.encryption.publicKey },
      ...changes,
    }) as ParticipantDto;

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('accepts keys that match the directory entry', () => {
    expect(() => checkOwnKeys(entry(), keys)).not.toThrow();
  });

  it('during a rollover: a next key it does not hold yet is fine, one it holds must match', () => {
    const next = generateKeyPairs('FR', 2);
    const announced = entry({ nextSigningKey: { keyId: 'FR-sig-2', publicKey: next.signing.publicKey } });
    expect(() => checkOwnKeys(announced, keys)).not.toThrow();
    writeKeyFiles(dir, 'FR', next, { generation: 2 });
    keys.reload();
    expect(() => checkOwnKeys(announced, keys)).not.toThrow();
    const other = generateKeyPairs('FR', 2);
    expect(() =>
      checkOwnKeys(
        entry({ nextSigningKey: { keyId: 'FR-sig-2', publicKey: other.signing.publicKey } }),
        keys,
      ),
    ).toThrow(/signing key \(directory FR-sig-2, key file FR-sig-2\)/);
  });

  it('refuses to run with keys another entry publishes, naming which key', () => {
    const other = generateKeyPairs('FR', 2);
    expect(() =>
      checkOwnKeys(entry({ signingKey: { keyId: 'FR-sig-1', publicKey: other.signing.publicKey } }), keys),
    ).toThrow(/signing key \(directory FR-sig-1, key file FR-sig-1\)/);
    expect(() =>
      checkOwnKeys(
        entry({ encryptionKey: { keyId: 'FR-enc-2', publicKey: other.encryption.publicKey } }),
        keys,
      ),
    ).toThrow(/encryption key/);
  });
});

describe('participantAccepts: which types a participant takes', () => {
  it.each<[string, string[] | null, MessageType, boolean]>([
    ['accepts left out: every v1 type', null, 'CASE_UPDATE', true],
    ['accepts left out: never an extension', null, 'EMERGENCY_ALERT_ACKNOWLEDGEMENT', false],
    [
      'accepts listing the extension',
      ['EMERGENCY_ALERT', 'EMERGENCY_ALERT_ACKNOWLEDGEMENT'],
      'EMERGENCY_ALERT_ACKNOWLEDGEMENT',
      true,
    ],
    ['accepts without the extension', ['EMERGENCY_ALERT'], 'EMERGENCY_ALERT_ACKNOWLEDGEMENT', false],
    ['accepts without a v1 type', ['EMERGENCY_ALERT'], 'CASE_UPDATE', false],
    ['technical types, always', ['EMERGENCY_ALERT'], 'DELIVERY_RECEIPT', true],
  ])('%s', (_name, accepts, type, expected) => {
    expect(participantAccepts(accepts, type)).toBe(expected);
  });
});
