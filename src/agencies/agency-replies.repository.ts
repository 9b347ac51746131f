import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import type { AgencyReplyKind } from './agency-contract';

/** A reply signed (and, for answers, sealed) at commit time: the relay publishes these exact bytes. */
export interface AgencyReplyRow {
  id: string;
  replyId: string;
  agency: string;
  kind: AgencyReplyKind;
  correlationId: string | null;
  body: Buffer;
  headers: Record<string, string | number>;
  attempts: number;
}

export type NewAgencyReply = Omit<AgencyReplyRow, 'id' | 'attempts'>;

/** The agencies' outbox. Every method takes the caller's EntityManager: the caller owns the transaction. */
@Injectable()
export class AgencyRepliesRepository {
  async enqueue(manager: EntityManager, reply: NewAgencyReply): Promise<void> {
    await manager.query(
      `INSERT INTO agency_replies (reply_id, agency, kind, correlation_id, body, headers)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [
        reply.replyId,
        reply.agency,
        reply.kind,
        reply.correlationId,
        reply.body,
        JSON.stringify(reply.headers),
      ],
    );
  }

  /** The same bytes again (a redelivered submission gets the very outcome it got the first time). */
  async requeueCopyOf(manager: EntityManager, replyId: string): Promise<void> {
    await manager.query(
      `INSERT INTO agency_replies (reply_id, agency, kind, correlation_id, body, headers)
       SELECT reply_id, agency, kind, correlation_id, body, headers FROM agency_replies
       WHERE reply_id = $1 ORDER BY id LIMIT 1`,
      [replyId],
    );
  }

  /** Claims due rows in order; SKIP LOCKED lets several instances share the table. */
  async claimDue(manager: EntityManager, limit: number): Promise<AgencyReplyRow[]> {
    const rows: Array<AgencyReplyRow & { id: string }> = await manager.query(
      `SELECT id, reply_id AS "replyId", agency, kind, correlation_id AS "correlationId", body, headers, attempts
       FROM agency_replies WHERE published_at IS NULL AND next_attempt_at <= now()
       ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`,
      [limit],
    );
    return rows.map((row) => ({ ...row, id: String(row.id) }));
  }

  async markPublished(manager: EntityManager, ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await manager.query(
      `UPDATE agency_replies SET published_at = now(), attempts = attempts + 1 WHERE id = ANY($1::bigint[])`,
      [ids],
    );
  }

  /** Backs off exponentially, capped at a minute: a missing reply queue is retried, never dropped. */
  async markFailed(manager: EntityManager, id: string, error: string): Promise<void> {
    await manager.query(
      `UPDATE agency_replies SET attempts = attempts + 1, last_error = $2,
         next_attempt_at = now() + least(interval '60 seconds', interval '250 milliseconds' * power(2, least(attempts, 10)))
       WHERE id = $1`,
      [id, error.slice(0, 500)],
    );
  }
}
