import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { InboxEntity } from './inbox.entity';

export type NewInboxRow = Pick<
  InboxEntity,
  'messageId' | 'sender' | 'type' | 'outcome' | 'reasonCode' | 'responseId'
>;

@Injectable()
export class InboxRepository {
  async find(manager: EntityManager, messageId: string): Promise<InboxEntity | null> {
    return manager.findOne(InboxEntity, { where: { messageId } });
  }

  /**
   * Records a message id inside the caller's transaction. False means another delivery of the same id got
   * there first: the caller must roll back and treat this delivery as a duplicate.
   */
  async claim(manager: EntityManager, row: NewInboxRow): Promise<boolean> {
    // Plain SQL: on the hot path of every inbound message, and the row holds ids and codes only.
    const inserted: unknown[] = await manager.query(
      `INSERT INTO inbox (message_id, sender, type, outcome, reason_code, response_id)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (message_id) DO NOTHING RETURNING message_id`,
      [row.messageId, row.sender, row.type, row.outcome, row.reasonCode, row.responseId],
    );
    return inserted.length > 0;
  }
}
