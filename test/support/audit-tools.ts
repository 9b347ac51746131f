import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { Client } from 'pg';
import type { LocalFederation, RunningNode } from '../../scripts/lib/local-federation';
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
