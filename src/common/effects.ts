import { Injectable, Module } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
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

/** A case closed here while one of its countries could not be told (no CASE_CLOSED went to it). */
export interface UntoldClosure {
  caseRef: string;
  country: string;
  at: Date;
}

/**
 * A consent withdrawn here while one of the countries that received data of the case could not be sent the
 * CONSENT_WITHDRAWN (the withdrawal's `notNotified`).
 */
export interface UntoldWithdrawal extends UntoldClosure {
  /** Who withdrew the consent. */
  actor: string;
}

/** A threat against the person, the family or a witness was reported on a case (the case's facts). */
export interface ThreatReported {
  caseRef: string;
  factId: string;
  actor: string;
}

/**
 * What a change emits for the other domains, and what their handlers receive. Each is emitted inside the
 * emitter's transaction, and every handler runs in it: they commit with the change or not at all.
 */
export interface EffectEvents {
  /** The inbound pipeline accepted a message (InboundService). */
  'message.received': AcceptedMessage;
  /** The outbound pipeline stored and queued a message (OutboundService). */
  'message.queued': QueuedMessage;
  /** A case closed without telling one of its countries (CaseClosureService). */
  'case.closed-untold': UntoldClosure;
  /** A consent withdrawn without telling one of the countries that had the case's data. */
  'consent.withdrawn-untold': UntoldWithdrawal;
  /** A threat was recorded on a case (CaseFactsService): its risk assessments are due for review. */
  'case.threat-reported': ThreatReported;
}

export type EffectName = keyof EffectEvents;
export type EffectHandler<E extends EffectName> = (
  manager: EntityManager,
  event: EffectEvents[E],
) => Promise<void>;
/** A handler that takes a batch's events at once (one statement for them all), in the emitter's order. */
export type BatchEffectHandler<E extends EffectName> = (
  manager: EntityManager,
  events: EffectEvents[E][],
) => Promise<void>;

type Registered = (
  | { handler: EffectHandler<EffectName>; batch: false }
  | { handler: BatchEffectHandler<EffectName>; batch: true }
) & {
  /** For a message event: only these types reach the handler. */
  types?: ReadonlySet<MessageType>;
};

function messageType(event: EffectEvents[EffectName]): MessageType | undefined {
  if ('envelope' in event) return event.envelope.type;
  return 'type' in event ? event.type : undefined;
}

/**
 * The effect bus: each domain registers its handlers at module init (withdrawal in consent, peer assessments
 * in risk, expectations, agencies, checkpoints); the pipelines emit. Handlers run one after the other, in
 * registration order, with the emitter's transaction. An inbound batch emits its messages together
 * (emitMany): a batch handler (onMany) gets them in one call, any other handler one by one.
 */
@Injectable()
export class Effects {
  private readonly handlers = new Map<EffectName, Registered[]>();

  on<E extends EffectName>(event: E, handler: EffectHandler<E>, types?: readonly MessageType[]): void {
    this.register(event, { handler: handler as EffectHandler<EffectName>, batch: false }, types);
  }

  onMany<E extends EffectName>(
    event: E,
    handler: BatchEffectHandler<E>,
    types?: readonly MessageType[],
  ): void {
    this.register(event, { handler: handler as BatchEffectHandler<EffectName>, batch: true }, types);
  }

  async emit<E extends EffectName>(
    manager: EntityManager,
    event: E,
    payload: EffectEvents[E],
  ): Promise<void> {
    await this.emitMany(manager, event, [payload]);
  }

  /** The events of one transaction, handler after handler; each handler sees them in the given order. */
  async emitMany<E extends EffectName>(
    manager: EntityManager,
    event: E,
    payloads: EffectEvents[E][],
  ): Promise<void> {
    for (const registered of this.handlers.get(event) ?? []) {
      const { types } = registered;
      const reaching = types
        ? payloads.filter((payload) => {
            const type = messageType(payload);
            return type !== undefined && types.has(type);
          })
        : payloads;
      if (reaching.length === 0) continue;
      if (registered.batch) await registered.handler(manager, reaching);
      else for (const payload of reaching) await registered.handler(manager, payload);
    }
  }

  private register(
    event: EffectName,
    registered: Registered,
    types: readonly MessageType[] | undefined,
  ): void {
    const entry: Registered = { ...registered, ...(types ? { types: new Set(types) } : {}) };
    this.handlers.set(event, [...(this.handlers.get(event) ?? []), entry]);
  }
}

/** One Effects for the whole node: every module that emits or handles imports this module. */
@Module({ providers: [Effects], exports: [Effects] })
export class EffectsModule {}
