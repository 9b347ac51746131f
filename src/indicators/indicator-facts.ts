import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { AcceptedMessage, Effects, QueuedMessage } from '../common/effects';
import { asylumClaimPending, foldCaseFacts } from '../cases/case-facts.policy';
import { CaseFactsRepository } from '../cases/case-facts.repository';
import { NODE_CONFIG, NodeConfig } from '../config/config';
import { returnChecklist } from '../cases/return-checklist';
import { MessageRecordEntity } from '../transfers/message-record.entity';
import { checklistGaps, departureMoment } from './indicators';

/** A message sent or applied here, as the two effects give it. */
interface Exchanged {
  id: string;
  caseRef: string | null;
  type: string;
  counterpart: string;
  at: Date;
  payload: Record<string, unknown>;
}

/**
 * Two indicators judge a moment whose facts are personal and later erasable (a case's asylum claim, a
 * message's payload): family tracing with an asylum claim pending or without her wish, and the return
 * checklist at departure. So the node records, when the message is sent or applied and in the same
 * transaction, what held: flags and codes only, in the audit trail, where the indicators read them
 * (docs/indicators.md) whatever later happens to the case's personal data.
 */
@Injectable()
export class IndicatorFacts implements OnModuleInit {
  constructor(
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
    private readonly effects: Effects,
    private readonly facts: CaseFactsRepository,
    private readonly audit: AuditService,
  ) {}

  onModuleInit(): void {
    const types = ['FAMILY_TRACING_REQUEST', 'ARRIVAL_CONFIRMATION'] as const;
    this.effects.on('message.queued', (manager, m) => this.record(manager, queued(m)), types);
    this.effects.on('message.received', (manager, m) => this.record(manager, received(m)), types);
  }

  private async record(manager: EntityManager, message: Exchanged): Promise<void> {
    if (!message.caseRef) return;
    const details =
      message.type === 'FAMILY_TRACING_REQUEST'
        ? await this.familyTracingConditions(manager, message.caseRef, message)
        : await this.checklistAtDeparture(manager, message.caseRef, message);
    await this.audit.record(manager, {
      action:
        message.type === 'FAMILY_TRACING_REQUEST'
          ? 'FAMILY_TRACING_CONDITIONS'
          : 'RETURN_CHECKLIST_AT_DEPARTURE',
      actor: `node:${this.config.country}`,
      caseRef: message.caseRef,
      messageId: message.id,
      messageType: message.type,
      counterpart: message.counterpart,
      details,
    });
  }

  /**
   * Read anew from the case's facts and the request, not taken from the gates' verdict: the indicator checks
   * the gates, so it must not rest on them.
   */
  private async familyTracingConditions(
    manager: EntityManager,
    caseRef: string,
    message: Exchanged,
  ): Promise<Record<string, boolean>> {
    const state = foldCaseFacts(await this.facts.forCase(manager, caseRef), message.at);
    return {
      wishToReturnToFamily: message.payload.wishToReturnToFamily === true,
      asylumClaimPendingOnCase: asylumClaimPending(state),
      asylumClaimPendingInRequest: message.payload.asylumClaimPending === true,
    };
  }

  /** The checklist from the case's messages exchanged by the departure (the planned one, or the arrival). */
  private async checklistAtDeparture(
    manager: EntityManager,
    caseRef: string,
    arrival: Exchanged,
  ): Promise<{ complete: boolean; missing: string[] }> {
    const messages = (
      await manager.find(MessageRecordEntity, { where: { caseRef }, order: { createdAt: 'ASC', id: 'ASC' } })
    ).filter((m) => m.id !== arrival.id);
    const departure = departureMoment(returnChecklist(messages).estimatedDeparture, arrival.at);
    const atDeparture = returnChecklist(messages.filter((m) => m.createdAt.getTime() <= departure.getTime()));
    return { complete: atDeparture.complete, missing: checklistGaps(atDeparture) };
  }
}

const queued = (m: QueuedMessage): Exchanged => ({
  id: m.id,
  caseRef: m.caseRef,
  type: m.type,
  counterpart: m.to,
  at: m.sentAt,
  payload: m.payload,
});

const received = ({ envelope, payload }: AcceptedMessage): Exchanged => ({
  id: envelope.id,
  caseRef: envelope.caseRef ?? null,
  type: envelope.type,
  counterpart: envelope.from,
  at: new Date(),
  payload: payload as Record<string, unknown>,
});
