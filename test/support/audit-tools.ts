import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { Client } from 'pg';
import type { LocalFederation, RunningNode } from '../../scripts/lib/local-federation';
import { CANONICAL_SQL, chainHash, type ChainLink, GENESIS_HASH } from '../../src/audit/audit-chain';
import { AuditSealer } from '../../src/audit/audit-sealer';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  report: any;
}

/** Runs `npm run audit:verify` as an auditor would: a separate process reading DATABASE_URL. */
export function auditVerify(args: string[], env: Record<string, string>, json = true): Promise<CliResult> {
  const script = path.resolve(__dirname, '../../scripts/audit-verify.ts');
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', script, ...(json ? ['--json'] : []), ...args],
      { env: { ...process.env, ...env }, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        let report: unknown = null;
        try {
          report = JSON.parse(stdout);
        } catch {
          // not JSON: the test looks at stderr
        }
        resolve({ code, stdout, stderr, report });
      },
    );
  });
}

/** Seals what the node has committed, so a test sees a settled chain. */
export async function sealNow(node: RunningNode): Promise<void> {
  await node.app!.get(AuditSealer).sealNow();
}

/**
 * A superuser session with triggers off (session_replication_role = replica): what it takes to change the
 * audit trail at all, and what a tamperer would use.
 */
export async function asTamperer<T>(
  federation: LocalFederation,
  code: string,
  work: (client: Client) => Promise<T>,
): Promise<T> {
  const client = new Client({ connectionString: federation.databaseUrl(code) });
  await client.connect();
  try {
    await client.query(`SET session_replication_role = replica`);
    return await work(client);
  } finally {
    await client.end();
  }
}

export interface AuditRow {
  seq: string;
  action: string;
  actor: string;
  caseRef: string | null;
  messageType: string | null;
  counterpart: string | null;
  decision: string | null;
  reasonCode: string | null;
  details: Record<string, unknown>;
}

/**
 * A node's audit entries of one action since `afterSeq` (oldest first), read from its database as an
 * auditor's tool would: what the browser tests check the console did behind the page.
 */
export async function auditRows(
  federation: LocalFederation,
  code: string,
  action: string,
  filter: { caseRef?: string; actor?: string; afterSeq?: string } = {},
): Promise<AuditRow[]> {
  return federation.query<AuditRow>(
    code,
    `SELECT seq::text, action, actor, case_ref AS "caseRef", message_type AS "messageType", counterpart,
            decision, reason_code AS "reasonCode", details
       FROM audit_log
      WHERE action = $1 AND ($2::text IS NULL OR case_ref = $2) AND ($3::text IS NULL OR actor = $3)
        AND seq > $4::bigint
      ORDER BY seq`,
    [action, filter.caseRef ?? null, filter.actor ?? null, filter.afterSeq ?? '0'],
  );
}

/** The newest audit position of a node: take it before an action, pass it as afterSeq after. */
export async function auditHead(federation: LocalFederation, code: string): Promise<string> {
  const [row] = await federation.query<{ seq: string }>(
    code,
    `SELECT coalesce(max(seq), 0)::text AS seq FROM audit_log`,
  );
  return row.seq;
}

/**
 * What a tamperer with the database does to hide an edit: under the sealer's lock, changes the actor of the
 * entry `targetSql` selects (its `seq`), then re-hashes the whole chain (each row by its own link), so the
 * node's chain alone looks intact. Only a witness (a peer's checkpoint) can show it.
 */
export async function rewriteEntryAndRehash(
  db: Client,
  targetSql: string,
  params: unknown[] = [],
): Promise<void> {
  await db.query('BEGIN');
  await db.query('SELECT pg_advisory_xact_lock(7240318)'); // keeps the node's own sealer out meanwhile
  const [target] = (await db.query(targetSql, params)).rows as Array<{ seq: string }>;
  await db.query(`UPDATE audit_log SET actor = 'api:nobody' WHERE seq = $1`, [target.seq]);
  const rows = (
    await db.query({
      text: `SELECT c.pos, c.link, ${CANONICAL_SQL} FROM audit_chain c JOIN audit_log a ON a.seq = c.entry_seq ORDER BY c.pos`,
      rowMode: 'array',
    })
  ).rows as Array<[string, ChainLink, string]>;
  let previous = GENESIS_HASH;
  for (const [pos, link, canonical] of rows) {
    const hash = chainHash(previous, canonical, link);
    await db.query(`UPDATE audit_chain SET prev_hash = $2, hash = $3 WHERE pos = $1`, [pos, previous, hash]);
    previous = hash;
  }
  await db.query('COMMIT');
}
