/**
 * npm run directory:verify -- <directory.json> --anchor <public key or file>
 *
 * Checks a directory file as a node would before taking it (docs/directory.md): its format and the trust
 * anchor's signature. Prints the version, issue date and participants; exit code 0 only when it verifies.
 * --anchor may be given more than once (an anchor being replaced).
 */
import { readFileSync } from 'node:fs';
import { readAnchorPublicKey } from '../src/directory/anchor-key';
import { checkDirectoryFile } from '../src/directory/directory.service';
import { checkDirectorySignature } from '../src/directory/signed-directory';

const USAGE = 'usage: npm run directory:verify -- <directory.json> --anchor <public key or file>';

class UsageError extends Error {}

const WHY = {
  UNSIGNED: 'the file is not signed',
  WRONG_ANCHOR: 'the file is signed by a key that is not the anchor given',
  SIGNATURE_INVALID: 'the signature does not verify: the file was changed after it was signed',
} as const;

export function main(argv: string[]): number {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stderr.write(`${USAGE}\n`);
    return 0;
  }
  try {
    let file: string | undefined;
    const anchors: string[] = [];
    for (let i = 0; i < argv.length; i++) {
      if (argv[i] === '--anchor') {
        if (argv[i + 1] === undefined) throw new UsageError('--anchor needs a value');
        anchors.push(readAnchorPublicKey(argv[++i]));
      } else if (argv[i].startsWith('-')) throw new UsageError(`unknown option ${argv[i]}`);
      else if (file === undefined) file = argv[i];
      else throw new UsageError(`unexpected argument ${argv[i]}`);
    }
    if (!file) throw new UsageError('missing directory file');
    if (anchors.length === 0) throw new UsageError('missing --anchor');
    let raw: Record<string, unknown>;
    try {
      raw = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    } catch {
      throw new Error(`${file} is not a readable JSON file`);
    }
    const signature = checkDirectorySignature(raw, anchors);
    if (signature.status !== 'SIGNED') {
      process.stderr.write(`NOT VERIFIED (${signature.status}): ${WHY[signature.status]}\n`);
      return 1;
    }
    const directory = checkDirectoryFile(raw, file);
    process.stdout.write(
      `verified: version ${directory.version}, issued ${directory.issuedAt ?? '(no date)'}, signed by ${signature.anchor}\n` +
        `participants: ${directory.participants.map((p) => p.code).join(', ')}\n`,
    );
    return 0;
  } catch (err) {
    process.stderr.write(
      `error: ${(err as Error).message}\n${err instanceof UsageError ? `${USAGE}\n` : ''}`,
    );
    return 1;
  }
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
