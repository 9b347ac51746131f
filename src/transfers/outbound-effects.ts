import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import type { MessageType } from '../messages/message-types';

/** A message that passed every outbound policy and is being stored and queued, as its effects see it. */
export interface QueuedMessage {
  id: string;
  type: MessageType;
  to: string;
  caseRef: string;
  inReplyTo: string | null;
  sentAt: Date;
  actor: string;
  /** The payload as sent (after any redaction). */
  payload: Record<string, unknown>;
}

export type OutboundEffect = (manager: EntityManager, message: QueuedMessage) => Promise<void>;

/**
 * What a message we send changes besides its own record, registered by the module that owns the change (the
 * twin of InboundEffects). Effects run in the outbound transaction: they commit with the message or not at
 * all.
 */
@Injectable()
export class OutboundEffects {
  private readonly effects = new Map<MessageType, OutboundEffect[]>();

  register(type: MessageType, effect: OutboundEffect): void {
    this.effects.set(type, [...(this.effects.get(type) ?? []), effect]);
  }

  async apply(manager: EntityManager, message: QueuedMessage): Promise<void> {
    for (const effect of this.effects.get(message.type) ?? []) await effect(manager, message);
  }
}
