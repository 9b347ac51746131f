import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { InboxEntity } from './inbox.entity';

export type NewInboxRow = Pick<
  InboxEntity,
  'messageId' | 'sender' | 'type' | 'outcome' | 'reasonCode' | 'responseId'
>;

@Injectable()
export class InboxRepository {
  /** The id as this sender used it. */
  async find(manager: EntityManager, messageId: string, sender: string): Promise<InboxEntity | null> {
    return manager.findOne(InboxEntity, { where: { messageId, sender } });
  }

  /** Whether another sender used this id first (ids are unique forever: the first sender keeps it). */
  async takenByAnother(manager: EntityManager, messageId: string, sender: string): Promise<boolean> {
    const rows: unknown[] = await manager.query(
      `SELECT 1 FROM inbox WHERE message_id = $1 AND sender <> $2 LIMIT 1`,
      [messageId, sender],
    );
    return rows.length > 0;
  }

  /**
   * Records a message id for its sender inside the caller's transaction, and says in the same round trip
   * whether another sender used the id first. `claimed` false means another delivery of the same id by the
   * same sender got there first: the caller must roll back and treat this delivery as a duplicate.
   */
  async claim(manager: EntityManager, row: NewInboxRow): Promise<InboxClaim> {
    const [claim] = await this.claimMany(manager, [row]);
    return claim;
  }

  /**
   * claim() for an inbound batch's rows in one statement, answered in their order. Plain SQL: on the hot path
   * of every inbound message, and the rows hold ids and codes only. "Taken by another" sees the ids committed
   * before this statement; a batch never offers one id twice (InboundService runs those one at a time).
   */
  async claimMany(manager: EntityManager, rows: NewInboxRow[]): Promise<InboxClaim[]> {
    const found: Array<{ claimed: boolean; taken_by_another: boolean }> = await manager.query(
      `WITH offered AS (
         SELECT * FROM unnest($1::text[], $2::char(2)[], $3::text[], $4::text[], $5::text[], $6::uuid[])
           WITH ORDINALITY AS o(message_id, sender, type, outcome, reason_code, response_id, n)),
       inserted AS (
         INSERT INTO inbox (message_id, sender, type, outcome, reason_code, response_id)
         SELECT message_id, sender, type, outcome, reason_code, response_id FROM offered
         ON CONFLICT (message_id, sender) DO NOTHING RETURNING message_id, sender)
       SELECT EXISTS (SELECT 1 FROM inserted i WHERE i.message_id = o.message_id AND i.sender = o.sender) AS claimed,
              EXISTS (SELECT 1 FROM inbox b WHERE b.message_id = o.message_id AND b.sender <> o.sender)
                AS taken_by_another
       FROM offered o ORDER BY o.n`,
      [
        rows.map((row) => row.messageId),
        rows.map((row) => row.sender),
        rows.map((row) => row.type),
        rows.map((row) => row.outcome),
        rows.map((row) => row.reasonCode),
        rows.map((row) => row.responseId),
      ],
    );
    return found.map((row) => ({ claimed: row.claimed, takenByAnother: row.taken_by_another }));
  }
}

export interface InboxClaim {
  claimed: boolean;
  takenByAnother: boolean;
}
