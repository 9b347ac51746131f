import { chmodSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  createDataKey,
  ensureDataKey,
  FieldCipher,
  FieldCipherError,
  isRowBound,
  isSealedValue,
  keyIdOf,
} from './field-cipher';
import { KeyStoreError } from './key-store';

function thrown(run: () => unknown): FieldCipherError {
  try {
    run();
  } catch (error) {
    return error as FieldCipherError;
  }
  throw new Error('expected an error');
}

describe('FieldCipher', () => {
  let dir: string;
  const name = 'Ана Петровска';

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'field-cipher-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('round-trips under the active key, bound to its row, with a fresh IV each time and nothing of the value in clear', () => {
    ensureDataKey(dir, 'FR');
    const cipher = FieldCipher.load(dir, 'FR');
    const a = cipher.sealRow(Buffer.from(name), 'messages.payload', 'row-1');
    const b = cipher.sealRow(Buffer.from(name), 'messages.payload', 'row-1');
    expect(a).not.toBe(b);
    for (const sealed of [a, b]) {
      expect(sealed).toMatch(/^v2\.FR-data-1\./);
      expect(isSealedValue(sealed)).toBe(true);
      expect(isRowBound(sealed)).toBe(true);
      expect(keyIdOf(sealed)).toBe('FR-data-1');
      expect(sealed).not.toContain(name);
      expect(Buffer.from(sealed.split('.')[4], 'base64url').toString()).not.toContain(name);
      expect(cipher.open(sealed, 'messages.payload', 'row-1').toString()).toBe(name);
    }
  });

  it('refuses a value moved to another row, as an integrity error naming the column and row but no content', () => {
    ensureDataKey(dir, 'FR');
    const cipher = FieldCipher.load(dir, 'FR');
    const sealed = cipher.sealRow(Buffer.from(name), 'cases.managers', 'case-a');
    const error = thrown(() => cipher.open(sealed, 'cases.managers', 'case-b'));
    expect(error).toBeInstanceOf(FieldCipherError);
    expect(error.integrity).toBe(true);
    expect(error.message).toBe(
      'cases.managers (row case-b) holds a value under data key FR-data-1 that fails authentication: altered, or moved from another row or column',
    );
    expect(() => cipher.open(sealed, 'cases.managers')).toThrow(/can only be opened with its row id/);
    // Relabelled as the older format, it does not open either: the version is bound through the data.
    expect(thrown(() => cipher.open(sealed.replace(/^v2/, 'v1'), 'cases.managers')).integrity).toBe(true);
  });

  it('still opens the older v1 values, bound to table and column only, whatever the row', () => {
    ensureDataKey(dir, 'FR');
    const cipher = FieldCipher.load(dir, 'FR');
    const old = cipher.sealUnbound(Buffer.from(name), 'messages.payload');
    expect(old).toMatch(/^v1\.FR-data-1\./);
    expect(isRowBound(old)).toBe(false);
    expect(cipher.open(old, 'messages.payload', 'any-row').toString()).toBe(name);
    expect(cipher.open(old, 'messages.payload').toString()).toBe(name);
  });

  it('refuses a value moved to another column, or altered, naming the column and key but no content', () => {
    ensureDataKey(dir, 'FR');
    const cipher = FieldCipher.load(dir, 'FR');
    const sealed = cipher.sealRow(Buffer.from(name), 'risk_assessments.summary', 'r1');
    expect(() => cipher.open(sealed, 'risk_overrides.reason', 'r1')).toThrow(
      /risk_overrides\.reason \(row r1\) holds a value under data key FR-data-1 that fails authentication/,
    );
    const parts = sealed.split('.');
    const ct = Buffer.from(parts[4], 'base64url');
    ct[0] ^= 1;
    parts[4] = ct.toString('base64url');
    const error = thrown(() => cipher.open(parts.join('.'), 'risk_assessments.summary', 'r1'));
    expect(error).toBeInstanceOf(FieldCipherError);
    expect(error.message).toMatch(/risk_assessments\.summary .*fails authentication/);
    expect(error.message).not.toContain(name);
    expect(() => cipher.open(name, 'consent_records.child_view', 'r1')).toThrow(
      /^consent_records\.child_view holds a value that is not in the encrypted format$/,
    );
  });

  it('names a missing key id, and finds a key added while it runs (rotation)', () => {
    ensureDataKey(dir, 'FR');
    const cipher = FieldCipher.load(dir, 'FR');
    const old = cipher.sealRow(Buffer.from('x'), 't.c', '1');
    expect(createDataKey(dir, 'FR')).toBe('FR-data-2');
    const other = FieldCipher.load(dir, 'FR');
    expect(other.activeKeyId).toBe('FR-data-2');
    const newer = other.sealRow(Buffer.from('y'), 't.c', '2');
    // `cipher` still has only key 1 loaded: meeting key 2 makes it look again.
    expect(cipher.open(newer, 't.c', '2').toString()).toBe('y');
    expect(cipher.activeKeyId).toBe('FR-data-2');
    expect(other.open(old, 't.c', '1').toString()).toBe('x');

    rmSync(path.join(dir, 'FR.data-1.key'));
    const withoutOld = FieldCipher.load(dir, 'FR');
    expect(() => withoutOld.open(old, 't.c', '1')).toThrow(
      /t\.c \(row 1\) holds a value encrypted under data key FR-data-1, which is not in/,
    );
  });

  it('keeps key files owner-only, never replaces one, and refuses a readable one or none at all', () => {
    expect(() => FieldCipher.load(dir, 'FR')).toThrow(KeyStoreError);
    expect(ensureDataKey(dir, 'FR')).toEqual({ keyId: 'FR-data-1', created: true });
    expect(ensureDataKey(dir, 'FR')).toEqual({ keyId: 'FR-data-1', created: false });
    expect(ensureDataKey(dir, 'MK')).toEqual({ keyId: 'MK-data-1', created: true });
    expect(readdirSync(dir).sort()).toEqual(['FR.data-1.key', 'MK.data-1.key']);
    const file = path.join(dir, 'FR.data-1.key');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    chmodSync(file, 0o644);
    expect(() => FieldCipher.load(dir, 'FR')).toThrow(/readable by group or others/);
  });
});
