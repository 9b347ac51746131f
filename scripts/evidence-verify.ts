import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { EvidenceReport, verifyEvidenceBundle } from '../src/evidence/evidence-verifier';

const USAGE = `usage: npm run evidence:verify -- <bundle.json> --directory <directory.json> [--json]

Checks a case's evidence bundle (GET /audit/cases/{caseRef}/evidence) offline, with the participants'
public signing keys from the directory file only: every message and receipt against its sender's signature,
the case's audit entries against the hashes they were sealed with and the chain, row by row, up to the head,
and each checkpoint the node sent its peers against its signature and the recomputed chain.
Exit code 0: intact; 1: something was edited, removed, inserted or reordered; 2: could not verify.`;

class UsageError extends Error {}

function main(): number {
  const { values, positionals } = parseArgs({
    options: {
      directory: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError('give exactly one bundle file');
  if (!values.directory) throw new UsageError('--directory <file> is required (the public keys)');
  const keys = signingKeys(readFileSync(values.directory, 'utf8'), values.directory);
  let bundle: unknown;
  try {
    bundle = JSON.parse(readFileSync(positionals[0], 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code) throw error;
    bundle = null; // not JSON: the verifier names it malformed
  }
  const started = process.hrtime.bigint();
  const report = verifyEvidenceBundle(bundle, keys);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  process.stdout.write(
    values.json ? `${JSON.stringify({ ...report, seconds })}\n` : describe(report, seconds),
  );
  return report.ok ? 0 : 1;
}

/**
 * The participants' signing keys, and nothing else, from the directory file. Read here rather than through
 * the node's directory module (Nest, class-validator), which would triple the command's start-up time; a key
 * that is not a canonical base64 Ed25519 key simply fails every signature made with it.
 */
function signingKeys(json: string, file: string): Map<string, { keyId: string; publicKey: string }> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new UsageError(`${file} is not JSON`);
  }
  const participants = (parsed as { participants?: unknown }).participants;
  if (!Array.isArray(participants)) throw new UsageError(`${file} is not a directory file (no participants)`);
  const keys = new Map<string, { keyId: string; publicKey: string }>();
  for (const p of participants as Array<{
    code?: unknown;
    signingKey?: { keyId?: unknown; publicKey?: unknown };
  }>) {
    if (
      typeof p?.code !== 'string' ||
      typeof p.signingKey?.keyId !== 'string' ||
      typeof p.signingKey.publicKey !== 'string'
    )
      throw new UsageError(`${file}: every participant needs a code and a signing key`);
    if (keys.has(p.code)) throw new UsageError(`${file} lists ${p.code} twice`);
    keys.set(p.code, { keyId: p.signingKey.keyId, publicKey: p.signingKey.publicKey });
  }
  return keys;
}

function describe(report: EvidenceReport, seconds: number): string {
  const lines = [
    `evidence bundle of ${report.caseRef ?? '?'} from ${report.node ?? '?'}: ${report.messages} messages, ` +
      `${report.receipts} receipts, ${report.caseEntries} audit entries in ${report.chainRows} chain rows ` +
      `checked in ${(seconds * 1000).toFixed(1)} ms`,
  ];
  if (report.head) lines.push(`head at position ${report.head.pos} ${report.head.hash.slice(0, 16)}…`);
  if (report.erasedAt)
    lines.push(
      `the case was erased at ${report.erasedAt}: ${report.erasedBodies} received bodies went with its key (listed as ERASED)`,
    );
  for (const checkpoint of report.checkpoints)
    lines.push(
      `checkpoint sent to ${checkpoint.peer} at position ${checkpoint.pos}: ${checkpoint.ok ? 'matches' : 'FAILED'}`,
    );
  lines.push(
    report.witnessedUpTo === null
      ? 'no peer checkpoint covers the case yet: its entries rest on the head alone'
      : `witnessed by peers up to position ${report.witnessedUpTo}; ${report.entriesAfterWitness} case entries after it rest on the head alone`,
  );
  if (report.ok) lines.push('OK: nothing was edited, removed, inserted or reordered');
  else {
    lines.push(`FAILED: ${report.problems.length} problem(s):`);
    for (const p of report.problems)
      lines.push(`  ${p.part.padEnd(10)} ${p.kind.padEnd(11)} ${p.ref ?? ''}: ${p.detail}`);
  }
  return `${lines.join('\n')}\n`;
}

try {
  process.exit(main());
} catch (error) {
  process.stderr.write(
    `${error instanceof UsageError ? `${error.message}\n\n${USAGE}` : (error as Error).message}\n`,
  );
  process.exit(2);
}
