/**
 * TRM v1 sealing and signing (PROTOCOL.md, "Body: the envelope"). Every participant, in any language, must
 * produce the same bytes, so nothing here is configurable: the algorithm, HKDF info, sizes and encodings
 * are fixed by the wire contract and pinned by shared/test-vectors/trm-v1.json (copied to test/vectors/).
 *
 * Pure module (node:crypto only, no Nest) so it can be used by scripts, tests and other runtimes alike.
 */
import {
  createCipheriv,
  createDecipheriv,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
  randomBytes,
  sign as edSign,
  verify as edVerify,
  type KeyObject,
} from 'node:crypto';
import { COUNTRY_CODE } from '../common/validation';

export const SEAL_ALG = 'X25519-HKDF-SHA256-A256GCM';

/** The `sealed` member of an envelope. Every value is standard base64. */
export interface Sealed {
  alg: string;
  recipientKeyId: string;
  /** Ephemeral X25519 public key, raw 32 bytes. */
  epk: string;
  /** AES-GCM nonce, 12 bytes. */
  iv: string;
  ct: string;
  /** AES-GCM tag, 16 bytes. */
  tag: string;
}

export type SealErrorCode = 'DECRYPTION_FAILED' | 'UNSUPPORTED_ALG';

/**
 * Failure to open a sealed payload. The code maps onto a DELIVERY_REJECTED reason; the message is safe to
 * log and to send back (it never contains key material, plaintext or the cause's details).
 */
export class SealError extends Error {
  override readonly name = 'SealError';

  constructor(
    readonly code: SealErrorCode,
    message: string,
  ) {
    super(message);
  }
}

const HKDF_INFO = Buffer.from('trm-v1-seal', 'ascii');
const HKDF_SALT = Buffer.alloc(0);
const KEY_LENGTH = 32;
const IV_LENGTH = 12;
const TAG_LENGTH = 16;
const SIGNATURE_LENGTH = 64;

// DER headers of PKCS#8 / SPKI structures holding a raw 32-byte key: Node imports raw Ed25519/X25519 keys
// only through these (or JWK), and the header is the same for every key of a given type.
const DER = {
  ed25519: {
    pkcs8: Buffer.from('302e020100300506032b657004220420', 'hex'),
    spki: Buffer.from('302a300506032b6570032100', 'hex'),
  },
  x25519: {
    pkcs8: Buffer.from('302e020100300506032b656e04220420', 'hex'),
    spki: Buffer.from('302a300506032b656e032100', 'hex'),
  },
} as const;

type OkpType = keyof typeof DER;

function requireRaw32(raw: Buffer, what: string): void {
  if (!Buffer.isBuffer(raw) || raw.length !== KEY_LENGTH) {
    throw new TypeError(`${what} must be ${KEY_LENGTH} raw bytes`);
  }
}

export function ed25519PrivateFromSeed(seed: Buffer): KeyObject {
  requireRaw32(seed, 'Ed25519 seed');
  return createPrivateKey({ key: Buffer.concat([DER.ed25519.pkcs8, seed]), format: 'der', type: 'pkcs8' });
}

// Public keys go through JWK rather than DER: an order of magnitude cheaper per message, same bytes.
export function ed25519PublicFromRaw(raw: Buffer): KeyObject {
  requireRaw32(raw, 'Ed25519 public key');
  return createPublicKey({
    key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') },
    format: 'jwk',
  });
}

export function x25519PrivateFromRaw(raw: Buffer): KeyObject {
  requireRaw32(raw, 'X25519 private key');
  return createPrivateKey({ key: Buffer.concat([DER.x25519.pkcs8, raw]), format: 'der', type: 'pkcs8' });
}

export function x25519PublicFromRaw(raw: Buffer): KeyObject {
  requireRaw32(raw, 'X25519 public key');
  return createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: raw.toString('base64url') }, format: 'jwk' });
}

function okpType(key: KeyObject): OkpType {
  const type = key.asymmetricKeyType;
  if (type !== 'ed25519' && type !== 'x25519') {
    throw new TypeError(`expected an Ed25519 or X25519 key, got ${type ?? key.type}`);
  }
  return type;
}

/** Raw 32-byte public key; accepts a private key too (its public half is derived). */
export function rawPublicKey(key: KeyObject): Buffer {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  okpType(pub);
  const raw = Buffer.from(pub.export({ format: 'jwk' }).x ?? '', 'base64url');
  if (raw.length !== KEY_LENGTH) throw new TypeError('unexpected public key encoding');
  return raw;
}

/** Raw 32-byte private key (Ed25519 seed or X25519 scalar). Handle the result as a secret. */
export function rawPrivateKey(key: KeyObject): Buffer {
  if (key.type !== 'private') throw new TypeError('expected a private key');
  const der = key.export({ format: 'der', type: 'pkcs8' });
  const header = DER[okpType(key)].pkcs8;
  if (der.length !== header.length + KEY_LENGTH || !der.subarray(0, header.length).equals(header)) {
    throw new TypeError('unexpected PKCS#8 encoding');
  }
  const raw = Buffer.from(der.subarray(header.length));
  der.fill(0);
  return raw;
}

/**
 * Strict standard base64: padded, canonical. Buffer.from(s, 'base64') silently skips junk and accepts
 * base64url, so two different strings could carry the same bytes; peers must agree on one spelling.
 */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * The canonical standard base64 of exactly `bytes` bytes as a pattern, for schemas: the length, the padding,
 * and a last character whose unused low bits are zero (what decodeBase64 below insists on).
 */
export function base64OfBytesPattern(bytes: number): RegExp {
  const padding = (3 - (bytes % 3)) % 3;
  const chars = Math.ceil(bytes / 3) * 4 - padding;
  // Padding leaves 2 (one '=') or 4 (two '=') low bits of the last character unused: they must be zero.
  const last = ['A-Za-z0-9+/', 'AEIMQUYcgkosw048', 'AQgw'][padding];
  return new RegExp(`^[A-Za-z0-9+/]{${chars - 1}}[${last}]${'='.repeat(padding)}$`);
}

function decodeBase64(value: unknown): Buffer | undefined {
  if (typeof value !== 'string' || !BASE64.test(value)) return undefined;
  const bytes = Buffer.from(value, 'base64');
  // Rejects non-zero padding bits (e.g. "AB==" vs "AA=="), the remaining non-canonical spelling.
  return bytes.toString('base64') === value ? bytes : undefined;
}

// Peers' public keys arrive as base64 strings from the directory and are used for every message; parsing
// DER each time is wasted work. Bounded so a stream of bogus keys cannot grow it without limit.
const PUBLIC_KEY_CACHE_MAX = 256;
const publicKeyCache = new Map<string, KeyObject>();

function cachedPublicKey(type: OkpType, base64: string): KeyObject | undefined {
  const cacheKey = `${type}:${base64}`;
  const hit = publicKeyCache.get(cacheKey);
  if (hit) return hit;
  const raw = decodeBase64(base64);
  if (!raw || raw.length !== KEY_LENGTH) return undefined;
  const key = type === 'ed25519' ? ed25519PublicFromRaw(raw) : x25519PublicFromRaw(raw);
  if (publicKeyCache.size >= PUBLIC_KEY_CACHE_MAX) {
    // Map iterates in insertion order: drop the oldest entry.
    const oldest = publicKeyCache.keys().next().value;
    if (oldest !== undefined) publicKeyCache.delete(oldest);
  }
  publicKeyCache.set(cacheKey, key);
  return key;
}

/** `id|type|from|to|caseRef`, the additional authenticated data binding a payload to its envelope. */
export function sealAad(e: {
  id: string;
  type: string;
  from: string;
  to: string;
  caseRef: string | null;
}): string {
  return [e.id, e.type, e.from, e.to, e.caseRef ?? ''].join('|');
}

/**
 * X25519 then HKDF-SHA256 (empty salt, info "trm-v1-seal"). Exported for the test vectors, which pin the
 * shared secret and the derived key; callers should use seal/open.
 */
export function deriveSealKey(privateKey: KeyObject, publicKey: KeyObject): { shared: Buffer; key: Buffer } {
  // OpenSSL refuses an all-zero result (low-order peer point), so a degenerate epk fails here.
  const shared = diffieHellman({ privateKey, publicKey });
  const key = Buffer.from(hkdfSync('sha256', shared, HKDF_SALT, HKDF_INFO, KEY_LENGTH));
  return { shared, key };
}

/**
 * Encrypts a payload for one recipient. `fixed` pins the ephemeral key and iv so tests can reproduce the
 * vectors; production code must leave it out (reusing an iv or ephemeral key breaks GCM's guarantees).
 */
export function seal(
  plaintext: Buffer,
  recipient: { keyId: string; publicKey: string },
  aad: string,
  fixed?: { ephemeralPrivate?: Buffer; iv?: Buffer },
): Sealed {
  const recipientPublic = cachedPublicKey('x25519', recipient.publicKey);
  if (!recipientPublic)
    throw new TypeError(`encryption key ${recipient.keyId} is not base64 of 32 raw bytes`);

  const ephemeral = fixed?.ephemeralPrivate
    ? { privateKey: x25519PrivateFromRaw(fixed.ephemeralPrivate), publicKey: undefined }
    : generateKeyPairSync('x25519');
  const ephemeralPrivate = ephemeral.privateKey;
  const iv = fixed?.iv ?? randomBytes(IV_LENGTH);
  if (iv.length !== IV_LENGTH) throw new TypeError(`iv must be ${IV_LENGTH} bytes`);

  const { shared, key } = deriveSealKey(ephemeralPrivate, recipientPublic);
  try {
    const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_LENGTH });
    cipher.setAAD(Buffer.from(aad, 'utf8'));
    const ct = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return {
      alg: SEAL_ALG,
      recipientKeyId: recipient.keyId,
      epk: rawPublicKey(ephemeral.publicKey ?? ephemeralPrivate).toString('base64'),
      iv: iv.toString('base64'),
      ct: ct.toString('base64'),
      tag: cipher.getAuthTag().toString('base64'),
    };
  } finally {
    shared.fill(0);
    key.fill(0);
  }
}

/**
 * Decrypts a sealed payload. Every failure is a SealError, and all decryption failures share one code and
 * a coarse message: telling a sender *why* (bad tag vs bad key) would only help someone probing us.
 * Does not check `recipientKeyId`; KeyStore.open does, since it knows which key it holds.
 */
export function open(sealed: Sealed, recipientPrivate: KeyObject, aad: string): Buffer {
  if (typeof sealed !== 'object' || sealed === null) {
    throw new SealError('DECRYPTION_FAILED', 'sealed payload missing');
  }
  if (sealed.alg !== SEAL_ALG) {
    throw new SealError('UNSUPPORTED_ALG', `unsupported sealing algorithm (expected ${SEAL_ALG})`);
  }
  const epk = decodeBase64(sealed.epk);
  const iv = decodeBase64(sealed.iv);
  const ct = decodeBase64(sealed.ct);
  const tag = decodeBase64(sealed.tag);
  if (
    epk?.length !== KEY_LENGTH ||
    iv?.length !== IV_LENGTH ||
    tag?.length !== TAG_LENGTH ||
    ct === undefined ||
    typeof aad !== 'string'
  ) {
    throw new SealError('DECRYPTION_FAILED', 'malformed sealed payload');
  }

  let derived: { shared: Buffer; key: Buffer } | undefined;
  try {
    derived = deriveSealKey(recipientPrivate, x25519PublicFromRaw(epk));
    const decipher = createDecipheriv('aes-256-gcm', derived.key, iv, { authTagLength: TAG_LENGTH });
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(ct), decipher.final()]);
  } catch {
    // The cause (OpenSSL message) is dropped on purpose: see above.
    throw new SealError('DECRYPTION_FAILED', 'sealed payload could not be decrypted');
  } finally {
    derived?.shared.fill(0);
    derived?.key.fill(0);
  }
}

/** Ed25519 over the exact body bytes, standard base64 (the `x-trm-signature` header). */
export function sign(body: Buffer, signingPrivate: KeyObject): string {
  if (signingPrivate.asymmetricKeyType !== 'ed25519' || signingPrivate.type !== 'private') {
    throw new TypeError('signing key must be an Ed25519 private key');
  }
  return edSign(null, body, signingPrivate).toString('base64');
}

/** True only for a valid signature; any malformed input is simply "not verified", never an exception. */
export function verify(body: Buffer, signatureB64: string, signingPublicB64: string): boolean {
  try {
    if (!Buffer.isBuffer(body)) return false;
    const signature = decodeBase64(signatureB64);
    if (signature?.length !== SIGNATURE_LENGTH) return false;
    const publicKey = cachedPublicKey('ed25519', signingPublicB64);
    if (!publicKey) return false;
    return edVerify(null, body, publicKey, signature);
  } catch {
    return false;
  }
}

export interface GeneratedKeyPair {
  keyId: string;
  /** Base64 of the raw 32-byte public key, as published in the directory. */
  publicKey: string;
  /** Raw 32-byte private key. Secret: write it to a key file and drop it. */
  privateRaw: Buffer;
}

export interface GeneratedKeyPairs {
  signing: GeneratedKeyPair;
  encryption: GeneratedKeyPair;
}

/** Fresh signing and encryption key pairs for participant `code`, key ids `<CC>-sig-<n>` / `<CC>-enc-<n>`. */
export function generateKeyPairs(code: string, generation = 1): GeneratedKeyPairs {
  if (!COUNTRY_CODE.test(code)) throw new TypeError('participant code must be two upper-case letters');
  if (!Number.isSafeInteger(generation) || generation < 1) {
    throw new TypeError('key generation must be a positive integer');
  }
  const make = (type: OkpType, keyId: string): GeneratedKeyPair => {
    // Overloads of generateKeyPairSync differ per literal type, hence the explicit branches.
    const { privateKey } =
      type === 'ed25519' ? generateKeyPairSync('ed25519') : generateKeyPairSync('x25519');
    return {
      keyId,
      publicKey: rawPublicKey(privateKey).toString('base64'),
      privateRaw: rawPrivateKey(privateKey),
    };
  };
  return {
    signing: make('ed25519', `${code}-sig-${generation}`),
    encryption: make('x25519', `${code}-enc-${generation}`),
  };
}
