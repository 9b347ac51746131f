import { Column, EntityManager, PrimaryColumn } from 'typeorm';

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

/** Backs off exponentially, capped at a minute: a missing queue is retried, never dropped. */
export async function markRowFailed(
  manager: EntityManager,
  table: RelayTable,
  id: string,
  error: string,
): Promise<void> {
  await manager.query(
    `UPDATE ${table} SET attempts = attempts + 1, last_error = $2,
       next_attempt_at = now() + least(interval '60 seconds', interval '250 milliseconds' * power(2, least(attempts, 10)))
     WHERE id = $1`,
    [id, error.slice(0, 500)],
  );
}

/** The same for several rows in one statement: each with its own error and its own backoff. */
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
