import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { AuditService } from '../audit/audit.service';
import { CaseGrantsRepository } from '../auth/case-grants.repository';
import { NODE_CONFIG, NodeConfig } from '../config/config';
import { KeyStore } from '../crypto/key-store';
import { laneOf } from '../messages/message-types';
import { RejectionCode } from '../messages/rejection-codes';
import { OutboundService, SendMessageCommand } from '../transfers/outbound.service';
import { TransferError, TransferErrorCode } from '../transfers/transfer.errors';
import { OutboxRelay } from '../transport/outbox-relay';
import { AgenciesRepository, Agency } from './agencies.repository';
import {
  AgencyRefusalCode,
  AgencySubmissionDto,
  parseSubmission,
  Refusal,
  submissionAad,
} from './agency-contract';
import { AgencyReplies } from './agency-replies.service';
import { AgencyReplyRelay } from './agency-reply.relay';
import { submitKey } from './agency-topology';

/** One delivery from the submissions queue: the bytes and what the broker vouches for. */
export interface SubmissionDelivery {
  body: Buffer;
  userId?: string;
  routingKey: string;
  headers: Record<string, unknown>;
}

export type SubmissionDisposition =
  | { outcome: 'ACCEPTED' | 'DUPLICATE'; agency: string; requestId: string }
  | { outcome: 'REFUSED'; code: AgencyRefusalCode; reason: string; agency: string | null };

class DuplicateRace extends Error {}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const PRINTABLE_USER = /^[\x21-\x7e]{1,100}$/;

/**
 * A partner agency's submission, in order: identify the agency by the broker-vouched user_id → routing key →
 * size, signature, JSON, request schema → duplicate? → case granted to the agency? → open the payload → the
 * HTTP pipeline (OutboundService.sendWithin: payload schema, case, directory, consent and risk gates) in one
 * transaction with the submission's idempotency row and its outcome reply. The consumer acks only after this
 * returns.
 */
@Injectable()
export class AgencySubmissions {
  private readonly logger = new Logger(AgencySubmissions.name);

  constructor(
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
    private readonly dataSource: DataSource,
    private readonly keys: KeyStore,
    private readonly agencies: AgenciesRepository,
    private readonly grants: CaseGrantsRepository,
    private readonly replies: AgencyReplies,
    private readonly outbound: OutboundService,
    private readonly audit: AuditService,
    private readonly outboxRelay: OutboxRelay,
    private readonly replyRelay: AgencyReplyRelay,
  ) {}

  async receive(delivery: SubmissionDelivery): Promise<SubmissionDisposition> {
    try {
      return await this.process(delivery);
    } finally {
      this.replyRelay.kick();
    }
  }

  private async process(delivery: SubmissionDelivery): Promise<SubmissionDisposition> {
    const manager = this.dataSource.manager;
    if (!delivery.userId) {
      return this.refuseUnidentified(delivery, AgencyRefusalCode.NO_USER_ID, 'the message has no user_id');
    }
    const agency = await this.agencies.byBrokerUser(manager, delivery.userId);
    if (!agency) {
      return this.refuseUnidentified(
        delivery,
        AgencyRefusalCode.UNKNOWN_AGENCY,
        'the user_id is no registered agency',
      );
    }
    if (!agency.active) {
      return this.refuseUnidentified(delivery, AgencyRefusalCode.AGENCY_INACTIVE, 'the agency is not active');
    }
    if (delivery.routingKey !== submitKey(agency.code)) {
      return this.refuse(agency, {
        code: AgencyRefusalCode.WRONG_ROUTING_KEY,
        message: `an agency submits with routing key ${submitKey(agency.code)}`,
      });
    }
    const parsed = parseSubmission(delivery.body, delivery.headers, agency, this.config.maxMessageBytes);
    if (!parsed.ok) return this.refuse(agency, parsed.refusal);
    const request = parsed.request;

    const earlier = await this.agencies.findSubmission(manager, agency.code, request.requestId);
    if (earlier) return this.answerDuplicate(agency, request.requestId);

    // Before the payload is even opened. One answer for a case not granted and one that does not exist, so
    // that guessing references (they are sequential) tells the agency nothing.
    if (!(await this.grants.isGranted(manager, { agency: agency.code }, request.caseRef))) {
      return this.refuse(
        agency,
        {
          code: AgencyRefusalCode.CASE_NOT_GRANTED,
          message: `case ${request.caseRef} is not granted to this agency`,
          requestId: request.requestId,
        },
        request,
      );
    }

    let plaintext: string;
    try {
      plaintext = utf8.decode(this.keys.open(request.sealed, submissionAad(request, agency.code)));
    } catch {
      return this.refuse(agency, {
        code: AgencyRefusalCode.DECRYPTION_FAILED,
        message: 'the payload could not be opened with this node’s key',
        requestId: request.requestId,
      });
    }
    let payload: unknown;
    try {
      payload = JSON.parse(plaintext);
    } catch {
      return this.refuse(agency, {
        code: AgencyRefusalCode.INVALID_MESSAGE,
        message: 'the sealed payload is not JSON',
        requestId: request.requestId,
        fields: [{ path: 'payload', constraints: ['isJson: the sealed payload must be UTF-8 JSON'] }],
      });
    }
    return this.submit(agency, request, payload);
  }

  /**
   * The HTTP pipeline, in one transaction with the idempotency row and the outcome reply: sendWithin rather
   * than send, because a crash between two transactions would let a redelivery apply the request twice.
   */
  private async submit(
    agency: Agency,
    request: AgencySubmissionDto,
    payload: unknown,
  ): Promise<SubmissionDisposition> {
    const command: SendMessageCommand = {
      caseRef: request.caseRef,
      type: request.type,
      to: request.to,
      inReplyTo: request.inReplyTo ?? null,
      legalBasis: request.legalBasis,
      payload,
      redact: request.redact,
    };
    const messageId = uuidv7();
    const replyId = uuidv7();
    try {
      await this.dataSource.transaction(async (manager) => {
        const sent = await this.outbound.sendWithin(manager, command, actorOf(agency), messageId);
        const claimed = await this.agencies.claimSubmission(manager, {
          agency: agency.code,
          requestId: request.requestId,
          outcome: 'ACCEPTED',
          reasonCode: null,
          messageId,
          replyId,
        });
        if (!claimed) throw new DuplicateRace();
        await this.replies.accepted(manager, agency.code, replyId, request, sent);
      });
    } catch (error) {
      if (error instanceof DuplicateRace) return this.answerDuplicate(agency, request.requestId);
      if (error instanceof TransferError)
        return this.refuse(agency, refusalOf(error, request.requestId), command);
      throw error;
    }
    this.outboxRelay.kick(laneOf(command.type));
    this.logger.log(
      `agency ${agency.code} request ${request.requestId}: queued message ${messageId} ${command.type} case ${command.caseRef} to ${command.to}`,
    );
    return { outcome: 'ACCEPTED', agency: agency.code, requestId: request.requestId };
  }

  /**
   * What the consumer answers once processing failed every attempt: an identified agency is told
   * (INTERNAL_ERROR) and the request id recorded, like any refusal; otherwise only the dead letter says it.
   */
  async failed(delivery: SubmissionDelivery): Promise<SubmissionDisposition> {
    const code = AgencyRefusalCode.INTERNAL_ERROR;
    const message = 'the node could not process the submission';
    const agency = delivery.userId
      ? await this.agencies.byBrokerUser(this.dataSource.manager, delivery.userId)
      : null;
    if (!agency?.active) return { outcome: 'REFUSED', code, reason: message, agency: null };
    const parsed = parseSubmission(delivery.body, delivery.headers, agency, this.config.maxMessageBytes);
    const requestId = parsed.ok ? parsed.request.requestId : parsed.refusal.requestId;
    try {
      return await this.refuse(agency, { code, message, requestId });
    } finally {
      this.replyRelay.kick();
    }
  }

  /**
   * Tells the agency why, records the refusal (and its request id, so a redelivery gets the same answer) and
   * audits it; the consumer then dead-letters the submission. A refusal by the transfer pipeline is audited
   * as MESSAGE_REFUSED, like the same refusal over HTTP.
   */
  private async refuse(
    agency: Agency,
    refusal: Refusal,
    command?: Pick<SendMessageCommand, 'caseRef' | 'type' | 'to' | 'legalBasis'>,
  ): Promise<SubmissionDisposition> {
    const replyId = uuidv7();
    try {
      await this.dataSource.transaction(async (manager) => {
        if (refusal.requestId) {
          const claimed = await this.agencies.claimSubmission(manager, {
            agency: agency.code,
            requestId: refusal.requestId,
            outcome: 'REFUSED',
            reasonCode: refusal.code,
            messageId: null,
            replyId,
          });
          if (!claimed) throw new DuplicateRace();
        }
        await this.replies.refused(manager, agency.code, replyId, refusal);
        const policy = command && refusal.code === AgencyRefusalCode.POLICY_REFUSED;
        await this.audit.record(manager, {
          action: policy ? 'MESSAGE_REFUSED' : 'AGENCY_SUBMISSION_REFUSED',
          actor: actorOf(agency),
          caseRef: command?.caseRef ?? null,
          messageType: command?.type ?? null,
          counterpart: command?.to ?? null,
          legalBasis: command?.legalBasis ?? null,
          decision: 'DENY',
          reasonCode: refusal.reasons?.[0]?.code ?? refusal.code,
          details: {
            agency: agency.code,
            requestId: refusal.requestId ?? null,
            refusal: refusal.code,
            ...(refusal.reasons ? { reasons: refusal.reasons.map((r) => r.code) } : {}),
            ...(refusal.fields ? { fields: refusal.fields.map((f) => f.path) } : {}),
          },
        });
      });
    } catch (error) {
      if (error instanceof DuplicateRace && refusal.requestId)
        return this.answerDuplicate(agency, refusal.requestId);
      throw error;
    }
    this.logger.warn(`agency ${agency.code} request ${refusal.requestId ?? '-'} refused: ${refusal.code}`);
    return { outcome: 'REFUSED', code: refusal.code, reason: refusal.message, agency: agency.code };
  }

  /** Nobody to answer: only the audit entry and the dead letter say what happened. */
  private async refuseUnidentified(
    delivery: SubmissionDelivery,
    code: AgencyRefusalCode,
    reason: string,
  ): Promise<SubmissionDisposition> {
    const user = delivery.userId && PRINTABLE_USER.test(delivery.userId) ? delivery.userId : null;
    await this.audit.record(this.dataSource.manager, {
      action: 'AGENCY_SUBMISSION_REFUSED',
      actor: `node:${this.config.country}`,
      decision: 'DENY',
      reasonCode: code,
      details: { brokerUser: user, refusal: code },
    });
    this.logger.warn(`submission from broker user ${user ?? '-'} refused: ${code}`);
    return { outcome: 'REFUSED', code, reason, agency: null };
  }

  /**
   * Same request id again: never re-applied; answered with the very outcome sent the first time. A repeat of
   * a refused submission is dead-lettered again, so no delivery that changed nothing is acked unseen.
   */
  private async answerDuplicate(agency: Agency, requestId: string): Promise<SubmissionDisposition> {
    const earlier = await this.dataSource.transaction(async (manager) => {
      const first = await this.agencies.findSubmission(manager, agency.code, requestId);
      if (first) await this.replies.repeat(manager, first);
      await this.audit.record(manager, {
        action: 'AGENCY_DUPLICATE_SUBMISSION',
        actor: actorOf(agency),
        messageId: first?.messageId ?? null,
        details: { agency: agency.code, requestId, firstOutcome: first?.outcome ?? null },
      });
      return first;
    });
    this.logger.log(`agency ${agency.code} request ${requestId} again: answered again, not re-applied`);
    if (earlier?.outcome === 'REFUSED') {
      return {
        outcome: 'REFUSED',
        code: earlier.reasonCode as AgencyRefusalCode,
        reason: 'a repeat of a refused submission',
        agency: agency.code,
      };
    }
    return { outcome: 'DUPLICATE', agency: agency.code, requestId };
  }
}

const actorOf = (agency: Agency): string => `agency:${agency.code}`;

function refusalOf(error: TransferError, requestId: string): Refusal {
  switch (error.code) {
    case TransferErrorCode.INVALID_MESSAGE:
      return {
        code: AgencyRefusalCode.INVALID_MESSAGE,
        message: error.message,
        requestId,
        fields: error.details.fields,
      };
    case TransferErrorCode.POLICY_REFUSED:
    case TransferErrorCode.CASE_STATE_CONFLICT:
      return {
        code: AgencyRefusalCode.POLICY_REFUSED,
        message: error.message,
        requestId,
        reasons: error.details.reasons,
      };
    case TransferErrorCode.CASE_NOT_FOUND:
    case TransferErrorCode.MESSAGE_NOT_FOUND:
      return {
        code: AgencyRefusalCode.POLICY_REFUSED,
        message: error.message,
        requestId,
        reasons: [{ code: RejectionCode.CASE_STATE_CONFLICT, message: error.message }],
      };
    default:
      return unmapped(error.code);
  }
}

function unmapped(code: never): never {
  throw new Error(`unmapped transfer error ${String(code)}`);
}
