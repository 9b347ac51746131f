import { cpus } from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { Client } from 'pg';
import { CANONICAL_SQL, CHECK_WINDOW, ChainChecker, ChainProblem, SealedRow } from './audit-chain';

export interface VerifyOptions {
  /** An entry still unsealed this long after its time was not written by the node: reported as inserted. */
  graceMs?: number;
  /** Chain rows per query. */
  batchSize?: number;
  /**
   * Called with every chain row in position order (e.g. to export the chain for peers); the walk then runs
   * in one thread, in order.
   */
  onChainRow?: (row: { pos: number; entrySeq: string; prevHash: string; hash: string }) => void;
  /** Threads walking ranges of the chain at once; by default one per core (up to 4) for a long chain. */
  workers?: number;
  /** How many problems to list (all are counted). */
  maxProblems?: number;
  /** Called after each batch of chain rows checked, with the rows checked so far and the chain's length. */
  onProgress?: (checked: number, total: number) => void;
}

export interface VerifyReport {
  ok: boolean;
  /** Chain rows checked. */
  sealed: number;
  head: { pos: number; entrySeq: string; hash: string } | null;
  /** Entries written recently and not sealed yet: normal, not a problem. */
  pending: number;
  problems: ChainProblem[];
  problemCount: number;
  workers: number;
  seconds: number;
  entriesPerSecond: number;
}

/** Positions [from, to] of the chain one walk checks. */
export interface ChainRange {
  from: number;
  to: number;
}

export interface RangeResult {
  problems: ChainProblem[];
  rowsChecked: number;
}

/** Small enough that a batch's rows die young (cheap garbage collection), big enough to amortise a query. */
const DEFAULT_BATCH = 5000;
const UNSEALED_LISTED = 1000;
/** Below this many rows, starting threads costs more than it saves. */
const PARALLEL_FROM_ROWS = 200_000;

/**
 * Checks the whole chain against the log: walks audit_chain in position order joined to the entries and
 * recomputes every hash in Node (never trusting the database's own hashing), in parallel ranges on long
 * chains; meanwhile it looks for entries the chain does not hold (an insertion, or a sealer that stopped).
 */
export async function verifyAuditChain(
  connectionString: string,
  options: VerifyOptions = {},
): Promise<VerifyReport> {
  const started = process.hrtime.bigint();
  const client = new Client({ connectionString, application_name: 'trm-audit-verify' });
  await client.connect();
  try {
    const { rows: bounds } = await client.query(
      `SELECT (SELECT min(pos) FROM audit_chain)::text AS first,
              c.pos::text AS last, c.entry_seq::text AS "entrySeq", encode(c.hash, 'hex') AS hash
       FROM audit_chain c ORDER BY c.pos DESC LIMIT 1`,
    );
    const head = bounds[0]
      ? {
          pos: Number(bounds[0].last),
          entrySeq: bounds[0].entrySeq as string,
          hash: bounds[0].hash as string,
        }
      : null;
    const first = bounds[0] ? Number(bounds[0].first) : 1;
    const workers = head ? chooseWorkers(options, head.pos - first + 1) : 1;
    const ranges = head ? split({ from: first, to: head.pos }, workers) : [];
    const batchSize = options.batchSize ?? DEFAULT_BATCH;
    const total = ranges.reduce((sum, r) => sum + r.to - r.from + 1, 0);
    let checked = 0;
    const onBatch = (rows: number): void => {
      checked += rows;
      options.onProgress?.(checked, total);
    };
    const walks =
      workers === 1
        ? ranges.map(async (range) => {
            const walker = new Client({ connectionString, application_name: 'trm-audit-verify' });
            await walker.connect();
            try {
              return await walkRange(walker, range, batchSize, options.onChainRow, onBatch);
            } finally {
              await walker.end();
            }
          })
        : ranges.map((range) => walkInThread(connectionString, range, batchSize, onBatch));
    const [results, unsealed] = await Promise.all([
      Promise.all(walks),
      findUnsealed(client, options.graceMs ?? 60_000),
    ]);
    const problems = results.flatMap((r) => r.problems).sort((a, b) => (a.pos ?? 0) - (b.pos ?? 0));
    for (const entry of unsealed.overdue) {
      problems.push({
        kind: 'INSERTED',
        seq: entry.seq,
        pos: null,
        detail: `it is not in the chain although it is dated ${entry.at}: it was inserted behind the node's back (or the sealer has not run since)`,
      });
    }
    const problemCount = problems.length - unsealed.overdue.length + unsealed.overdueCount;
    const sealed = results.reduce((sum, r) => sum + r.rowsChecked, 0);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    return {
      ok: problemCount === 0,
      sealed,
      head,
      pending: unsealed.pending,
      problems: problems.slice(0, options.maxProblems ?? 100),
      problemCount,
      workers,
      seconds,
      entriesPerSecond: seconds > 0 ? sealed / seconds : 0,
    };
  } finally {
    await client.end();
  }
}

function chooseWorkers(options: VerifyOptions, rows: number): number {
  if (options.onChainRow) return 1;
  if (options.workers !== undefined) return Math.max(1, Math.min(options.workers, rows));
  return rows < PARALLEL_FROM_ROWS ? 1 : Math.max(1, Math.min(4, cpus().length));
}

function split(range: ChainRange, parts: number): ChainRange[] {
  const size = Math.ceil((range.to - range.from + 1) / parts);
  return Array.from({ length: parts }, (_, i) => ({
    from: range.from + i * size,
    to: Math.min(range.to, range.from + (i + 1) * size - 1),
  })).filter((r) => r.from <= r.to);
}

/**
 * Checks the chain rows at positions [from, to], reading CHECK_WINDOW rows on either side as context (the
 * link into the range, and what tells a reordering from an edit). One REPEATABLE READ snapshot throughout.
 */
export async function walkRange(
  client: Client,
  range: ChainRange,
  batchSize: number,
  onChainRow?: VerifyOptions['onChainRow'],
  onBatch?: (rows: number) => void,
): Promise<RangeResult> {
  const checker = new ChainChecker({ reportFrom: range.from, reportTo: range.to });
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  // Keyset batches are small: gathering parallel workers costs more than it saves (measured).
  await client.query('SET LOCAL max_parallel_workers_per_gather = 0');
  try {
    const before = await fetchRows(client, `c.pos < $1 ORDER BY c.pos DESC`, [range.from, CHECK_WINDOW]);
    for (const row of before.reverse()) checker.push(row);
    let next = fetchRows(client, `c.pos >= $1 AND c.pos <= $2 ORDER BY c.pos`, [
      range.from,
      range.to,
      batchSize,
    ]);
    for (;;) {
      const rows = await next;
      if (rows.length === 0) break;
      const last = rows[rows.length - 1].pos;
      // Fetched while this batch is hashed.
      next =
        rows.length === batchSize
          ? fetchRows(client, `c.pos > $1 AND c.pos <= $2 ORDER BY c.pos`, [last, range.to, batchSize])
          : Promise.resolve([]);
      for (const row of rows) {
        checker.push(row);
        onChainRow?.(row);
      }
      onBatch?.(rows.length);
    }
    const after = await fetchRows(client, `c.pos > $1 ORDER BY c.pos`, [range.to, CHECK_WINDOW]);
    for (const row of after) checker.push(row);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
  return { problems: checker.finish(), rowsChecked: checker.rowsChecked };
}

/** `where` ends with its ORDER BY; the last value is the limit. */
async function fetchRows(client: Client, where: string, values: unknown[]): Promise<SealedRow[]> {
  const result = await client.query({
    // Hashes as hex text: no Buffer per value, and node:crypto reads hex directly.
    text: `SELECT c.pos::text, c.entry_seq::text, encode(c.prev_hash, 'hex'), encode(c.hash, 'hex'),
                  CASE WHEN a.seq IS NOT NULL THEN ${CANONICAL_SQL} END, c.link
           FROM audit_chain c LEFT JOIN audit_log a ON a.seq = c.entry_seq
           WHERE ${where} LIMIT $${values.length}`,
    values,
    rowMode: 'array',
  });
  return (result.rows as Array<[string, string, string, string, string | null, number]>).map((raw) => ({
    pos: Number(raw[0]),
    entrySeq: raw[1],
    prevHash: raw[2],
    hash: raw[3],
    canonical: raw[4],
    link: raw[5] === 1 ? 1 : 2,
  }));
}

/** Runs walkRange in a worker thread (audit-verifier.worker), with its own connection. */
function walkInThread(
  connectionString: string,
  range: ChainRange,
  batchSize: number,
  onBatch: (rows: number) => void,
): Promise<RangeResult> {
  const extension = path.extname(__filename);
  const worker = new Worker(path.join(__dirname, `audit-verifier.worker${extension}`), {
    workerData: { connectionString, range, batchSize },
    // From sources (ts-node, jest), the worker compiles its TypeScript the same way.
    execArgv: extension === '.ts' ? ['--require', 'ts-node/register/transpile-only'] : [],
  });
  return new Promise((resolve, reject) => {
    worker.on('message', (message: { progress?: number; result?: RangeResult; error?: string }) => {
      if (message.progress !== undefined) onBatch(message.progress);
      else if (message.result) resolve(message.result);
      else reject(new Error(message.error));
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`verifier thread exited with code ${code}`));
    });
  });
}

async function findUnsealed(
  client: Client,
  graceMs: number,
): Promise<{ overdue: Array<{ seq: string; at: string }>; overdueCount: number; pending: number }> {
  const unsealed = `FROM audit_log a WHERE NOT EXISTS (SELECT 1 FROM audit_chain c WHERE c.entry_seq = a.seq)`;
  const overdue = `a.at < now() - make_interval(secs => $1::double precision / 1000)`;
  const counts = await client.query(
    `SELECT count(*) FILTER (WHERE ${overdue})::int AS overdue, count(*)::int AS total ${unsealed}`,
    [graceMs],
  );
  const { overdue: overdueCount, total } = counts.rows[0] as { overdue: number; total: number };
  // Listed only when there is something to list: each look is a scan of the whole log.
  const listed =
    overdueCount === 0
      ? []
      : (
          await client.query(
            `SELECT a.seq::text AS seq, to_char(a.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at
             ${unsealed} AND ${overdue} ORDER BY a.seq LIMIT ${UNSEALED_LISTED}`,
            [graceMs],
          )
        ).rows;
  return { overdue: listed, overdueCount, pending: total - overdueCount };
}
