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
  async claim(
    manager: EntityManager,
    row: NewInboxRow,
  ): Promise<{ claimed: boolean; takenByAnother: boolean }> {
    // Plain SQL, one statement: on the hot path of every inbound message, and the row holds ids and codes only.
    const [found]: Array<{ claimed: boolean; taken_by_another: boolean }> = await manager.query(
      `WITH inserted AS (
         INSERT INTO inbox (message_id, sender, type, outcome, reason_code, response_id)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (message_id, sender) DO NOTHING RETURNING 1)
       SELECT EXISTS (SELECT 1 FROM inserted) AS claimed,
              EXISTS (SELECT 1 FROM inbox WHERE message_id = $1 AND sender <> $2) AS taken_by_another`,
      [row.messageId, row.sender, row.type, row.outcome, row.reasonCode, row.responseId],
    );
    return { claimed: found.claimed, takenByAnother: found.taken_by_another };
  }
}
