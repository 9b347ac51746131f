import { Column, EntityManager, PrimaryColumn } from 'typeorm';
import { describe } from './amqp-connection';

/**
 * What both outboxes (transnational messages, agency replies) keep per row for their relay: the publish
 * attempts, the next one, the last failure, and when the broker confirmed it.
 */
export abstract class RelayRow {
  /**
   * bigint comes back from pg as a string. Its bigserial sequence gives it, but before the insert (the
   * encrypted body is sealed for its row: src/crypto/encrypted-column.ts): a generated column would be left
   * out of the INSERT by TypeORM.
   */
  @PrimaryColumn({ type: 'bigint' })
  id!: string;

  @Column('int')
  attempts!: number;

  @Column('timestamptz', { name: 'next_attempt_at' })
  nextAttemptAt!: Date;

  @Column('text', { name: 'last_error', nullable: true })
  lastError!: string | null;

  @Column('timestamptz', { name: 'created_at' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'published_at', nullable: true })
  publishedAt!: Date | null;
}

export type RelayTable = 'outbox' | 'agency_replies';

/**
 * Waits for this relay's turn: one relay of the outbox (or lane) at a time across the node's instances, until
 * the caller's transaction ends, after the broker has confirmed. Without it a second relay would skip a row
 * the first is still publishing and could publish a later row of its order key ahead of it.
 */
export async function takeRelayTurn(manager: EntityManager, lock: string): Promise<void> {
  await manager.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [lock]);
}

export async function markRowsPublished(
  manager: EntityManager,
  table: RelayTable,
  ids: string[],
): Promise<void> {
  if (ids.length === 0) return;
  await manager.query(
    `UPDATE ${table} SET published_at = now(), attempts = attempts + 1 WHERE id = ANY($1::bigint[])`,
    [ids],
  );
}

/**
 * Marks failed publishes in one statement, each row with its own error and its own backoff (exponential,
 * capped at a minute): a missing queue is retried, never dropped.
 */
export async function markRowsFailed(
  manager: EntityManager,
  table: RelayTable,
  failures: ReadonlyArray<{ id: string; error: string }>,
): Promise<void> {
  if (failures.length === 0) return;
  await manager.query(
    `UPDATE ${table} t SET attempts = t.attempts + 1, last_error = f.error,
       next_attempt_at = now() + least(interval '60 seconds', interval '250 milliseconds' * power(2, least(t.attempts, 10)))
     FROM unnest($1::bigint[], $2::text[]) AS f(id, error)
     WHERE t.id = f.id`,
    [failures.map((f) => f.id), failures.map((f) => f.error.slice(0, 500))],
  );
}

/**
 * Publishes a relay's batch in waves: wave k holds the k-th row of each order key (rows in the batch's order),
 * sent once the broker has answered wave k−1 (all of a wave under one wait for confirms). A row whose publish
 * failed stops the later rows of its key in this batch: they stay pending (`undefined`), not sent ahead of it,
 * and the claim (`claimDue`) holds them behind it while it backs off. A batch of many keys is one wave.
 * Returns, per row: null (confirmed), the error, or undefined (not sent).
 */
export async function publishInOrder<T>(
  rows: readonly T[],
  orderKey: (row: T) => string,
  publishAll: (wave: T[]) => Promise<Array<Error | null>>,
): Promise<Array<Error | null | undefined>> {
  const outcomes: Array<Error | null | undefined> = rows.map(() => undefined);
  const rank = new Map<string, number>();
  const waves: number[][] = [];
  const keys = rows.map(orderKey);
  keys.forEach((key, i) => {
    const k = rank.get(key) ?? 0;
    rank.set(key, k + 1);
    (waves[k] ??= []).push(i);
  });
  const stopped = new Set<string>();
  for (const wave of waves) {
    const sent = wave.filter((i) => !stopped.has(keys[i]));
    if (sent.length === 0) break;
    const results = await publishAll(sent.map((i) => rows[i]));
    sent.forEach((i, j) => {
      outcomes[i] = results[j];
      if (results[j]) stopped.add(keys[i]);
    });
  }
  return outcomes;
}

/** publishInOrder's outcomes split: the rows confirmed, and those refused with why (rows not sent: neither). */
export function splitOutcomes<T>(
  rows: readonly T[],
  outcomes: ReadonlyArray<Error | null | undefined>,
): { published: T[]; failed: Array<{ row: T; reason: string }> } {
  return {
    published: rows.filter((_, i) => outcomes[i] === null),
    failed: rows.flatMap((row, i) => {
      const error = outcomes[i];
      return error ? [{ row, reason: describe(error) }] : [];
    }),
  };
}
