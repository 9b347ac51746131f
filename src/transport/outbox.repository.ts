import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import type { WireMessage } from './envelope-codec';
import { OutboxEntity } from './outbox.entity';
import { markRowsFailed, markRowsPublished, takeRelayTurn } from './relay-row';
import type { Lane } from '../messages/message-types';

/** Every method takes the caller's EntityManager: the caller owns the transaction. */
@Injectable()
export class OutboxRepository {
  /** Through the entity: its body column is encrypted at rest (a plain-SQL insert would store it in clear). */
  async enqueue(manager: EntityManager, wire: WireMessage): Promise<void> {
    await this.enqueueMany(manager, [wire]);
  }

  /**
   * One multi-row INSERT, rows in the given order (the relay publishes in id order). Their ids are drawn in
   * one statement first: each row's body is sealed for its id before the insert (the encryption subscriber
   * would otherwise draw them one statement per row).
   */
  async enqueueMany(manager: EntityManager, wires: WireMessage[]): Promise<void> {
    if (wires.length === 0) return;
    const ids: Array<{ id: string }> = await manager.query(
      `SELECT n::text AS id FROM (SELECT nextval(pg_get_serial_sequence('outbox', 'id')) AS n FROM generate_series(1, $1)) drawn ORDER BY n`,
      [wires.length],
    );
    await manager.insert(
      OutboxEntity,
      wires.map((wire, i) => ({
        id: ids[i].id,
        messageId: wire.properties.messageId,
        routingKey: wire.routingKey,
        body: wire.body,
        headers: wire.headers,
        properties: wire.properties,
      })),
    );
  }

  /**
   * Re-queues the exact bytes already sent for a message (a duplicate gets the same receipt again). Through
   * the entity: the stored body is encrypted for its row, so the copy is opened and sealed for the new row.
   */
  async requeueCopyOf(manager: EntityManager, messageId: string): Promise<void> {
    const first = await manager.findOne(OutboxEntity, { where: { messageId }, order: { id: 'ASC' } });
    if (!first) return;
    await manager.insert(OutboxEntity, {
      messageId: first.messageId,
      routingKey: first.routingKey,
      body: first.body,
      headers: first.headers,
      properties: first.properties,
    });
  }

  /**
   * Claims due rows in order, once no other relay of the lane (another instance of the node) is under way
   * (takeRelayTurn); the rows' locks too hold until the caller's transaction ends. A row waiting behind an
   * earlier unpublished row of its case, lane and recipient that is not due yet (its publish failed and
   * backs off) is left: a later message of a case never overtakes an earlier one. Only the lane's rows
   * (routing key <lane>.<to>.…): each lane has its relay loop. A row a cancellation (a consent withdrawal)
   * holds is waited for, not skipped: once it commits the row is gone; should it roll back, the row leaves
   * before the later rows of its case.
   */
  async claimDue(manager: EntityManager, lane: Lane, limit: number): Promise<OutboxEntity[]> {
    await takeRelayTurn(manager, relayLock(lane));
    return manager
      .createQueryBuilder(OutboxEntity, 'o')
      .where('o.published_at IS NULL')
      .andWhere('o.next_attempt_at <= now()')
      .andWhere(`split_part(o.routing_key, '.', 1) = :lane`, { lane })
      .andWhere(
        `NOT EXISTS (SELECT 1 FROM outbox e
           WHERE e.published_at IS NULL AND e.id < o.id AND e.next_attempt_at > now()
             AND e.properties->>'correlationId' = o.properties->>'correlationId'
             AND split_part(e.routing_key, '.', 1) = split_part(o.routing_key, '.', 1)
             AND split_part(e.routing_key, '.', 2) = split_part(o.routing_key, '.', 2))`,
      )
      .orderBy('o.id', 'ASC')
      .limit(limit)
      .setLock('pessimistic_write')
      .getMany();
  }

  /**
   * Removes the unpublished rows of these messages so the relay never publishes them, and returns the ids of
   * the messages removed. Rows a relay has claimed are in flight (the broker may already have them): SKIP
   * LOCKED leaves them to it.
   */
  async cancelUnpublished(manager: EntityManager, messageIds: string[]): Promise<string[]> {
    if (messageIds.length === 0) return [];
    const rows: unknown[] = await manager.query(
      `DELETE FROM outbox WHERE id IN (
         SELECT id FROM outbox WHERE message_id = ANY($1::uuid[]) AND published_at IS NULL
         FOR UPDATE SKIP LOCKED)
       RETURNING message_id AS "messageId"`,
      [messageIds],
    );
    // TypeORM's postgres driver answers a DELETE … RETURNING with [rows, count].
    const deleted = (Array.isArray(rows[0]) ? rows[0] : rows) as Array<{ messageId: string }>;
    return [...new Set(deleted.map((row) => row.messageId))];
  }

  /**
   * Takes the unpublished rows of these messages out of the outbox and returns them (their bodies opened), so
   * the caller can queue a replacement. Rows a relay has claimed are in flight: SKIP LOCKED leaves them to it.
   */
  async takeUnpublished(manager: EntityManager, messageIds: string[]): Promise<OutboxEntity[]> {
    if (messageIds.length === 0) return [];
    const rows = await manager
      .createQueryBuilder(OutboxEntity, 'o')
      .where('o.message_id IN (:...messageIds)', { messageIds })
      .andWhere('o.published_at IS NULL')
      .setLock('pessimistic_write')
      .setOnLocked('skip_locked')
      .getMany();
    if (rows.length > 0)
      await manager.delete(
        OutboxEntity,
        rows.map((row) => row.id),
      );
    return rows;
  }

  async markPublished(manager: EntityManager, ids: string[]): Promise<void> {
    await markRowsPublished(manager, 'outbox', ids);
  }

  async markFailed(manager: EntityManager, failures: Array<{ id: string; error: string }>): Promise<void> {
    await markRowsFailed(manager, 'outbox', failures);
  }
}

/** The advisory lock one relay of a lane holds while it publishes (any instance of the node). */
export function relayLock(lane: Lane): string {
  return `trm.outbox-relay.${lane}`;
}
