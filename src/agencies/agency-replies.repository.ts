import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AgencyReplyEntity, NewAgencyReply } from './agency-reply.entity';
import { markRowFailed, markRowsPublished } from '../transport/relay-row';

/** The agencies' outbox. Every method takes the caller's EntityManager: the caller owns the transaction. */
@Injectable()
export class AgencyRepliesRepository {
  /** Through the entity: its body column is encrypted at rest (a plain-SQL insert would store it in clear). */
  async enqueue(manager: EntityManager, reply: NewAgencyReply): Promise<void> {
    await manager.insert(AgencyReplyEntity, reply);
  }

  /**
   * The same bytes again (a redelivered submission gets the very outcome it got the first time). Through the
   * entity: the stored body is encrypted for its row, so the copy is opened and sealed for the new row.
   */
  async requeueCopyOf(manager: EntityManager, replyId: string): Promise<void> {
    const first = await manager.findOne(AgencyReplyEntity, { where: { replyId }, order: { id: 'ASC' } });
    if (!first) return;
    await manager.insert(AgencyReplyEntity, {
      replyId: first.replyId,
      agency: first.agency,
      kind: first.kind,
      correlationId: first.correlationId,
      body: first.body,
      headers: first.headers,
    });
  }

  /**
   * Claims due rows in order; SKIP LOCKED lets several instances share the table. A switched-off agency's
   * replies stay pending: nothing more is sent to it (they go out if it is switched on again).
   */
  async claimDue(manager: EntityManager, limit: number): Promise<AgencyReplyEntity[]> {
    return manager
      .createQueryBuilder(AgencyReplyEntity, 'r')
      .where('r.published_at IS NULL')
      .andWhere('EXISTS (SELECT 1 FROM agencies a WHERE a.code = r.agency AND a.active)')
      .andWhere('r.next_attempt_at <= now()')
      .orderBy('r.id', 'ASC')
      .limit(limit)
      .setLock('pessimistic_write')
      .setOnLocked('skip_locked')
      .getMany();
  }

  async markPublished(manager: EntityManager, ids: string[]): Promise<void> {
    await markRowsPublished(manager, 'agency_replies', ids);
  }

  async markFailed(manager: EntityManager, id: string, error: string): Promise<void> {
    await markRowFailed(manager, 'agency_replies', id, error);
  }
}
