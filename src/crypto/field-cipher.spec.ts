import { chmodSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  createDataKey,
  ensureDataKey,
  FieldCipher,
  FieldCipherError,
  isSealedValue,
  keyIdOf,
} from './field-cipher';
import { KeyStoreError } from './key-store';

describe('FieldCipher', () => {
  let dir: string;
  const name = 'Ана Петровска';

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'field-cipher-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('round-trips under the active key, with a fresh IV each time and nothing of the value in clear', () => {
    ensureDataKey(dir, 'FR');
    const cipher = FieldCipher.load(dir, 'FR');
    const a = cipher.seal(Buffer.from(name), 'messages.payload');
    const b = cipher.seal(Buffer.from(name), 'messages.payload');
    expect(a).not.toBe(b);
    for (const sealed of [a, b]) {
      expect(sealed).toMatch(/^v1\.FR-data-1\./);
      expect(isSealedValue(sealed)).toBe(true);
      expect(keyIdOf(sealed)).toBe('FR-data-1');
      expect(sealed).not.toContain(name);
      expect(Buffer.from(sealed.split('.')[4], 'base64url').toString()).not.toContain(name);
      expect(cipher.open(sealed, 'messages.payload').toString()).toBe(name);
    }
  });

  it('refuses a value moved to another column, or altered, naming the column and key but no content', () => {
    ensureDataKey(dir, 'FR');
    const cipher = FieldCipher.load(dir, 'FR');
    const sealed = cipher.seal(Buffer.from(name), 'risk_assessments.summary');
    expect(() => cipher.open(sealed, 'risk_overrides.reason')).toThrow(
      /risk_overrides\.reason holds a value under data key FR-data-1 that fails authentication/,
    );
    const parts = sealed.split('.');
    const ct = Buffer.from(parts[4], 'base64url');
    ct[0] ^= 1;
    parts[4] = ct.toString('base64url');
    let error: unknown;
    try {
      cipher.open(parts.join('.'), 'risk_assessments.summary');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FieldCipherError);
    expect((error as Error).message).toMatch(/risk_assessments\.summary .*fails authentication/);
    expect((error as Error).message).not.toContain(name);
    expect(() => cipher.open(name, 'consent_records.child_view')).toThrow(
      /^consent_records\.child_view holds a value that is not in the encrypted format$/,
    );
  });

  it('names a missing key id, and finds a key added while it runs (rotation)', () => {
    ensureDataKey(dir, 'FR');
    const cipher = FieldCipher.load(dir, 'FR');
    const old = cipher.seal(Buffer.from('x'), 't.c');
    expect(createDataKey(dir, 'FR')).toBe('FR-data-2');
    const other = FieldCipher.load(dir, 'FR');
    expect(other.activeKeyId).toBe('FR-data-2');
    const newer = other.seal(Buffer.from('y'), 't.c');
    // `cipher` still has only key 1 loaded: meeting key 2 makes it look again.
    expect(cipher.open(newer, 't.c').toString()).toBe('y');
    expect(cipher.activeKeyId).toBe('FR-data-2');
    expect(other.open(old, 't.c').toString()).toBe('x');

    rmSync(path.join(dir, 'FR.data-1.key'));
    const withoutOld = FieldCipher.load(dir, 'FR');
    expect(() => withoutOld.open(old, 't.c')).toThrow(
      /t\.c holds a value encrypted under data key FR-data-1, which is not in/,
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
