/**
 * npm run directory:sign -- <directory.json> --key <anchor key file> [--version <n>] [--out <file>]
 *
 * Signs a directory file with the trust anchor's key (docs/directory.md): checks its format, sets `issuedAt`
 * to now (and `version` when given), replaces any earlier signature and writes the signed file to --out
 * (default: in place, through a temporary file and a rename, so a node polling it never reads half a file).
 */
import { renameSync, readFileSync, writeFileSync } from 'node:fs';
import { readAnchorKey } from '../src/directory/anchor-key';
import { checkDirectoryFile } from '../src/directory/directory.service';
import { signDirectory } from '../src/directory/signed-directory';

const USAGE =
  'usage: npm run directory:sign -- <directory.json> --key <anchor key file> [--version <n>] [--out <file>]';

class UsageError extends Error {}

interface Options {
  file: string;
  key: string;
  version?: number;
  out: string;
}

function parseArgs(argv: string[]): Options {
  const options: Partial<Options> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = (): string => {
      const next = argv[++i];
      if (next === undefined) throw new UsageError(`${arg} needs a value`);
      return next;
    };
    if (arg === '--key') options.key = value();
    else if (arg === '--out') options.out = value();
    else if (arg === '--version') {
      const version = Number(value());
      if (!Number.isSafeInteger(version) || version < 1)
        throw new UsageError('--version must be an integer >= 1');
      options.version = version;
    } else if (arg.startsWith('-')) throw new UsageError(`unknown option ${arg}`);
    else if (options.file === undefined) options.file = arg;
    else throw new UsageError(`unexpected argument ${arg}`);
  }
  if (!options.file) throw new UsageError('missing directory file');
  if (!options.key) throw new UsageError('missing --key');
  return { ...options, out: options.out ?? options.file } as Options;
}

/** Signs `file` as the options say; returns the version signed. Used by the tests and the demo too. */
export function signDirectoryFile(options: Options): number {
  const raw = JSON.parse(readFileSync(options.file, 'utf8')) as Record<string, unknown>;
  const unsigned: Record<string, unknown> = {
    ...raw,
    ...(options.version !== undefined ? { version: options.version } : {}),
    issuedAt: new Date().toISOString(),
  };
  delete unsigned.signature;
  checkDirectoryFile(unsigned, options.file);
  const signed = signDirectory(unsigned, readAnchorKey(options.key));
  const temporary = `${options.out}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(signed, null, 2)}\n`);
  renameSync(temporary, options.out);
  return signed.version as number;
}

export function main(argv: string[]): number {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stderr.write(`${USAGE}\n`);
    return 0;
  }
  try {
    const options = parseArgs(argv);
    const version = signDirectoryFile(options);
    process.stderr.write(`Signed directory version ${version}: ${options.out}\n`);
    return 0;
  } catch (err) {
    process.stderr.write(
      `error: ${(err as Error).message}\n${err instanceof UsageError ? `${USAGE}\n` : ''}`,
    );
    return 1;
  }
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
