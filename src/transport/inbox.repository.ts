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
    const result = await manager
      .createQueryBuilder()
      .insert()
      .into(InboxEntity)
      .values(row)
      .orIgnore()
      .returning(['messageId'])
      .execute();
    return result.raw.length > 0;
  }
}
