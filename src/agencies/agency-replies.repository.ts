import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AgencyReplyEntity, NewAgencyReply } from './agency-reply.entity';
import { markRowsFailed, markRowsPublished, takeRelayTurn } from '../transport/relay-row';

/** The advisory lock the agency reply relay holds while it publishes (any instance of the node). */
export const AGENCY_REPLY_RELAY_LOCK = 'trm.agency-reply-relay';

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
   * Claims due rows in order, once no other relay (another instance of the node) is under way
   * (takeRelayTurn); the rows' locks too hold until the caller's transaction ends. A reply waiting
   * behind an earlier unpublished reply to its agency that is not due yet (its publish failed and backs off)
   * is left: an agency never hears a later reply before an earlier one. A switched-off agency's replies stay
   * pending: nothing more is sent to it (they go out if it is switched on again).
   */
  async claimDue(manager: EntityManager, limit: number): Promise<AgencyReplyEntity[]> {
    await takeRelayTurn(manager, AGENCY_REPLY_RELAY_LOCK);
    return manager
      .createQueryBuilder(AgencyReplyEntity, 'r')
      .where('r.published_at IS NULL')
      .andWhere('EXISTS (SELECT 1 FROM agencies a WHERE a.code = r.agency AND a.active)')
      .andWhere('r.next_attempt_at <= now()')
      .andWhere(
        `NOT EXISTS (SELECT 1 FROM agency_replies e
           WHERE e.published_at IS NULL AND e.id < r.id AND e.next_attempt_at > now() AND e.agency = r.agency)`,
      )
      .orderBy('r.id', 'ASC')
      .limit(limit)
      .setLock('pessimistic_write')
      .setOnLocked('skip_locked')
      .getMany();
  }

  async markPublished(manager: EntityManager, ids: string[]): Promise<void> {
    await markRowsPublished(manager, 'agency_replies', ids);
  }

  async markFailed(manager: EntityManager, failures: Array<{ id: string; error: string }>): Promise<void> {
    await markRowsFailed(manager, 'agency_replies', failures);
  }
}
