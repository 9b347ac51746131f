/**
 * The signed directory (docs/directory.md): a directory file carrying the Ed25519 signature of a trust
 * anchor, the coordinating body every participant has agreed to trust, as X-Road's signed global
 * configuration does. The signature covers every member of the file but `signature`, in the JSON
 * Canonicalization Scheme (RFC 8785), so the file stays one readable JSON document and any language can
 * reproduce the signed bytes.
 *
 * Pure module (node:crypto only): used by the node, by `npm run directory:sign` / `directory:verify` and by
 * the tests alike.
 */
import { createHash, type KeyObject } from 'node:crypto';
import { rawPublicKey, sign, verify } from '../crypto/trm-crypto';

export const DIRECTORY_SIGNATURE_ALG = 'Ed25519';

/** The `signature` member of a signed directory file. */
export interface DirectorySignature {
  alg: typeof DIRECTORY_SIGNATURE_ALG;
  /** The anchor's public key (standard base64 of the raw 32 bytes): says who signed, before any check. */
  anchor: string;
  /** Ed25519 over the UTF-8 bytes of the canonical form of the file without `signature`, standard base64. */
  value: string;
}

/**
 * RFC 8785 (JCS) for what JSON.parse yields: object members sorted by their UTF-16 code units, no
 * whitespace, strings and numbers as ECMAScript's JSON.stringify writes them (which RFC 8785 adopts).
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const members = Object.keys(value)
      .sort()
      .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
    return `{${members.join(',')}}`;
  }
  if (typeof value === 'number' && !Number.isFinite(value)) throw new TypeError('not a JSON number');
  return JSON.stringify(value);
}

/** What the anchor signs: the canonical bytes of the file without its `signature` member. */
export function signedBytes(file: Record<string, unknown>): Buffer {
  const { signature: _signature, ...signed } = file;
  return Buffer.from(canonicalJson(signed), 'utf8');
}

/** SHA-256 of the signed part, hex: names one directory's content whatever its whitespace or signature. */
export function directoryDigest(file: Record<string, unknown>): string {
  return createHash('sha256').update(signedBytes(file)).digest('hex');
}

/** The file with the anchor's signature in place of any previous one. */
export function signDirectory<T extends Record<string, unknown>>(
  file: T,
  anchorPrivate: KeyObject,
): T & { signature: DirectorySignature } {
  const { signature: _old, ...unsigned } = file;
  return {
    ...(unsigned as T),
    signature: {
      alg: DIRECTORY_SIGNATURE_ALG,
      anchor: rawPublicKey(anchorPrivate).toString('base64'),
      value: sign(signedBytes(unsigned), anchorPrivate),
    },
  };
}

export type SignatureCheck =
  | { status: 'SIGNED'; anchor: string }
  | { status: 'UNSIGNED' }
  /** Signed by a key that is none of the configured anchors. */
  | { status: 'WRONG_ANCHOR'; anchor: string }
  /** Signed by a configured anchor, but the signature does not verify: the content was changed. */
  | { status: 'SIGNATURE_INVALID' };

/** Checks a parsed directory file's signature against the configured anchors' public keys. */
export function checkDirectorySignature(
  file: Record<string, unknown>,
  anchors: readonly string[],
): SignatureCheck {
  const signature = file.signature;
  if (signature === undefined) return { status: 'UNSIGNED' };
  if (signature === null || typeof signature !== 'object') return { status: 'SIGNATURE_INVALID' };
  const { alg, anchor, value } = signature as Record<string, unknown>;
  if (typeof anchor !== 'string') return { status: 'SIGNATURE_INVALID' };
  if (!anchors.includes(anchor)) return { status: 'WRONG_ANCHOR', anchor };
  if (alg !== DIRECTORY_SIGNATURE_ALG || typeof value !== 'string') return { status: 'SIGNATURE_INVALID' };
  return verify(signedBytes(file), value, anchor)
    ? { status: 'SIGNED', anchor }
    : { status: 'SIGNATURE_INVALID' };
}
