/**
 * npm run keys -- <CC> [--force]
 * npm run keys -- <CC> --next
 *
 * --next makes the participant's next key pair for a rollover (docs/protocol.md, "Key rollover") beside the
 * keys in use, as `<CC>.signing-<n>.key` / `<CC>.encryption-<n>.key`, and prints the `nextSigningKey` and
 * `nextEncryptionKey` members to add to its directory entry.
 *
 * Generates a participant's signing (Ed25519) and encryption (X25519) key pairs, writes the private keys to
 * $TRM_KEYS_DIR (default ./keys) with the first data key (field encryption at rest) if there is none, and prints the participant's directory entry on stdout, so the output can be
 * piped straight into the shared directory file. Everything meant for a human goes to stderr.
 */
import { existsSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { ensureDataKey } from '../src/crypto/field-cipher';
import { keyFilePath, KeyStoreError, writeKeyFiles } from '../src/crypto/key-store';
import { generateKeyPairs } from '../src/crypto/trm-crypto';

const USAGE =
  'usage: npm run keys -- <CC> [--force | --next]   (CC: ISO 3166-1 alpha-2 code, e.g. FR; XK for Kosovo)';

class UsageError extends Error {}

function parseArgs(argv: string[]): { code: string; force: boolean; next: boolean } {
  let code: string | undefined;
  let force = false;
  let next = false;
  for (const arg of argv) {
    if (arg === '--force') force = true;
    else if (arg === '--next') next = true;
    else if (arg.startsWith('-')) throw new UsageError(`unknown option ${arg}`);
    else if (code === undefined) code = arg;
    else throw new UsageError(`unexpected argument ${arg}`);
  }
  if (code === undefined) throw new UsageError('missing participant code');
  if (!/^[A-Z]{2}$/.test(code))
    throw new UsageError(`participant code must be two upper-case letters, got "${code}"`);
  if (force && next) throw new UsageError('--next never replaces keys: give --force or --next');
  return { code, force, next };
}

/** The generation after every key of `code` in `dir`: 2 when only the first keys exist. */
function nextGeneration(dir: string, code: string): number {
  const pattern = new RegExp(`^${code}\\.(?:signing|encryption)-([0-9]+)\\.key$`);
  const taken = (existsSync(dir) ? readdirSync(dir) : []).map((name) => Number(pattern.exec(name)?.[1] ?? 1));
  return Math.max(1, ...taken) + 1;
}

/** --next: the next pair beside the keys in use, and the directory members announcing it. */
function makeNextKeys(dir: string, code: string): void {
  if (!existsSync(keyFilePath(dir, code, 'signing')) && nextGeneration(dir, code) === 2)
    throw new UsageError(`no keys of ${code} in ${dir} yet: make the first ones without --next`);
  const generation = nextGeneration(dir, code);
  const pairs = generateKeyPairs(code, generation);
  const files = writeKeyFiles(dir, code, pairs, { generation });
  pairs.signing.privateRaw.fill(0);
  pairs.encryption.privateRaw.fill(0);
  const members = {
    nextSigningKey: { keyId: pairs.signing.keyId, publicKey: pairs.signing.publicKey },
    nextEncryptionKey: { keyId: pairs.encryption.keyId, publicKey: pairs.encryption.publicKey },
  };
  process.stdout.write(`${JSON.stringify(members, null, 2)}\n`);
  process.stderr.write(
    `Wrote the next private keys (mode 0600; keep them secret, never commit them):\n` +
      `  ${files.signing}\n  ${files.encryption}\n` +
      `Add the members above to ${code}'s directory entry; the node keeps signing with its current key until a\n` +
      `later directory makes these the current ones (docs/protocol.md, "Key rollover").\n`,
  );
}

export function main(argv: string[], env: NodeJS.ProcessEnv): number {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stderr.write(`${USAGE}\n`);
    return 0;
  }
  try {
    const { code, force, next } = parseArgs(argv);
    const dir = path.resolve(env.TRM_KEYS_DIR || './keys');
    if (next) {
      makeNextKeys(dir, code);
      return 0;
    }
    const pairs = generateKeyPairs(code);
    const files = writeKeyFiles(dir, code, pairs, { force });
    // Never replaced, even with --force: the data stored under it would become unreadable.
    const dataKey = ensureDataKey(dir, code);
    pairs.signing.privateRaw.fill(0);
    pairs.encryption.privateRaw.fill(0);

    // Same shape and key order as a participant of the directory file (PROTOCOL.md, "The directory file").
    // `accepts` is left out (= every type) and the placeholders are for the operator to fill in.
    const entry = {
      code,
      name: `${code}: national contact point`,
      languages: [] as string[],
      signingKey: { keyId: pairs.signing.keyId, publicKey: pairs.signing.publicKey },
      encryptionKey: { keyId: pairs.encryption.keyId, publicKey: pairs.encryption.publicKey },
      contacts: [] as unknown[],
    };
    process.stdout.write(`${JSON.stringify(entry, null, 2)}\n`);
    process.stderr.write(
      `${force ? 'Replaced' : 'Wrote'} private keys (mode 0600; keep them secret, never commit them):\n` +
        `  ${files.signing}\n  ${files.encryption}\n` +
        `Data key ${dataKey.keyId} (encrypts personal data at rest): ${dataKey.created ? 'created' : 'kept as it was'}\n` +
        `Add the entry above to the directory file (fill in name, languages and contacts) and share it with every node.\n`,
    );
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`error: ${err.message}\n${USAGE}\n`);
    } else if (err instanceof KeyStoreError) {
      const hint = err.message.startsWith('refusing to overwrite') ? ' (pass --force to replace them)' : '';
      process.stderr.write(`error: ${err.message}${hint}\n`);
    } else {
      const errno = (err as NodeJS.ErrnoException).code;
      process.stderr.write(`error: ${(err as Error).message}${errno ? ` [${errno}]` : ''}\n`);
    }
    return 1;
  }
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2), process.env);
}
