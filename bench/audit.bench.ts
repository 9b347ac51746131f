import 'reflect-metadata';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { DataSource, EntityManager } from 'typeorm';
import { MIGRATIONS } from '../migrations';
import type { AuditPageRequest } from '../src/audit/audit-query';
import { AuditSealer } from '../src/audit/audit-sealer';
import { verifyAuditChain } from '../src/audit/audit-verifier';
import { AuditRepository } from '../src/audit/audit.repository';
import { AuditService } from '../src/audit/audit.service';
import { migrateWithLock } from '../src/database/migrate';
import { formatTable, round, summarize } from './stats';
import { MESSAGE_TYPES as ALL_MESSAGE_TYPES } from '../src/messages/message-types';
import { markStatement } from '../scripts/lib/leftovers';

/**
 * `npm run bench:audit`: the audit trail at scale (issue 4). In a throwaway database it seeds BENCH_AUDIT_ENTRIES
 * (default 1,000,000) entries shaped like a year of traffic between 20 countries, seals them with the node's
 * own sealer, then measures the auditor API's filtered queries (the repository's exact SQL, p95 over
 * BENCH_AUDIT_RUNS random parameters each) and `audit:verify`'s throughput. Targets: p95 < 50 ms, verify
 * >= 100,000 entries/s. The database is dropped at the end, also on failure or Ctrl-C (BENCH_AUDIT_KEEP=1
 * keeps it for a closer look).
 */

const TARGET_P95_MS = 50;
const TARGET_VERIFY_PER_SECOND = 100_000;
const COUNTRIES = [
  'FR',
  'MK',
  'IT',
  'RS',
  'HR',
  'AL',
  'BG',
  'RO',
  'GR',
  'DE',
  'AT',
  'HU',
  'SI',
  'BA',
  'ME',
  'XK',
  'MD',
  'UA',
  'ES',
  'NL',
];
/** Every type but the checkpoint, which carries no case. */
const MESSAGE_TYPES = ALL_MESSAGE_TYPES.filter((type) => type !== 'AUDIT_CHECKPOINT');
/** About ten entries per case, as a referral, its answers, reads and decisions make. */
const CASES = 100_000;
const ACTORS = 500;

const pgAdminUrl = process.env.TRM_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const entries = Number(process.env.BENCH_AUDIT_ENTRIES ?? 1_000_000);
const runs = Number(process.env.BENCH_AUDIT_RUNS ?? 200);
const database = `trm_auditbench_${randomBytes(4).toString('hex')}`;
// The seeded year ends now, so entries appended later (the append phase) come after it, as in a node.
const yearStart = Date.now() - 366 * 86_400_000;
const yearMs = 365 * 86_400_000;

interface QueryResult {
  name: string;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
  meanRows: number;
}

async function main(): Promise<number> {
  let cleaned: Promise<void> | null = null;
  const cleanUp = (): Promise<void> =>
    (cleaned ??=
      process.env.BENCH_AUDIT_KEEP === '1'
        ? Promise.resolve(log(`kept ${database} (BENCH_AUDIT_KEEP=1): drop it when done`))
        : admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => undefined));
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => void cleanUp().finally(() => process.exit(130)));
  }
  const url = new URL(pgAdminUrl);
  url.pathname = `/${database}`;
  const began = Date.now();
  try {
    await admin(`CREATE DATABASE ${database}`);
    // A kept database is the user's to drop; any other is swept by the next test run if this one is killed.
    if (process.env.BENCH_AUDIT_KEEP !== '1') await admin(markStatement(database, database));
    const dataSource = await new DataSource({
      type: 'postgres',
      url: url.toString(),
      migrations: MIGRATIONS,
      extra: { max: 4 },
    }).initialize();
    try {
      await migrateWithLock(dataSource);
      log(`${database}: seeding ${entries.toLocaleString('en')} entries`);
      const seedSeconds = await timedSeconds(() => seed(dataSource));
      log(`seeded in ${round(seedSeconds)} s; sealing with the node's sealer`);
      const sealer = new AuditSealer(dataSource);
      const sealSeconds = await timedSeconds(() => sealer.sealNow());
      log(`sealed in ${round(sealSeconds)} s (${Math.round(entries / sealSeconds)}/s)`);
      await dataSource.query('VACUUM ANALYZE audit_log');
      await dataSource.query('VACUUM ANALYZE audit_chain');

      const queries = await measureQueries(new AuditRepository(dataSource));
      const append = await measureAppend(dataSource, sealer);
      const verify = await verifyAuditChain(url.toString());
      if (!verify.ok)
        throw new Error(`the seeded chain does not verify: ${JSON.stringify(verify.problems[0])}`);
      const exportSeconds = await timedSeconds(async () => {
        for await (const batch of new AuditRepository(dataSource).stream({ country: 'MK' })) void batch;
      });
      const [{ n: exported }] = await dataSource.query(
        `SELECT count(*)::int AS n FROM audit_log WHERE counterpart = 'MK'`,
      );

      const report = {
        at: new Date().toISOString(),
        database,
        entries,
        machine: { cores: os.cpus().length, cpu: os.cpus()[0]?.model ?? '?', node: process.version },
        seedSeconds: round(seedSeconds, 1),
        sealPerSecond: Math.round(entries / sealSeconds),
        queries,
        append,
        verify: {
          entries: verify.sealed,
          seconds: round(verify.seconds, 2),
          perSecond: Math.round(verify.entriesPerSecond),
          threads: verify.workers,
        },
        export: { entries: exported, perSecond: Math.round(exported / exportSeconds) },
        targets: {
          p95Ms: TARGET_P95_MS,
          p95Met: queries.every((q) => q.p95Ms < TARGET_P95_MS),
          verifyPerSecond: TARGET_VERIFY_PER_SECOND,
          verifyMet: verify.entriesPerSecond >= TARGET_VERIFY_PER_SECOND,
        },
      };
      const dir = path.resolve(__dirname, 'results');
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, 'audit-latest.json'), `${JSON.stringify(report, null, 2)}\n`);
      process.stdout.write(render(report));
      log(`done in ${round((Date.now() - began) / 1000)} s`);
      return report.targets.p95Met && report.targets.verifyMet ? 0 : 1;
    } finally {
      await dataSource.destroy();
    }
  } finally {
    await cleanUp();
  }
}

/**
 * One INSERT … SELECT over generate_series, with the secondary indexes built afterwards (much faster than
 * maintaining them row by row), exactly as the migration defines them.
 */
async function seed(dataSource: DataSource): Promise<void> {
  const indexes: Array<{ name: string; def: string }> = await dataSource.query(
    `SELECT indexname AS name, indexdef AS def FROM pg_indexes
     WHERE tablename = 'audit_log' AND indexname <> 'audit_log_pkey'`,
  );
  for (const index of indexes) await dataSource.query(`DROP INDEX ${index.name}`);
  const countries = `(ARRAY[${COUNTRIES.map((c) => `'${c}'`).join(',')}])`;
  const types = `(ARRAY[${MESSAGE_TYPES.map((t) => `'${t}'`).join(',')}])`;
  // Independent random columns, except one real-world gap: no evidence request ever went to or came from NL,
  // so "EVIDENCE_REQUEST with NL" is an empty combination of two common values (the hardest filter).
  await dataSource.query(`
    INSERT INTO audit_log (at, action, actor, case_ref, message_id, message_type, counterpart, legal_basis,
      decision, reason_code, details)
    SELECT at, action,
      CASE WHEN action IN ('MESSAGE_RECEIVED', 'RECEIPT_RECEIVED', 'MESSAGE_REJECTED') THEN peer
           WHEN action = 'MESSAGE_PUBLISHED' THEN 'node:FR'
           ELSE 'api:coordinator-' || actor_no END,
      'TRM-' || ${countries}[1 + case_no % 20] || '-2026-' || lpad(case_no::text, 6, '0'),
      CASE WHEN action LIKE 'MESSAGE_%' OR action LIKE '%_RECEIVED' THEN md5(i::text)::uuid::text END,
      CASE WHEN action LIKE 'MESSAGE_%' OR action = 'RECEIPT_RECEIVED'
           THEN CASE WHEN type = 'EVIDENCE_REQUEST' AND peer = 'NL' THEN 'EVIDENCE_RESPONSE' ELSE type END END,
      CASE WHEN action IN ('CASE_OPENED', 'CONSENT_RECORDED', 'RISK_ASSESSED', 'PERSONAL_DATA_READ') THEN NULL
           ELSE peer END,
      CASE WHEN action LIKE 'MESSAGE_%' THEN 'CONSENT' END,
      CASE WHEN action IN ('MESSAGE_QUEUED', 'MESSAGE_RECEIVED') THEN 'ALLOW'
           WHEN action IN ('MESSAGE_REFUSED', 'MESSAGE_REJECTED') THEN 'DENY' END,
      CASE WHEN action IN ('MESSAGE_REFUSED', 'MESSAGE_REJECTED') THEN 'CONSENT_INSUFFICIENT' END,
      CASE WHEN action = 'MESSAGE_PUBLISHED' THEN '{"attempt": 1}'::jsonb ELSE '{}'::jsonb END
    FROM (
      SELECT i,
        to_timestamp(${yearStart / 1000} + i * ${yearMs / 1000 / entries}) AS at,
        ${countries}[1 + floor(random() * 20)::int] AS peer,
        ${types}[1 + floor(random() * ${MESSAGE_TYPES.length})::int] AS type,
        floor(random() * ${CASES})::int AS case_no,
        floor(random() * ${ACTORS})::int AS actor_no,
        CASE
          WHEN r < 0.20 THEN 'MESSAGE_QUEUED' WHEN r < 0.40 THEN 'MESSAGE_PUBLISHED'
          WHEN r < 0.60 THEN 'MESSAGE_RECEIVED' WHEN r < 0.75 THEN 'RECEIPT_RECEIVED'
          WHEN r < 0.85 THEN 'PERSONAL_DATA_READ' WHEN r < 0.89 THEN 'CONSENT_RECORDED'
          WHEN r < 0.93 THEN 'RISK_ASSESSED' WHEN r < 0.96 THEN 'CASE_OPENED'
          WHEN r < 0.975 THEN 'MESSAGE_REFUSED' WHEN r < 0.985 THEN 'MESSAGE_REJECTED'
          WHEN r < 0.995 THEN 'DUPLICATE_RECEIVED' ELSE 'RISK_OVERRIDDEN' END AS action
      FROM (SELECT i, random() AS r FROM generate_series(1, ${entries}) AS i) AS s
    ) AS t
    ORDER BY i`);
  for (const index of indexes) await dataSource.query(index.def);
}

interface AppendResult {
  /** Entries written by 32 concurrent transactions (one entry each, as a pipeline step writes them). */
  entries: number;
  perSecond: number;
  commitP50Ms: number;
  commitP99Ms: number;
  /** The same with a copy of audit_log that has no index but its primary key: what the indexes cost. */
  bareTablePerSecond: number;
  /** After the last commit, how long the sealer (running all along, as in a node) took to seal the rest. */
  sealLagMs: number;
}

/**
 * Appending under load: what a transfer's audit entries cost the pipeline. The node's own AuditService writes
 * through concurrent transactions while its sealer runs beside them; then the same inserts into an index-free
 * copy of the table show what the auditor API's indexes add.
 */
async function measureAppend(dataSource: DataSource, sealer: AuditSealer): Promise<AppendResult> {
  const audit = new AuditService();
  const total = Number(process.env.BENCH_AUDIT_APPENDS ?? 20_000);
  const concurrency = 32;
  const record = (manager: EntityManager, i: number) =>
    audit.record(manager, {
      action: 'MESSAGE_QUEUED',
      actor: `api:coordinator-${i % ACTORS}`,
      caseRef: `TRM-FR-2026-${String(i % CASES).padStart(6, '0')}`,
      messageId: randomUUID(),
      messageType: 'REFERRAL_REQUEST',
      counterpart: COUNTRIES[i % COUNTRIES.length],
      legalBasis: 'CONSENT',
      decision: 'ALLOW',
      details: { consentId: randomUUID() },
    });
  const run = async (write: (manager: EntityManager, i: number) => Promise<void>) => {
    let next = 0;
    const latencies: number[] = [];
    const started = process.hrtime.bigint();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < total) {
          const i = next++;
          const t0 = process.hrtime.bigint();
          await dataSource.transaction((manager) => write(manager, i));
          latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
        }
      }),
    );
    return { seconds: Number(process.hrtime.bigint() - started) / 1e9, latencies };
  };

  let sealing = true;
  const sealerLoop = (async () => {
    while (sealing) {
      await sealer.sealNow();
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  })();
  const indexed = await run(record);
  const lagStarted = Date.now();
  sealing = false;
  await sealerLoop;
  await sealer.sealNow();
  const sealLagMs = Date.now() - lagStarted;

  await dataSource.query(`CREATE TABLE audit_log_bare (LIKE audit_log INCLUDING DEFAULTS)`);
  await dataSource.query(`ALTER TABLE audit_log_bare ADD PRIMARY KEY (seq)`);
  const bare = await run(async (manager, i) => {
    const proxy = {
      query: (sql: string, values: unknown[]) =>
        manager.query(sql.replace('INSERT INTO audit_log ', 'INSERT INTO audit_log_bare '), values),
    } as EntityManager;
    await record(proxy, i);
  });
  await dataSource.query(`DROP TABLE audit_log_bare`);
  const commits = summarize(indexed.latencies);
  return {
    entries: total,
    perSecond: Math.round(total / indexed.seconds),
    commitP50Ms: commits.p50Ms,
    commitP99Ms: commits.p99Ms,
    bareTablePerSecond: Math.round(total / bare.seconds),
    sealLagMs,
  };
}

/** Each query shape with fresh random parameters per run, after a warm-up, as an auditor would page. */
async function measureQueries(repository: AuditRepository): Promise<QueryResult[]> {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(Math.random() * list.length)];
  // A case as the seed names them (with ten entries each, all but a handful exist).
  const caseRef = () => {
    const caseNo = Math.floor(Math.random() * CASES);
    return `TRM-${COUNTRIES[caseNo % 20]}-2026-${String(caseNo).padStart(6, '0')}`;
  };
  const day = () => new Date(yearStart + Math.floor(Math.random() * 360) * 86_400_000);
  const plus = (date: Date, days: number) => new Date(date.getTime() + days * 86_400_000);
  const seq = () => String(1 + Math.floor(Math.random() * entries));
  const page = (request: Partial<AuditPageRequest>): AuditPageRequest => ({
    limit: 100,
    order: 'asc',
    ...request,
  });
  const shapes: Array<[string, () => AuditPageRequest]> = [
    ['case (its whole timeline)', () => page({ caseRef: caseRef(), limit: 1000 })],
    ['country, first page', () => page({ country: pick(COUNTRIES) })],
    ['country, page after a random cursor', () => page({ country: pick(COUNTRIES), after: seq() })],
    ['message type + country', () => page({ messageType: pick(MESSAGE_TYPES), country: pick(COUNTRIES) })],
    [
      'message type + country that never occur together',
      () => page({ messageType: 'EVIDENCE_REQUEST', country: 'NL' }),
    ],
    [
      'decision DENY, last month, newest first',
      () => {
        const from = day();
        return page({ decision: 'DENY', from, to: plus(from, 30), order: 'desc' });
      },
    ],
    [
      'decision ALLOW + country, one week',
      () => {
        const from = day();
        return page({ decision: 'ALLOW', country: pick(COUNTRIES), from, to: plus(from, 7) });
      },
    ],
    ['actor, all time', () => page({ actor: `api:coordinator-${Math.floor(Math.random() * ACTORS)}` })],
    [
      'actor + action, one month',
      () => {
        const from = day();
        return page({
          actor: `api:coordinator-${Math.floor(Math.random() * ACTORS)}`,
          action: 'PERSONAL_DATA_READ',
          from,
          to: plus(from, 30),
        });
      },
    ],
    [
      'time range only, one day',
      () => {
        const from = day();
        return page({ from, to: plus(from, 1) });
      },
    ],
    ['action RISK_OVERRIDDEN (rare), all time', () => page({ action: 'RISK_OVERRIDDEN' })],
    ['everything, page after a random cursor', () => page({ after: seq() })],
    ['case + decision DENY', () => page({ caseRef: caseRef(), decision: 'DENY' })],
  ];
  const results: QueryResult[] = [];
  for (const [name, request] of shapes) {
    for (let i = 0; i < 10; i++) await repository.page(request());
    const times: number[] = [];
    let rows = 0;
    for (let i = 0; i < runs; i++) {
      const started = process.hrtime.bigint();
      rows += (await repository.page(request())).length;
      times.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
    const summary = summarize(times);
    results.push({
      name,
      p50Ms: summary.p50Ms,
      p95Ms: round(percentile95(times), 2),
      maxMs: summary.maxMs,
      meanRows: round(rows / runs),
    });
    log(`  ${name}: p95 ${results.at(-1)!.p95Ms} ms`);
  }
  return results;
}

function percentile95(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length, Math.ceil(0.95 * sorted.length)) - 1];
}

function render(report: {
  entries: number;
  sealPerSecond: number;
  seedSeconds: number;
  queries: QueryResult[];
  verify: { entries: number; seconds: number; perSecond: number; threads: number };
  append: AppendResult;
  export: { entries: number; perSecond: number };
  targets: { p95Met: boolean; verifyMet: boolean };
}): string {
  const table = formatTable(
    ['query (repository SQL of GET /audit/entries)', 'p50 ms', 'p95 ms', 'max ms', 'rows'],
    report.queries.map((q) => [
      q.name,
      q.p50Ms.toFixed(2),
      q.p95Ms.toFixed(2),
      q.maxMs.toFixed(1),
      String(q.meanRows),
    ]),
  );
  const worst = Math.max(...report.queries.map((q) => q.p95Ms));
  return [
    '',
    `audit trail with ${report.entries.toLocaleString('en')} entries (seeded in ${report.seedSeconds} s, sealed at ${report.sealPerSecond.toLocaleString('en')} entries/s)`,
    '',
    table,
    '',
    `worst p95: ${worst.toFixed(2)} ms (target < ${TARGET_P95_MS} ms: ${report.targets.p95Met ? 'met' : 'NOT met'})`,
    `audit:verify: ${report.verify.entries.toLocaleString('en')} entries in ${report.verify.seconds} s = ${report.verify.perSecond.toLocaleString('en')}/s with ${report.verify.threads} threads (target >= ${TARGET_VERIFY_PER_SECOND.toLocaleString('en')}/s: ${report.targets.verifyMet ? 'met' : 'NOT met'})`,
    `appending (32 concurrent transactions, one entry each): ${report.append.perSecond.toLocaleString('en')} entries/s, commit p50 ${report.append.commitP50Ms} ms, p99 ${report.append.commitP99Ms} ms; ` +
      `without the API's indexes ${report.append.bareTablePerSecond.toLocaleString('en')}/s; sealer caught up ${report.append.sealLagMs} ms after the last commit`,
    `export (JSON rows, one country): ${report.export.entries.toLocaleString('en')} entries at ${report.export.perSecond.toLocaleString('en')}/s`,
    '',
  ].join('\n');
}

async function timedSeconds(work: () => Promise<unknown>): Promise<number> {
  const started = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - started) / 1e9;
}

async function admin(sql: string): Promise<void> {
  const client = new Client({ connectionString: pgAdminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

function log(message: string): void {
  process.stderr.write(`[bench:audit] ${message}\n`);
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`bench:audit failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(2);
  },
);
