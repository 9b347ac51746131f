import type { Page } from '../common/page';
import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { DataSource, EntityManager, Not } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { NODE_CONFIG, NodeConfig } from '../config/config';
import { contactFunction, contactsFor, RankedContact } from '../directory/contact-list';
import { DirectoryService } from '../directory/directory.service';
import type { MessageType } from '../messages/message-types';
import { AcceptedMessage, EffectHandler, Effects, QueuedMessage } from '../common/effects';
import { MessageRecordEntity } from '../transfers/message-record.entity';
import {
  ANSWER_TYPES,
  arrivalDueAt,
  dueAt,
  EXPECTED_ANSWERS,
  ExpectationStatus,
  followUpDueAt,
  opensExpectation,
  RETURN_STEPS,
  ReturnStep,
  sopOf,
} from './expectation-rules';
import { EXPECTING_TYPES, ExpectingType } from '../config/deadlines';
import { AddressedContact, ExpectationDirection, ExpectationEntity } from './expectation.entity';
import { ExpectationsRepository } from './expectations.repository';
import { UUID } from '../common/validation';

/** A message as the expectations see it, whichever way it travels. */
interface Exchanged {
  id: string;
  type: MessageType;
  caseRef: string;
  inReplyTo: string | null;
  sentAt: Date;
  /** The country that sent it and the one it went to. */
  from: string;
  to: string;
  payload: Record<string, unknown>;
}

/**
 * Expected replies (issue 6): a request we send opens an AWAITED expectation on the recipient, a request we
 * receive an OWED one on ourselves, each addressed to the first contact of the answering country's list for
 * the request's SOP. Receipts, rejections and answers settle them. Everything happens in the transaction of
 * the message that causes it, through the pipeline's outbound and inbound effects.
 */
@Injectable()
export class ExpectationsService implements OnModuleInit {
  constructor(
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
    private readonly dataSource: DataSource,
    private readonly directory: DirectoryService,
    private readonly repository: ExpectationsRepository,
    private readonly effects: Effects,
    private readonly audit: AuditService,
  ) {}

  onModuleInit(): void {
    const self = this.config.country;
    const onQueued = (type: MessageType, handler: EffectHandler<'message.queued'>) =>
      this.effects.on('message.queued', handler, [type]);
    const onReceived = (type: MessageType, handler: EffectHandler<'message.received'>) =>
      this.effects.on('message.received', handler, [type]);
    const sent = (message: QueuedMessage): Exchanged => ({ ...message, from: self });
    const received = ({ envelope, payload }: AcceptedMessage): Exchanged => ({
      id: envelope.id,
      type: envelope.type,
      caseRef: envelope.caseRef!,
      inReplyTo: envelope.inReplyTo,
      sentAt: new Date(envelope.sentAt),
      from: envelope.from,
      to: self,
      payload: payload as Record<string, unknown>,
    });
    for (const type of EXPECTING_TYPES) {
      onQueued(type, (manager, message) => this.open(manager, sent(message), null));
      onReceived(type, (manager, message) => this.open(manager, received(message), new Date()));
    }
    for (const type of ANSWER_TYPES) {
      onQueued(type, (manager, message) => this.answer(manager, sent(message)));
      onReceived(type, (manager, message) => this.answer(manager, received(message)));
    }
    // Registered after the answers: the confirmation settles the plan, then opens the arrival's expectation.
    for (const type of Object.keys(RETURN_STEPS) as ReturnStep[]) {
      onQueued(type, (manager, message) => this.openReturnStep(manager, sent(message), null));
      onReceived(type, (manager, message) => this.openReturnStep(manager, received(message), new Date()));
    }
    // A CASE_CLOSED ends the case between us and that one country: third countries are still owed theirs.
    onQueued('CASE_CLOSED', async (manager, message) => {
      await this.repository.cancelWith(manager, message.caseRef, message.to, message.sentAt, 'CASE_CLOSED');
    });
    onReceived('CASE_CLOSED', async (manager, { envelope }) => {
      await this.repository.cancelWith(manager, envelope.caseRef!, envelope.from, new Date(), 'CASE_CLOSED');
    });
    // A case closed here without telling a country (no consent ever named it) ends the case with it too.
    this.effects.on('case.closed-untold', async (manager, closure) => {
      await this.repository.cancelWith(
        manager,
        closure.caseRef,
        closure.country,
        closure.at,
        'CASE_CLOSED_UNTOLD',
      );
    });
    // After a withdrawal the restricted case may carry nothing but emergencies between the two countries:
    // the answers owed either way could no longer be sent, so they are owed no more (an alert's still is).
    onQueued('CONSENT_WITHDRAWN', async (manager, message) => {
      await this.repository.cancelWith(
        manager,
        message.caseRef,
        message.to,
        message.sentAt,
        'CONSENT_WITHDRAWN',
      );
    });
    onReceived('CONSENT_WITHDRAWN', async (manager, { envelope }) => {
      await this.repository.cancelWith(
        manager,
        envelope.caseRef!,
        envelope.from,
        new Date(),
        'CONSENT_WITHDRAWN',
      );
    });
    // So too with a country the withdrawal could not be sent to: nothing else would ever settle them.
    // No message records it, so the audit trail does.
    this.effects.on('consent.withdrawn-untold', async (manager, withdrawal) => {
      const cancelled = await this.repository.cancelWith(
        manager,
        withdrawal.caseRef,
        withdrawal.country,
        withdrawal.at,
        'CONSENT_WITHDRAWN_UNTOLD',
      );
      if (cancelled.length === 0) return;
      await this.audit.record(manager, {
        action: 'EXPECTATIONS_CANCELLED',
        actor: withdrawal.actor,
        caseRef: withdrawal.caseRef,
        counterpart: withdrawal.country,
        reasonCode: 'CONSENT_WITHDRAWN_UNTOLD',
        details: { expectations: cancelled },
      });
    });
    // A batch's receipts in one statement.
    this.effects.onMany(
      'message.received',
      async (manager, receipts) => {
        const delivered = receipts.flatMap(({ envelope }) =>
          envelope.inReplyTo && UUID.test(envelope.inReplyTo)
            ? [{ requestId: envelope.inReplyTo, receiver: envelope.from }]
            : [],
        );
        await this.repository.markDelivered(manager, delivered, new Date());
      },
      ['DELIVERY_RECEIPT'],
    );
    onReceived('DELIVERY_REJECTED', async (manager, { envelope, payload }) => {
      if (!envelope.inReplyTo || !UUID.test(envelope.inReplyTo)) return;
      const { reasonCode } = payload as { reasonCode: string };
      await this.repository.markFailed(manager, envelope.inReplyTo, envelope.from, {
        reasonCode,
        at: new Date(),
      });
      // CASE_STATE_CONFLICT: the asking country's case takes no such answer any more (typically it closed the
      // case, of which nobody told us): answering again cannot help, so the debt ends instead of escalating.
      if (reasonCode === 'CASE_STATE_CONFLICT')
        await this.repository.cancelRejectedAnswer(manager, envelope.inReplyTo, envelope.from, new Date());
      else await this.repository.reopenRejectedAnswer(manager, envelope.inReplyTo, envelope.from, new Date());
    });
  }

  /** The country the request goes to owes the answer; `deliveredAt` is set when we are the receiver. */
  private async open(manager: EntityManager, request: Exchanged, deliveredAt: Date | null): Promise<void> {
    const type = request.type as ExpectingType;
    if (!opensExpectation(type, request.payload)) return;
    const direction: ExpectationDirection = request.from === this.config.country ? 'AWAITED' : 'OWED';
    const first = this.contacts(request.to, sopOf(type))[0];
    await this.repository.insert(manager, {
      caseRef: request.caseRef,
      requestMessageId: request.id,
      requestType: type,
      expectedTypes: [...EXPECTED_ANSWERS[type]],
      direction,
      owedBy: request.to,
      owedTo: request.from,
      sop: sopOf(type),
      requestedAt: request.sentAt,
      dueAt: dueAt(type, request.sentAt, this.config.deadlines),
      deliveredAt,
      contact: first ? addressed(first) : null,
    });
  }

  /**
   * The next step of a return the sender of `step` owes: the arrival after an accepted plan confirmation, the
   * follow-up report after an arrival that schedules one. Both countries hold it, as for a request.
   */
  private async openReturnStep(
    manager: EntityManager,
    step: Exchanged,
    deliveredAt: Date | null,
  ): Promise<void> {
    const type = step.type as ReturnStep;
    let due: Date;
    if (type === 'RETURN_PLAN_CONFIRMATION') {
      if (step.payload.accepted !== true) return;
      const plan = await this.confirmedPlan(manager, step);
      const departure = (plan?.payload as { estimatedDeparture?: unknown } | null | undefined)
        ?.estimatedDeparture;
      due = arrivalDueAt(departure, step.sentAt, this.config.returnMarginMs);
    } else {
      const scheduled = step.payload.followUpScheduled;
      if (typeof scheduled !== 'string') return;
      due = followUpDueAt(scheduled, this.config.returnMarginMs);
    }
    // The return's SOP: its contact list answers for the arrival and the follow-up too.
    const sop = sopOf('RETURN_PLAN');
    const first = this.contacts(step.from, sop)[0];
    await this.repository.insert(manager, {
      caseRef: step.caseRef,
      requestMessageId: step.id,
      requestType: type,
      expectedTypes: [...RETURN_STEPS[type]],
      direction: step.from === this.config.country ? 'OWED' : 'AWAITED',
      owedBy: step.from,
      owedTo: step.to,
      sop,
      requestedAt: step.sentAt,
      dueAt: due,
      deliveredAt,
      contact: first ? addressed(first) : null,
    });
  }

  /**
   * The return plan a confirmation accepts: the one it replies to, else the latest between the two countries
   * (the plan went the other way from the confirmation).
   */
  private async confirmedPlan(
    manager: EntityManager,
    confirmation: Exchanged,
  ): Promise<MessageRecordEntity | null> {
    const self = this.config.country;
    const counterpart = confirmation.from === self ? confirmation.to : confirmation.from;
    const where = {
      caseRef: confirmation.caseRef,
      type: 'RETURN_PLAN',
      counterpart,
      direction: confirmation.from === self ? ('INBOUND' as const) : ('OUTBOUND' as const),
      status: Not('REJECTED' as const),
    };
    const named = confirmation.inReplyTo && UUID.test(confirmation.inReplyTo) ? confirmation.inReplyTo : null;
    const replied = named
      ? await manager.findOne(MessageRecordEntity, { where: { ...where, id: named } })
      : null;
    return (
      replied ?? manager.findOne(MessageRecordEntity, { where, order: { createdAt: 'DESC', id: 'DESC' } })
    );
  }

  private async answer(manager: EntityManager, answer: Exchanged): Promise<void> {
    const expectation = await this.repository.findAnswerable(manager, {
      caseRef: answer.caseRef,
      owedBy: answer.from,
      owedTo: answer.to,
      type: answer.type,
      inReplyTo: answer.inReplyTo && UUID.test(answer.inReplyTo) ? answer.inReplyTo : null,
    });
    if (expectation)
      await this.repository.markAnswered(manager, expectation.id, {
        messageId: answer.id,
        type: answer.type,
        at: answer.sentAt,
      });
  }

  /** The contact list of `country` for `sop`, in escalation order. */
  contacts(country: string, sop: number): RankedContact[] {
    return contactsFor(this.directory.all(), { country, sop });
  }

  async list(
    filter: { status?: ExpectationStatus; direction?: ExpectationDirection; caseRef?: string },
    page: { limit?: number; after?: string },
  ): Promise<Page<ExpectationEntity>> {
    return this.repository.list(this.dataSource.manager, filter, page);
  }
}

export function addressed(contact: RankedContact): AddressedContact {
  return { ...contactFunction(contact), rank: contact.rank };
}
