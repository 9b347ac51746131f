import { Client } from 'pg';

/**
 * Counts the statements each database receives, by kind (`INSERT messages`, `SELECT cases FOR UPDATE`, …),
 * by wrapping pg's Client.prototype.query, which TypeORM's pool clients share with ours. A diagnostic,
 * opt-in (BENCH_COUNT_QUERIES=1): it adds a counter to every query, so the default run leaves pg untouched.
 * Round trips per hop are what the profile points at (socket writes and query building), so this says
 * which statements to merge or batch.
 */

/** Per node (country code), statements by kind. */
type Counts = Map<string, Map<string, number>>;

const NODE_APPLICATION = 'trm-node-';

let counts: Counts | null = null;
// The same few statement texts come back thousands of times: classify each once.
const kinds = new Map<string, string>();

export function installQueryCounter(): void {
  if (counts) return;
  counts = new Map();
  const original = Client.prototype.query as (...args: unknown[]) => unknown;
  (Client.prototype as unknown as { query: (...args: unknown[]) => unknown }).query = function (
    this: Client,
    ...args: unknown[]
  ): unknown {
    const config = args[0];
    const text = typeof config === 'string' ? config : (config as { text?: string } | null)?.text;
    // Only the nodes' own pools (TypeORM sets application_name trm-node-<CC>), not the bench's probes.
    const application = (this as unknown as { connectionParameters?: { application_name?: string } })
      .connectionParameters?.application_name;
    if (counts && typeof text === 'string' && application?.startsWith(NODE_APPLICATION)) {
      const node = application.slice(NODE_APPLICATION.length);
      let perDatabase = counts.get(node);
      if (!perDatabase) counts.set(node, (perDatabase = new Map()));
      let kind = kinds.get(text);
      if (kind === undefined) kinds.set(text, (kind = statementKind(text)));
      perDatabase.set(kind, (perDatabase.get(kind) ?? 0) + 1);
      if (commitsDurably(this, kind)) perDatabase.set(DURABLE, (perDatabase.get(DURABLE) ?? 0) + 1);
    }
    return original.apply(this, args);
  };
}

/** Counted beside the statements, not among them: commits that must reach the disk (WAL flush). */
const DURABLE = '(durable commits)';
const WRITES = /^(INSERT|UPDATE|DELETE|WITH)\b/;
/** Per connection: inside a transaction, and whether it wrote (a read-only COMMIT flushes nothing). */
const transactions = new WeakMap<Client, { open: boolean; wrote: boolean }>();

/**
 * Whether this statement ends in a durable commit: a COMMIT of a transaction that wrote, or a write outside
 * any transaction (autocommit). WITH counts as a write: the nodes' WITH statements insert.
 */
function commitsDurably(client: Client, kind: string): boolean {
  let state = transactions.get(client);
  if (!state) transactions.set(client, (state = { open: false, wrote: false }));
  if (kind === 'START' || kind === 'BEGIN') {
    state.open = true;
    state.wrote = false;
    return false;
  }
  if (kind === 'COMMIT' || kind === 'ROLLBACK') {
    const durable = kind === 'COMMIT' && state.open && state.wrote;
    state.open = false;
    return durable;
  }
  if (!WRITES.test(kind)) return false;
  if (state.open) state.wrote = true;
  return !state.open;
}

export function queryCountsSnapshot(): Record<string, Record<string, number>> | null {
  if (!counts) return null;
  return Object.fromEntries([...counts].map(([database, kinds]) => [database, Object.fromEntries(kinds)]));
}

/** Per node and kind, the statements issued between two snapshots, divided by `per` (hops). */
export function queryCountsPer(
  before: Record<string, Record<string, number>> | null,
  after: Record<string, Record<string, number>> | null,
  per: number,
): Record<string, { total: number; durableCommits: number; byKind: Record<string, number> }> | null {
  if (!before || !after) return null;
  const perHop = (count: number): number => Math.round((count / per) * 100) / 100;
  const result: Record<string, { total: number; durableCommits: number; byKind: Record<string, number> }> =
    {};
  for (const [node, kinds] of Object.entries(after)) {
    const delta = (kind: string): number => (kinds[kind] ?? 0) - (before[node]?.[kind] ?? 0);
    const deltas = Object.keys(kinds)
      .filter((kind) => kind !== DURABLE)
      .map((kind) => [kind, delta(kind)] as const)
      .filter(([, count]) => count > 0)
      .sort((a, b) => b[1] - a[1]);
    result[node] = {
      total: perHop(deltas.reduce((sum, [, count]) => sum + count, 0)),
      durableCommits: perHop(delta(DURABLE)),
      byKind: Object.fromEntries(deltas.map(([kind, count]) => [kind, perHop(count)])),
    };
  }
  return result;
}

/** `VERB table [FOR UPDATE]`: enough to tell the pipeline's statements apart without their values. */
export function statementKind(sql: string): string {
  const text = sql.replace(/\s+/g, ' ').trim();
  const verb = text.split(' ')[0].toUpperCase();
  const table = (pattern: RegExp): string => pattern.exec(text)?.[1]?.replace(/"/g, '') ?? '?';
  switch (verb) {
    case 'INSERT':
      return `INSERT ${table(/^INSERT INTO ("?[\w.]+"?)/i)}`;
    case 'UPDATE':
      return `UPDATE ${table(/^UPDATE ("?[\w.]+"?)/i)}`;
    case 'DELETE':
      return `DELETE ${table(/^DELETE FROM ("?[\w.]+"?)/i)}`;
    case 'SELECT':
      return `SELECT ${table(/ FROM ("?[\w.]+"?)/i)}${/ FOR UPDATE/i.test(text) ? ' FOR UPDATE' : ''}`;
    default:
      return verb;
  }
}
