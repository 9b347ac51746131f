import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import type { Envelope } from '../messages/catalogue';
import type { MessageType } from '../messages/message-types';

/** An inbound message that passed every check, as its effects see it. */
export interface AcceptedMessage {
  envelope: Envelope;
  payload: object;
  /** The exact signed bytes and their signature: a peer's signed statement (e.g. an audit checkpoint). */
  body: Buffer;
  signature: string;
}

export type InboundEffect = (manager: EntityManager, message: AcceptedMessage) => Promise<void>;

/**
 * What an accepted message changes besides its own record, registered by the module that owns the change
 * (cases, consent, risk, audit). Effects run in the inbound transaction: they commit with the message or not
 * at all.
 */
@Injectable()
export class InboundEffects {
  private readonly effects = new Map<MessageType, InboundEffect[]>();

  register(type: MessageType, effect: InboundEffect): void {
    this.effects.set(type, [...(this.effects.get(type) ?? []), effect]);
  }

  async apply(manager: EntityManager, message: AcceptedMessage): Promise<void> {
    for (const effect of this.effects.get(message.envelope.type) ?? []) await effect(manager, message);
  }
}
