import { existsSync, readdirSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import type { BrokerProvisioner } from './broker-provisioner';
import { CLUSTER_PREFIX, clusterMark, stopClusterIn } from './postgres-cluster';
import { BrokerAdmin } from '../../src/transport/broker-admin';

/**
 * Throwaway databases and vhosts of the tests, the demo and the bench carry a mark naming the process that
 * made them. A run that is killed (SIGKILL, a CI timeout) cannot clean up after itself; the next run removes
 * what a dead process on this machine left, and never touches a live run's, another machine's, or anything
 * without the mark.
 */
export interface RunMark {
  trmRun: string;
  pid: number;
  host: string;
}

export function runMark(runId: string): string {
  const mark: RunMark = { trmRun: runId, pid: process.pid, host: hostname() };
  return JSON.stringify(mark);
}

/** `COMMENT ON DATABASE` with the run's mark (the comment is the one per-database note PostgreSQL keeps). */
export function markStatement(database: string, runId: string): string {
  return `COMMENT ON DATABASE ${database} IS ${literal(runMark(runId))}`;
}

export async function markDatabase(pg: Client, database: string, runId: string): Promise<void> {
  await pg.query(markStatement(database, runId));
}

/** The run a mark names, if that run's process is gone from this machine. */
export function deadRun(mark: string | null | undefined): RunMark | null {
  let parsed: Partial<RunMark>;
  try {
    parsed = JSON.parse(mark ?? '') as Partial<RunMark>;
  } catch {
    return null;
  }
  if (typeof parsed.trmRun !== 'string' || !Number.isInteger(parsed.pid) || parsed.host !== hostname())
    return null;
  return processAlive(parsed.pid!) ? null : (parsed as RunMark);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the databases (with their roles), vhosts, work directories and private PostgreSQL clusters of dead
 * runs; returns what went.
 */
export async function sweepDeadRuns(options: {
  pgAdminUrl: string;
  managementUrl: string;
  /** Instead of the management API at `managementUrl` (e.g. rabbitmqctl where the API is off). */
  broker?: Pick<BrokerProvisioner, 'listVhosts' | 'deleteVhost'>;
}): Promise<string[]> {
  const removed: string[] = [];
  const runs = new Set<string>();
  const pg = new Client({ connectionString: options.pgAdminUrl });
  await pg.connect();
  try {
    const { rows } = await pg.query<{ datname: string; mark: string | null }>(
      `SELECT datname, shobj_description(oid, 'pg_database') AS mark FROM pg_database
       WHERE datname LIKE 'trm\\_%'`,
    );
    for (const { datname, mark } of rows) {
      const dead = deadRun(mark);
      if (!dead) continue;
      await pg.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
      // The node's role and the audit owner are named after the database (LocalFederation).
      for (const role of [`${datname}_app`, `${datname}_audit`])
        await pg.query(`DROP ROLE IF EXISTS ${role}`);
      removed.push(`database ${datname}`);
      runs.add(dead.trmRun);
    }
  } finally {
    await pg.end();
  }
  const admin = options.broker ?? new BrokerAdmin({ url: options.managementUrl });
  for (const vhost of await admin.listVhosts()) {
    const dead = deadRun(vhost.description);
    if (!dead) continue;
    await admin.deleteVhost(vhost.name);
    removed.push(`vhost ${vhost.name}`);
    runs.add(dead.trmRun);
  }
  // LocalFederation's work directory (keys, directory file): trm-<run>-XXXXXX under the temp directory.
  for (const run of runs) {
    for (const entry of readdirSync(tmpdir())) {
      const dir = path.join(tmpdir(), entry);
      if (entry.startsWith(`trm-${run}-`) && existsSync(dir)) {
        rmSync(dir, { recursive: true, force: true });
        removed.push(`directory ${dir}`);
      }
    }
  }
  // A private PostgreSQL cluster (postgres-cluster.ts) keeps running after its run was killed: stop it too.
  for (const entry of readdirSync(tmpdir())) {
    const dir = path.join(tmpdir(), entry);
    if (!entry.startsWith(CLUSTER_PREFIX) || !deadRun(clusterMark(dir))) continue;
    await stopClusterIn(dir);
    removed.push(`PostgreSQL cluster ${dir}`);
  }
  return removed;
}

function literal(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}
