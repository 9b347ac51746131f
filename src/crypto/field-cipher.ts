/**
 * Field-level encryption of victims' personal data at rest: AES-256-GCM under a node-local data key.
 *
 * A stored value reads `v2.<keyId>.<iv>.<tag>.<ciphertext>` (base64url parts): a fresh 96-bit IV per value,
 * the key id in clear so keys can be rotated (`npm run keys:rotate`), and as additional authenticated data
 * the table, the column AND the row's primary key, so a value copied into another column or another row
 * (one person's name into another's case) fails to open instead of reading as that row's data. Values in the
 * older `v1` format bind only the table and column: they still open, and the node re-binds them to their
 * rows at boot (src/crypto/field-rekey.ts).
 *
 * Data keys are files beside the node's other keys: `<dir>/<CC>.data-<n>.key`, the same JSON as the other
 * key files (`privateKey` holds the 32 raw AES bytes), mode 0600. The highest `n` is the active key; the
 * others only open older values until rotation has moved them all.
 */
import { createCipheriv, createDecipheriv, createSecretKey, KeyObject, randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { KeyStoreError, readKeyFile, writeSecretFile } from './key-store';

/** A stored value that cannot be opened. Messages name the column, row id and key id, never any content. */
export class FieldCipherError extends Error {
  override readonly name = 'FieldCipherError';

  constructor(
    message: string,
    /** The value is well-formed under a key the node holds but fails authentication: altered or moved. */
    readonly integrity = false,
  ) {
    super(message);
  }
}

/** Bound to the row (table, column, primary key); `v1`, bound to table and column only, is read, never written. */
const ROW_BOUND = 'v2';
const UNBOUND = 'v1';
const IV_BYTES = 12;
const SEALED = /^(v[12])\.([A-Za-z0-9_-]{1,64})\.([A-Za-z0-9_-]{16})\.([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]*)$/;
/** How often sealing looks for a key that `keys:rotate` added while the node runs. */
export const REFRESH_INTERVAL_MS = 2_000;

/** True for a value in the stored format (anything else is plaintext from before encryption). */
export function isSealedValue(value: string): boolean {
  return SEALED.test(value);
}

/** The key id a stored value names, or null for plaintext. */
export function keyIdOf(value: string): string | null {
  return SEALED.exec(value)?.[2] ?? null;
}

/** True for a value bound to its row (`v2`). */
export function isRowBound(value: string): boolean {
  return SEALED.exec(value)?.[1] === ROW_BOUND;
}

/**
 * A value of a case's personal data (`v3.<iv>.<tag>.<ciphertext>`): under the case's own data key
 * (src/crypto/case-keys.ts), bound to its row like `v2`. No key id: the row's case names the key.
 */
const CASE_SEALED = /^v3\.([A-Za-z0-9_-]{16})\.([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]*)$/;

/** True for a value under its case's data key (`v3`). */
export function isCaseSealed(value: string): boolean {
  return CASE_SEALED.test(value);
}

/** Encrypts under a case's data key for one row (`column` is `table.column`, `rowId` its primary key). */
export function sealForCase(key: KeyObject, plain: Buffer, column: string, rowId: string): string {
  if (!rowId) throw new FieldCipherError(`${column}: a value is sealed for a row, and this one has no id`);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(rowAad(column, rowId), 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plain), cipher.final()]);
  return ['v3', ...[iv, cipher.getAuthTag(), ciphertext].map((b) => b.toString('base64url'))].join('.');
}

/** Decrypts a `v3` value of `column` in row `rowId` under its case's key; FieldCipherError as `open`. */
export function openForCase(key: KeyObject, value: string, column: string, rowId: string): Buffer {
  const match = CASE_SEALED.exec(value);
  if (!match)
    throw new FieldCipherError(`${column} (row ${rowId}) holds a value that is not under a case key`);
  const [, iv, tag, ciphertext] = match;
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
  decipher.setAAD(Buffer.from(rowAad(column, rowId), 'utf8'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  try {
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]);
  } catch {
    throw new FieldCipherError(
      `${column} (row ${rowId}) holds a value under its case's key that fails authentication: altered, or moved from another row, column or case`,
      true,
    );
  }
}

/** The additional authenticated data of a row-bound value: `<table>.<column>:<primary key>`. */
function rowAad(column: string, rowId: string): string {
  return `${column}:${rowId}`;
}

function dataKeyFileName(code: string, serial: number): string {
  return `${code}.data-${serial}.key`;
}

/** The data keys of participant `code` in `dir`, by serial. */
function readDataKeys(dir: string, code: string): Map<number, { keyId: string; key: KeyObject }> {
  const pattern = new RegExp(`^${code}\\.data-([1-9][0-9]{0,8})\\.key$`);
  const keys = new Map<number, { keyId: string; key: KeyObject }>();
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    throw new KeyStoreError(`cannot read keys directory ${dir}: ${(err as NodeJS.ErrnoException).code}`);
  }
  for (const name of names) {
    const serial = pattern.exec(name)?.[1];
    if (serial === undefined) continue;
    const file = path.join(dir, name);
    const { keyId, raw } = readKeyFile(file, code);
    if (keyId !== `${code}-data-${serial}`)
      throw new KeyStoreError(`key file ${file} holds key id ${keyId}, expected ${code}-data-${serial}`);
    // The KeyObject holds its own copy; don't leave the raw bytes lying in the heap.
    keys.set(Number(serial), { keyId, key: createSecretKey(raw) });
    raw.fill(0);
  }
  return keys;
}

/** Writes the next data key (mode 0600) and returns its id; the new key becomes the active one. */
export function createDataKey(dir: string, code: string): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const serials = [...readDataKeys(dir, code).keys()];
  const serial = serials.length === 0 ? 1 : Math.max(...serials) + 1;
  const keyId = `${code}-data-${serial}`;
  const key = randomBytes(32);
  writeSecretFile(
    path.join(dir, dataKeyFileName(code, serial)),
    `${JSON.stringify({ keyId, privateKey: key.toString('base64') }, null, 2)}\n`,
    false,
  );
  key.fill(0);
  return keyId;
}

/** The first data key, unless the participant has one (a data key is never replaced: rotation adds one). */
export function ensureDataKey(dir: string, code: string): { keyId: string; created: boolean } {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const existing = readDataKeys(dir, code);
  if (existing.size > 0) return { keyId: existing.get(Math.max(...existing.keys()))!.keyId, created: false };
  return { keyId: createDataKey(dir, code), created: true };
}

export class FieldCipher {
  #keys = new Map<string, KeyObject>();
  #activeKeyId = '';
  #dirStamp = 0;
  #checkedAt = 0;

  private constructor(
    readonly dir: string,
    readonly code: string,
  ) {
    this.reload();
  }

  /** Loads every data key of `code` from `dir`; throws KeyStoreError when there is none. */
  static load(dir: string, code: string): FieldCipher {
    return new FieldCipher(dir, code);
  }

  get activeKeyId(): string {
    return this.#activeKeyId;
  }

  keyIds(): string[] {
    return [...this.#keys.keys()];
  }

  hasKey(keyId: string): boolean {
    return this.#keys.has(keyId);
  }

  /**
   * Encrypts under the active key for one row: `column` is `table.column`, `rowId` the row's primary key.
   * The value then opens in that row and column only.
   */
  sealRow(plain: Buffer, column: string, rowId: string): string {
    if (!rowId) throw new FieldCipherError(`${column}: a value is sealed for a row, and this one has no id`);
    return this.sealAs(ROW_BOUND, plain, rowAad(column, rowId));
  }

  /**
   * The older `v1` format, bound to `table.column` only. The node never writes it; kept so that tests (and
   * only they) can produce what an older node stored.
   */
  sealUnbound(plain: Buffer, column: string): string {
    return this.sealAs(UNBOUND, plain, column);
  }

  private sealAs(version: string, plain: Buffer, aad: string): string {
    this.refreshIfChanged();
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#keys.get(this.#activeKeyId)!, iv);
    cipher.setAAD(Buffer.from(aad, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plain), cipher.final()]);
    const parts = [iv, cipher.getAuthTag(), ciphertext].map((b) => b.toString('base64url'));
    return [version, this.#activeKeyId, ...parts].join('.');
  }

  /**
   * Decrypts a value stored in `column` (`table.column`) of the row `rowId`; FieldCipherError if it is
   * malformed, under an unknown key, or fails authentication (altered, or moved from another row or column:
   * `integrity` set). A `v1` value is checked against its column only.
   */
  open(value: string, column: string, rowId?: string): Buffer {
    const match = SEALED.exec(value);
    if (!match) throw new FieldCipherError(`${column} holds a value that is not in the encrypted format`);
    const [, version, keyId, iv, tag, ciphertext] = match;
    const where = rowId === undefined ? column : `${column} (row ${rowId})`;
    if (version === ROW_BOUND && rowId === undefined)
      throw new FieldCipherError(`${column}: a row-bound value can only be opened with its row id`);
    if (!this.#keys.has(keyId)) this.reload();
    const key = this.#keys.get(keyId);
    if (!key) {
      throw new FieldCipherError(
        `${where} holds a value encrypted under data key ${keyId}, which is not in ${this.dir}`,
      );
    }
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(version === ROW_BOUND ? rowAad(column, rowId!) : column, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    try {
      return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]);
    } catch {
      throw new FieldCipherError(
        `${where} holds a value under data key ${keyId} that fails authentication: altered, or moved from another ${version === ROW_BOUND ? 'row or ' : ''}column`,
        true,
      );
    }
  }

  /** Re-reads the keys directory (a rotation adds a key while the node runs). */
  reload(): void {
    const found = readDataKeys(this.dir, this.code);
    if (found.size === 0) {
      throw new KeyStoreError(
        `no data key for ${this.code} in ${this.dir} (create one with "npm run keys -- ${this.code}")`,
      );
    }
    this.#keys = new Map([...found.values()].map(({ keyId, key }) => [keyId, key]));
    this.#activeKeyId = found.get(Math.max(...found.keys()))!.keyId;
    this.#dirStamp = statSync(this.dir).mtimeMs;
    this.#checkedAt = Date.now();
  }

  private refreshIfChanged(): void {
    if (Date.now() - this.#checkedAt < REFRESH_INTERVAL_MS) return;
    this.#checkedAt = Date.now();
    if (statSync(this.dir).mtimeMs !== this.#dirStamp) this.reload();
  }
}
