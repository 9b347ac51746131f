/**
 * npm run directory:anchor -- <key file>
 *
 * Makes the trust anchor's Ed25519 key pair (docs/directory.md): the private key to <key file> (mode 0600;
 * the coordinating body keeps it, ideally offline), the public key on stdout, for every node's
 * TRM_DIRECTORY_ANCHOR.
 */
import { writeNewAnchorKey } from '../src/directory/anchor-key';

const USAGE = 'usage: npm run directory:anchor -- <key file>';

export function main(argv: string[]): number {
  if (argv.length !== 1 || argv[0].startsWith('-')) {
    process.stderr.write(`${USAGE}\n`);
    return argv.includes('--help') || argv.includes('-h') ? 0 : 1;
  }
  try {
    const anchor = writeNewAnchorKey(argv[0]);
    process.stdout.write(`${anchor}\n`);
    process.stderr.write(
      `Wrote the anchor's private key to ${argv[0]} (mode 0600; keep it secret and offline).\n` +
        `Give every node the public key above: TRM_DIRECTORY_ANCHOR=${anchor}\n`,
    );
    return 0;
  } catch (err) {
    process.stderr.write(`error: ${(err as Error).message}\n`);
    return 1;
  }
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
