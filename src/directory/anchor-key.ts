/**
 * The trust anchor's key (docs/directory.md): an Ed25519 key of the coordinating body that signs the
 * directory. The private key lives in a file of its own, mode 0600, `{ "anchor": "<public key>",
 * "privateKey": "<base64 of the raw 32-byte seed>" }`, on the signer's machine only; nodes know the public key.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import {
  base64OfBytesPattern,
  ed25519PrivateFromSeed,
  rawPrivateKey,
  rawPublicKey,
} from '../crypto/trm-crypto';

const BASE64_32 = base64OfBytesPattern(32);

export class AnchorKeyError extends Error {
  override readonly name = 'AnchorKeyError';
}

/** A new anchor key pair written to `file` (never over an existing one); returns the public key. */
export function writeNewAnchorKey(file: string): string {
  if (existsSync(file)) throw new AnchorKeyError(`refusing to overwrite ${file}`);
  const { privateKey } = generateKeyPairSync('ed25519');
  const anchor = rawPublicKey(privateKey).toString('base64');
  const seed = rawPrivateKey(privateKey);
  try {
    writeFileSync(file, `${JSON.stringify({ anchor, privateKey: seed.toString('base64') })}\n`, {
      mode: 0o600,
      flag: 'wx',
    });
  } finally {
    seed.fill(0);
  }
  return anchor;
}

/** The anchor's private key from its key file. Errors name the file, never its content. */
export function readAnchorKey(file: string): KeyObject {
  let parsed: { privateKey?: unknown };
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8')) as { privateKey?: unknown };
  } catch {
    throw new AnchorKeyError(`${file} is not a readable anchor key file`);
  }
  if (typeof parsed.privateKey !== 'string' || !BASE64_32.test(parsed.privateKey))
    throw new AnchorKeyError(`${file} holds no anchor private key`);
  return ed25519PrivateFromSeed(Buffer.from(parsed.privateKey, 'base64'));
}

/**
 * An anchor public key given as itself (base64) or as a file holding it: the key alone, or an anchor key
 * file's `anchor` member.
 */
export function readAnchorPublicKey(keyOrFile: string): string {
  if (BASE64_32.test(keyOrFile)) return keyOrFile;
  let text: string;
  try {
    text = readFileSync(keyOrFile, 'utf8').trim();
  } catch {
    throw new AnchorKeyError(`${keyOrFile} is neither a base64 public key nor a readable file`);
  }
  if (BASE64_32.test(text)) return text;
  try {
    const anchor = (JSON.parse(text) as { anchor?: unknown }).anchor;
    if (typeof anchor === 'string' && BASE64_32.test(anchor)) return anchor;
  } catch {
    // not JSON either
  }
  throw new AnchorKeyError(`${keyOrFile} holds no anchor public key`);
}
