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
  readdirSync,
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

/** `<CC>.<kind>.key`, and `<CC>.<kind>-<n>.key` for a key made for a rollover (`npm run keys -- CC --next`). */
function keyFilesOf(dir: string, code: string, kind: KeyKind): string[] {
  const pattern = new RegExp(`^${code}\\.${kind}-[1-9][0-9]{0,5}\\.key$`);
  const more = existsSync(dir) ? readdirSync(dir).filter((name) => pattern.test(name)) : [];
  const primary = keyFilePath(dir, code, kind);
  // No key of this kind at all: read the primary file anyway, so the error names it.
  return [
    ...(existsSync(primary) || more.length === 0 ? [primary] : []),
    ...more.map((n) => path.join(dir, n)),
  ];
}

/**
 * A participant's private keys. Usually one pair; during a key rollover (docs/protocol.md, "Key rollover")
 * also the next pair, or the retiring one. Which key signs, and which keys may open a payload, is the
 * directory's say (`use`): the keys its own entry publishes.
 */
export class KeyStore {
  #signing = new Map<string, KeyObject>();
  #encryption = new Map<string, KeyObject>();
  #signingKeyId: string;
  #encryptionKeyId: string;
  /** Encryption key ids a payload may be sealed for: the current one, and the next and retiring ones. */
  #openable: Set<string>;

  private constructor(
    readonly code: string,
    private readonly dir: string,
  ) {
    // Until the directory says otherwise: the keys of the primary files (or, when retired, of another file).
    const primary = this.read();
    this.#signingKeyId = primary.signing ?? [...this.#signing.keys()][0];
    this.#encryptionKeyId = primary.encryption ?? [...this.#encryption.keys()][0];
    this.#openable = new Set([this.#encryptionKeyId]);
  }

  /** Loads `<CC>.signing.key` and `<CC>.encryption.key` from `dir` (and any `-<n>` ones); errors name the file. */
  static load(dir: string, code: string): KeyStore {
    requireCode(code);
    return new KeyStore(code, dir);
  }

  /** Reads the key files again: a key made for a rollover is held without a restart. */
  reload(): void {
    this.read();
  }

  /** Reads every key file; returns the key ids of the primary files. */
  private read(): Partial<Record<KeyKind, string>> {
    const primary: Partial<Record<KeyKind, string>> = {};
    const signing = new Map<string, KeyObject>();
    const encryption = new Map<string, KeyObject>();
    for (const [kind, held, make] of [
      ['signing', signing, ed25519PrivateFromSeed],
      ['encryption', encryption, x25519PrivateFromRaw],
    ] as const) {
      for (const file of keyFilesOf(this.dir, this.code, kind)) {
        const { keyId, raw } = readKeyFile(file, this.code);
        if (file === keyFilePath(this.dir, this.code, kind)) primary[kind] = keyId;
        try {
          // The KeyObjects hold their own copies; don't leave the raw bytes lying in the heap.
          held.set(keyId, make(raw));
        } finally {
          raw.fill(0);
        }
      }
    }
    this.#signing = signing;
    this.#encryption = encryption;
    return primary;
  }

  /** The public key this node holds under `keyId`, base64 raw, to check against its directory entry. */
  publicKeyOf(kind: KeyKind, keyId: string): string | undefined {
    const key = (kind === 'signing' ? this.#signing : this.#encryption).get(keyId);
    return key && rawPublicKey(key).toString('base64');
  }

  /**
   * Signs with `signingKeyId` from now on and opens payloads sealed for any of `encryptionKeyIds` (the first
   * is the current one): what this node's directory entry publishes. Refuses a key this node does not hold.
   */
  use(selection: { signingKeyId: string; encryptionKeyIds: string[] }): void {
    if (!this.#signing.has(selection.signingKeyId))
      throw new KeyStoreError(`no private signing key ${printable(selection.signingKeyId)} in ${this.dir}`);
    const [current] = selection.encryptionKeyIds;
    if (current === undefined || !this.#encryption.has(current))
      throw new KeyStoreError(`no private encryption key ${printable(current)} in ${this.dir}`);
    this.#signingKeyId = selection.signingKeyId;
    this.#encryptionKeyId = current;
    this.#openable = new Set(selection.encryptionKeyIds.filter((id) => this.#encryption.has(id)));
  }

  /** The key id that signs (`x-trm-key-id`). */
  get signingKeyId(): string {
    return this.#signingKeyId;
  }

  /** The current encryption key's id. */
  get encryptionKeyId(): string {
    return this.#encryptionKeyId;
  }

  /** Base64 raw public signing key, to check against this participant's directory entry at startup. */
  get signingPublicKey(): string {
    return this.publicKeyOf('signing', this.#signingKeyId)!;
  }

  /** Base64 raw public encryption key, to check against this participant's directory entry at startup. */
  get encryptionPublicKey(): string {
    return this.publicKeyOf('encryption', this.#encryptionKeyId)!;
  }

  /** Base64 Ed25519 signature over the exact body bytes (`x-trm-signature`). */
  sign(body: Buffer): string {
    return signBody(body, this.#signing.get(this.#signingKeyId)!);
  }

  /**
   * Opens a payload sealed for one of this node's encryption keys in use (the current one, or during a
   * rollover the next or the retiring one); SealError DECRYPTION_FAILED for any other key.
   */
  open(sealed: Sealed, aad: string): Buffer {
    const keyId: unknown = (sealed as Partial<Sealed> | null)?.recipientKeyId;
    const key =
      typeof keyId === 'string' && this.#openable.has(keyId) ? this.#encryption.get(keyId) : undefined;
    if (!key) {
      const named =
        typeof keyId === 'string' && PRINTABLE_KEY_ID.test(keyId) ? `key ${keyId}` : 'another key';
      throw new SealError(
        'DECRYPTION_FAILED',
        `sealed for ${named}, this node holds ${[...this.#openable].join(', ')}`,
      );
    }
    return openSealed(sealed, key, aad);
  }
}

function printable(keyId: string | undefined): string {
  return keyId !== undefined && PRINTABLE_KEY_ID.test(keyId) ? keyId : '(unprintable id)';
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
  options: { force?: boolean; generation?: number } = {},
): { signing: string; encryption: string } {
  requireCode(code);
  const force = options.force ?? false;
  // A later generation (a key rollover) goes beside the keys in use, never over them.
  const file = (kind: KeyKind) =>
    options.generation === undefined
      ? keyFilePath(dir, code, kind)
      : path.join(dir, `${code}.${kind}-${options.generation}.key`);
  const files = { signing: file('signing'), encryption: file('encryption') };

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
