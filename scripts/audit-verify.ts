import 'reflect-metadata';
import { createReadStream, createWriteStream, readFileSync, WriteStream } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { Pool } from 'pg';
import { ChainProblem } from '../src/audit/audit-chain';
import { verifyAuditChain, VerifyReport } from '../src/audit/audit-verifier';
import {
  checkConsistency,
  checkPeerChain,
  checkSignedCheckpoint,
  PayloadOpener,
  PeerChainRow,
  PeerProblem,
  PeerSigningKey,
  StoredCheckpoint,
} from '../src/audit/peer-verifier';
import { KeyStore } from '../src/crypto/key-store';
import { ParticipantDto, signingKeysOf } from '../src/directory/directory-file.dto';
import { parseDirectoryFile } from '../src/directory/directory.service';
import { Progress } from './lib/progress';

const USAGE = `usage: npm run audit:verify -- [options]

Checks this node's audit chain (DATABASE_URL) and reports the first entry that was edited, removed,
inserted or reordered. Exit code 0: intact; 1: a problem was found; 2: could not verify.

  --json                  print the report as JSON
  --grace-seconds <n>     an entry unsealed for longer than this is reported as inserted (default 60)
  --export-chain <file>   also write the chain hashes as JSON Lines, for peers' auditors
  --threads <n>           walk the chain in n parallel ranges (default: one per core, up to 4, from
                          200,000 entries on)
  --record                append the result to this node's audit log as an AUDIT_VERIFIED entry (ALLOW
                          or DENY, the first problem's kind as reason code), which the console's chain
                          page shows (GET /audit/chain/state); needs a DATABASE_URL that may insert
  --peer <CC>             instead: check the checkpoints CC sent this node against CC's chain today,
    --peer-url <url>      read from CC's node (GET <url>/audit/chain), or
    --peer-chain <file>   read from CC's export (its own audit:verify --export-chain)

--peer also reads TRM_DIRECTORY_FILE (CC's signing key), and TRM_COUNTRY with TRM_KEYS_DIR (this node's
key, which opens the checkpoint payloads; without them only signatures are checked).`;

class UsageError extends Error {}

interface PeerReport {
  ok: boolean;
  peer: string;
  checkpoints: number;
  chainRowsChecked: number;
  peerHead: number | null;
  payloadsChecked: boolean;
  problems: PeerProblem[];
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      json: { type: 'boolean', default: false },
      'grace-seconds': { type: 'string' },
      'export-chain': { type: 'string' },
      threads: { type: 'string' },
      record: { type: 'boolean', default: false },
      peer: { type: 'string' },
      'peer-url': { type: 'string' },
      'peer-chain': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) throw new UsageError('DATABASE_URL is required');
  const graceSeconds = Number(values['grace-seconds'] ?? 60);
  if (!Number.isFinite(graceSeconds) || graceSeconds < 0)
    throw new UsageError('--grace-seconds must be >= 0');
  const threads = values.threads === undefined ? undefined : Number(values.threads);
  if (threads !== undefined && !(Number.isInteger(threads) && threads >= 1 && threads <= 64)) {
    throw new UsageError('--threads must be an integer from 1 to 64');
  }

  const pool = new Pool({ connectionString: databaseUrl, max: 3, application_name: 'trm-audit-verify' });
  try {
    if (values.peer) {
      const report = await verifyPeer(pool, values.peer, values['peer-url'], values['peer-chain']);
      if (values.record)
        await recordVerification(pool, report.ok, report.peer, report.problems[0]?.kind ?? null, {
          checkpoints: report.checkpoints,
          chainRowsChecked: report.chainRowsChecked,
          peerHead: report.peerHead,
          problemCount: report.problems.length,
        });
      print(values.json, report, describePeer);
      return report.ok ? 0 : 1;
    }
    const exported = values['export-chain'] ? createWriteStream(values['export-chain']) : null;
    const progress = new Progress(exported ? 'verifying and exporting' : 'verifying', null, {
      json: values.json,
    });
    const report = await verifyAuditChain(databaseUrl, {
      graceMs: graceSeconds * 1000,
      workers: threads,
      onChainRow: exported ? (row) => writeChainRow(exported, row) : undefined,
      onProgress: (checked, total) => progress.set(checked, total),
    });
    progress.done();
    if (exported) {
      exported.end();
      await once(exported, 'finish');
    }
    if (values.record)
      await recordVerification(pool, report.ok, null, report.problems[0]?.kind ?? null, {
        sealed: report.sealed,
        headPos: report.head?.pos ?? null,
        pending: report.pending,
        problemCount: report.problemCount,
      });
    print(values.json, report, describeLocal);
    return report.ok ? 0 : 1;
  } finally {
    await pool.end();
  }
}

/**
 * Appends the verdict to the log it is about (opt-in: an auditor may verify with a read-only account). The
 * entry is sealed with the rest, so the next run covers it too.
 */
async function recordVerification(
  pool: Pool,
  ok: boolean,
  peer: string | null,
  reasonCode: string | null,
  details: Record<string, unknown>,
): Promise<void> {
  await pool.query(
    `INSERT INTO audit_log (at, action, actor, counterpart, decision, reason_code, details)
     VALUES (now(), 'AUDIT_VERIFIED', 'audit-verify', $1, $2, $3, $4)`,
    [peer, ok ? 'ALLOW' : 'DENY', reasonCode, JSON.stringify(details)],
  );
}

function writeChainRow(
  out: WriteStream,
  row: { pos: number; entrySeq: string; prevHash: string; hash: string },
): void {
  const line: PeerChainRow = {
    pos: String(row.pos),
    entrySeq: row.entrySeq,
    prevHash: row.prevHash,
    hash: row.hash,
  };
  out.write(`${JSON.stringify(line)}\n`);
}

/**
 * Every signing key the peer published: in the directory file now (current, next, retiring) and in every
 * directory version this node accepted, so a checkpoint signed before a key rollover still verifies.
 */
async function peerSigningKeys(
  pool: Pool,
  participant: ParticipantDto,
): Promise<Map<string, PeerSigningKey>> {
  const keys = new Map<string, PeerSigningKey>();
  const { rows } = await pool.query(
    `SELECT document->'participants' AS participants FROM directory_versions ORDER BY version`,
  );
  for (const row of rows as Array<{ participants: ParticipantDto[] }>) {
    const entry = row.participants.find((p) => p.code === participant.code);
    if (entry) for (const key of signingKeysOf(entry)) keys.set(key.keyId, key);
  }
  for (const key of signingKeysOf(participant)) keys.set(key.keyId, key);
  return keys;
}

async function verifyPeer(
  pool: Pool,
  peer: string,
  peerUrl: string | undefined,
  peerChain: string | undefined,
): Promise<PeerReport> {
  if (!/^[A-Z]{2}$/.test(peer)) throw new UsageError('--peer must be a country code, e.g. FR');
  if (!peerUrl === !peerChain) throw new UsageError('--peer needs exactly one of --peer-url or --peer-chain');
  const directoryFile = process.env.TRM_DIRECTORY_FILE;
  if (!directoryFile) throw new UsageError('--peer needs TRM_DIRECTORY_FILE (the peer signing key)');
  const participant = parseDirectoryFile(
    readFileSync(directoryFile, 'utf8'),
    directoryFile,
  ).participants.find((p) => p.code === peer);
  if (!participant) throw new UsageError(`${peer} is not in the directory ${directoryFile}`);
  const self = process.env.TRM_COUNTRY;
  if (!self) throw new UsageError('--peer needs TRM_COUNTRY (this node, to whom the checkpoints were sent)');
  const opener: PayloadOpener | null = process.env.TRM_KEYS_DIR
    ? KeyStore.load(process.env.TRM_KEYS_DIR, self)
    : null;

  const { rows } = await pool.query(
    `SELECT peer, message_id AS "messageId", seq::text AS seq, head_hash AS "headHash",
            to_char(signed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "signedAt",
            key_id AS "keyId", body, signature
     FROM audit_peer_checkpoints p WHERE p.peer = $1 ORDER BY p.seq, p.id`,
    [peer],
  );
  const stored = rows as StoredCheckpoint[];
  const problems: PeerProblem[] = [];
  const genuine: StoredCheckpoint[] = [];
  const keys = await peerSigningKeys(pool, participant);
  for (const checkpoint of stored) {
    // The key it was recorded as signed with, if the peer ever published it; else the current one (FORGED).
    const key = keys.get(checkpoint.keyId) ?? participant.signingKey;
    const forged = checkSignedCheckpoint(checkpoint, key, self, opener);
    if (forged) problems.push(forged);
    else genuine.push(checkpoint);
  }
  problems.push(...checkConsistency(genuine));
  let chainRowsChecked = 0;
  let peerHead: number | null = null;
  if (genuine.length > 0) {
    const from = Math.min(...genuine.map((c) => Number(c.seq)));
    const source = peerUrl ? rowsFromNode(peerUrl, from) : rowsFromFile(peerChain!, from);
    const chain = await checkPeerChain(genuine, source);
    problems.push(...chain.problems);
    chainRowsChecked = chain.rowsChecked;
    peerHead = chain.headPos;
  }
  return {
    ok: problems.length === 0 && stored.length > 0,
    peer,
    checkpoints: stored.length,
    chainRowsChecked,
    peerHead,
    payloadsChecked: opener !== null,
    problems,
  };
}

/** The peer's auditor endpoint, page by page (hashes only: no entry content crosses the border). */
async function* rowsFromNode(url: string, fromPos: number): AsyncGenerator<PeerChainRow> {
  const limit = 10_000;
  for (let pos = fromPos; ;) {
    const response = await fetch(`${url.replace(/\/$/, '')}/audit/chain?fromPos=${pos}&limit=${limit}`);
    if (!response.ok) throw new Error(`${url}/audit/chain answered HTTP ${response.status}`);
    const page = (await response.json()) as { rows: PeerChainRow[] };
    yield* page.rows;
    if (page.rows.length < limit) return;
    pos = Number(page.rows[page.rows.length - 1].pos) + 1;
  }
}

async function* rowsFromFile(file: string, fromPos: number): AsyncGenerator<PeerChainRow> {
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  for await (const line of lines) {
    if (!line.trim()) continue;
    const row = JSON.parse(line) as PeerChainRow;
    if (Number(row.pos) >= fromPos) yield row;
  }
}

function print<T>(json: boolean | undefined, report: T, describe: (report: T) => string): void {
  process.stdout.write(json ? `${JSON.stringify(report, null, 2)}\n` : describe(report));
}

function describeLocal(report: VerifyReport): string {
  const head = report.head
    ? `head at position ${report.head.pos} (seq ${report.head.entrySeq}) ${report.head.hash}`
    : 'the chain is empty';
  const lines = [
    `audit chain: ${report.sealed} entries checked in ${report.seconds.toFixed(2)} s (${Math.round(report.entriesPerSecond)}/s); ${head}`,
    `${report.pending} recent entries not sealed yet`,
  ];
  if (report.ok) lines.push('OK: every entry matches its seal and the chain is unbroken');
  else {
    lines.push(`FAILED: ${report.problemCount} problem(s), in chain order (the first bad entry first):`);
    lines.push(...report.problems.map(describeProblem));
  }
  return `${lines.join('\n')}\n`;
}

function describeProblem(problem: ChainProblem): string {
  const where = problem.pos === null ? `seq ${problem.seq}` : `seq ${problem.seq} (position ${problem.pos})`;
  return `  ${problem.kind.padEnd(9)} ${where}: ${problem.detail}`;
}

function describePeer(report: PeerReport): string {
  const lines = [
    `checkpoints from ${report.peer}: ${report.checkpoints} kept here${report.payloadsChecked ? '' : ' (payloads not opened: TRM_KEYS_DIR not set)'}; ` +
      `${report.chainRowsChecked} chain rows of ${report.peer} checked, its head at position ${report.peerHead ?? '-'}`,
  ];
  if (report.checkpoints === 0) lines.push(`FAILED: this node holds no checkpoint from ${report.peer}`);
  else if (report.ok) lines.push(`OK: ${report.peer}'s chain today extends every checkpoint it signed`);
  else {
    lines.push(`FAILED: ${report.problems.length} problem(s):`);
    for (const p of report.problems) {
      lines.push(
        `  ${p.kind.padEnd(12)} position ${p.seq ?? '-'}${p.messageId ? ` (${p.messageId})` : ''}: ${p.detail}`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    const usage = error instanceof UsageError;
    process.stderr.write(`audit:verify: ${error instanceof Error ? error.message : String(error)}\n`);
    if (usage) process.stderr.write(`\n${USAGE}\n`);
    process.exit(2);
  },
);
