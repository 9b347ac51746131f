/**
 * A participant's private keys, loaded once from disk and never exposed again: callers get sign() and
 * open(), not the keys. Plain class so scripts and tests can use it; the Nest provider wraps createKeyStore.
 *
 * Layout: `<dir>/<CC>.signing.key` and `<dir>/<CC>.encryption.key`, each JSON
 * `{ "keyId": "...", "privateKey": "<base64 raw 32>" }`, mode 0600.
 */
import {
  closeSync,
  existsSync,
  fchmodSync,
  fstatSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { randomBytes, type KeyObject } from 'node:crypto';
import * as path from 'node:path';
import {
  SealError,
  type GeneratedKeyPairs,
  type Sealed,
  ed25519PrivateFromSeed,
  open as openSealed,
  rawPublicKey,
  sign as signBody,
  x25519PrivateFromRaw,
} from './trm-crypto';
import { COUNTRY_CODE } from '../common/validation';

/** Configuration or file problem with the key files. Messages name files, never their contents. */
export class KeyStoreError extends Error {
  override readonly name = 'KeyStoreError';
}

export interface KeyFile {
  keyId: string;
  /** Base64 of the raw 32-byte private key (Ed25519 seed or X25519 scalar). */
  privateKey: string;
}

type KeyKind = 'signing' | 'encryption';

const BASE64_32 = /^[A-Za-z0-9+/]{43}=$/;
// Key ids are echoed in error messages; only a plain id is worth echoing, anything else could be injected text.
const PRINTABLE_KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;

function requireCode(code: string): void {
  if (!COUNTRY_CODE.test(code))
    throw new KeyStoreError(`participant code must be two upper-case letters, got "${code}"`);
}

export function keyFilePath(dir: string, code: string, kind: KeyKind): string {
  return path.join(dir, `${code}.${kind}.key`);
}

export function readKeyFile(file: string, code: string): { keyId: string; raw: Buffer } {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (err) {
    const errno = (err as NodeJS.ErrnoException).code;
    if (errno === 'ENOENT') {
      throw new KeyStoreError(`key file not found: ${file} (generate keys with "npm run keys -- ${code}")`);
    }
    throw new KeyStoreError(`cannot open key file ${file}: ${errno ?? 'unknown error'}`);
  }

  let content: Buffer;
  try {
    // fstat on the open descriptor, so the file checked is the file read.
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new KeyStoreError(`key file ${file} is not a regular file`);
    // A private key others can read is a compromised key; refuse rather than warn. (No POSIX modes on Windows.)
    if (process.platform !== 'win32' && (stat.mode & 0o077) !== 0) {
      const mode = (stat.mode & 0o777).toString(8).padStart(3, '0');
      throw new KeyStoreError(
        `key file ${file} is readable by group or others (mode ${mode}); restrict it with: chmod 600 ${file}`,
      );
    }
    content = readFileSync(fd);
  } finally {
    closeSync(fd);
  }

  let parsed: unknown;
  try {
    parsed = JSON.parse(content.toString('utf8'));
  } catch {
    // JSON.parse messages may quote the input, which is the key: keep only the file name.
    throw new KeyStoreError(`key file ${file} is not valid JSON`);
  } finally {
    content.fill(0);
  }

  const { keyId, privateKey } = (parsed ?? {}) as Partial<Record<keyof KeyFile, unknown>>;
  if (typeof keyId !== 'string' || keyId.length === 0) {
    throw new KeyStoreError(`key file ${file} has no "keyId" string`);
  }
  if (typeof privateKey !== 'string' || !BASE64_32.test(privateKey)) {
    throw new KeyStoreError(`key file ${file}: "privateKey" must be base64 of 32 raw bytes`);
  }
  return { keyId, raw: Buffer.from(privateKey, 'base64') };
}

export class KeyStore {
  readonly #signingKey: KeyObject;
  readonly #encryptionKey: KeyObject;

  private constructor(
    readonly code: string,
    readonly signingKeyId: string,
    signingKey: KeyObject,
    readonly encryptionKeyId: string,
    encryptionKey: KeyObject,
  ) {
    this.#signingKey = signingKey;
    this.#encryptionKey = encryptionKey;
  }

  /** Loads `<CC>.signing.key` and `<CC>.encryption.key` from `dir`; throws KeyStoreError naming the file. */
  static load(dir: string, code: string): KeyStore {
    requireCode(code);
    const signing = readKeyFile(keyFilePath(dir, code, 'signing'), code);
    const encryption = readKeyFile(keyFilePath(dir, code, 'encryption'), code);
    try {
      return new KeyStore(
        code,
        signing.keyId,
        ed25519PrivateFromSeed(signing.raw),
        encryption.keyId,
        x25519PrivateFromRaw(encryption.raw),
      );
    } finally {
      // The KeyObjects hold their own copies; don't leave the raw bytes lying in the heap.
      signing.raw.fill(0);
      encryption.raw.fill(0);
    }
  }

  /** Base64 raw public signing key, to check against this participant's directory entry at startup. */
  get signingPublicKey(): string {
    return rawPublicKey(this.#signingKey).toString('base64');
  }

  /** Base64 raw public encryption key, to check against this participant's directory entry at startup. */
  get encryptionPublicKey(): string {
    return rawPublicKey(this.#encryptionKey).toString('base64');
  }

  /** Base64 Ed25519 signature over the exact body bytes (`x-trm-signature`). */
  sign(body: Buffer): string {
    return signBody(body, this.#signingKey);
  }

  /** Opens a payload sealed for this node's encryption key; SealError DECRYPTION_FAILED for any other key. */
  open(sealed: Sealed, aad: string): Buffer {
    const keyId: unknown = (sealed as Partial<Sealed> | null)?.recipientKeyId;
    if (keyId !== this.encryptionKeyId) {
      const named =
        typeof keyId === 'string' && PRINTABLE_KEY_ID.test(keyId) ? `key ${keyId}` : 'another key';
      throw new SealError(
        'DECRYPTION_FAILED',
        `sealed for ${named}, this node holds ${this.encryptionKeyId}`,
      );
    }
    return openSealed(sealed, this.#encryptionKey, aad);
  }
}

/** Factory for the Nest provider (useFactory) and scripts. */
export function createKeyStore(options: { dir: string; code: string }): KeyStore {
  return KeyStore.load(options.dir, options.code);
}

export function writeSecretFile(file: string, content: string, force: boolean): void {
  // Without force, O_EXCL ('wx') makes creation atomic and refuses an existing file or symlink. With force,
  // write a temporary file and rename it over the old one, so a crash never leaves a half-written key.
  const target = force
    ? path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`)
    : file;
  const fd = openSync(target, 'wx', 0o600);
  try {
    // The umask can only remove bits from 0o600, but be explicit in case the process runs with an odd one.
    fchmodSync(fd, 0o600);
    writeSync(fd, content);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    rmSync(target, { force: true });
    throw err;
  }
  closeSync(fd);
  if (force) renameSync(target, file);
}

/**
 * Writes both private key files (mode 0600; `dir` created 0700 if missing). Refuses to replace existing
 * files unless `force`: overwriting a key in use silently cuts the participant off from its peers.
 * Returns the paths written.
 */
export function writeKeyFiles(
  dir: string,
  code: string,
  pairs: GeneratedKeyPairs,
  options: { force?: boolean } = {},
): { signing: string; encryption: string } {
  requireCode(code);
  const force = options.force ?? false;
  const files = {
    signing: keyFilePath(dir, code, 'signing'),
    encryption: keyFilePath(dir, code, 'encryption'),
  };

  // Check both before writing either, so a refusal never leaves a mismatched pair behind.
  const existing = Object.values(files).filter((file) => existsSync(file));
  if (!force && existing.length > 0) {
    throw new KeyStoreError(`refusing to overwrite existing key file(s): ${existing.join(', ')}`);
  }

  mkdirSync(dir, { recursive: true, mode: 0o700 });
  for (const kind of ['signing', 'encryption'] as const) {
    const pair = pairs[kind];
    if (pair.privateRaw.length !== 32) throw new KeyStoreError(`${kind} private key must be 32 raw bytes`);
    const keyFile: KeyFile = { keyId: pair.keyId, privateKey: pair.privateRaw.toString('base64') };
    writeSecretFile(files[kind], `${JSON.stringify(keyFile, null, 2)}\n`, force);
  }
  return files;
}
