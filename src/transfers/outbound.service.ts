import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { AuditService } from '../audit/audit.service';
import { CasesRepository } from '../cases/cases.repository';
import { NODE_CONFIG, NodeConfig } from '../config/config';
import { KeyStore } from '../crypto/key-store';
import { DirectoryService } from '../directory/directory.service';
import { Envelope, validatePayload } from '../messages/catalogue';
import { envelopeRuleErrors } from '../messages/envelope.dto';
import { MessageType } from '../messages/message-types';
import { encodeMessage } from '../transport/envelope-codec';
import { OutboxRelay } from '../transport/outbox-relay';
import { OutboxRepository } from '../transport/outbox.repository';
import { MessageRecordEntity } from './message-record.entity';
import { MessageRecordsRepository } from './message-records.repository';
import { TransferError } from './transfer.errors';
import { decideOutbound } from './transfer.policy';

export interface SendMessageCommand {
  caseRef: string;
  type: MessageType;
  to: string;
  inReplyTo?: string | null;
  legalBasis: Envelope['legalBasis'];
  consent?: Envelope['consent'];
  payload: unknown;
}

/** A message the node writes itself in answer to another (receipts, rejections): no policy applies. */
export interface TechnicalMessage {
  type: 'DELIVERY_RECEIPT' | 'DELIVERY_REJECTED' | 'AUDIT_CHECKPOINT';
  to: string;
  caseRef: string | null;
  inReplyTo: string | null;
  payload: object;
}

/**
 * Outbound half of the transfer pipeline: validate → policy → one transaction (message row, case update,
 * audit entry, sealed and signed outbox row) → the relay publishes after commit.
 */
@Injectable()
export class OutboundService implements OnModuleInit {
  private readonly logger = new Logger(OutboundService.name);

  constructor(
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
    private readonly dataSource: DataSource,
    private readonly directory: DirectoryService,
    private readonly keys: KeyStore,
    private readonly cases: CasesRepository,
    private readonly records: MessageRecordsRepository,
    private readonly outbox: OutboxRepository,
    private readonly audit: AuditService,
    private readonly relay: OutboxRelay,
  ) {}

  /** Once the broker confirmed a message it is SENT, and the audit log says so. */
  onModuleInit(): void {
    this.relay.onPublished(async (manager, published) => {
      await this.records.markSent(
        manager,
        published.map((row) => row.messageId),
      );
      await this.audit.recordMany(
        manager,
        published.map((row) => ({
          action: 'MESSAGE_PUBLISHED' as const,
          actor: `node:${this.config.country}`,
          caseRef: row.properties.correlationId || null,
          messageId: row.messageId,
          messageType: row.properties.type,
          counterpart: row.routingKey.split('.')[1],
          details: { attempt: row.attempts + 1 },
        })),
      );
    });
  }

  async send(command: SendMessageCommand, actor: string): Promise<MessageRecordEntity> {
    const id = uuidv7();
    const sentAt = new Date();
    const envelopeView = {
      version: 1,
      id,
      type: command.type,
      from: this.config.country,
      to: command.to,
      caseRef: command.caseRef,
      inReplyTo: command.inReplyTo ?? null,
      sentAt: sentAt.toISOString(),
      legalBasis: command.legalBasis,
      consent: command.consent,
    } as Envelope;
    const ruleErrors = envelopeRuleErrors(envelopeView);
    const checked = validatePayload(command.type, command.payload, envelopeView);
    const fieldErrors = [...ruleErrors, ...(checked.ok ? [] : checked.errors)];
    if (fieldErrors.length > 0 || !checked.ok) throw TransferError.invalid(fieldErrors);

    const recipient = this.directory.find(command.to);
    try {
      const record = await this.dataSource.transaction(async (manager) => {
        const caseRow = await this.cases.findForUpdate(manager, command.caseRef);
        const decision = decideOutbound({
          self: this.config.country,
          type: command.type,
          to: command.to,
          recipientAccepts: recipient ? this.directory.accepts(command.to, command.type) : undefined,
          case: caseRow,
        });
        if (!decision.allow) throw TransferError.refused(decision.reasons);

        await this.records.insert(manager, {
          id,
          caseRef: command.caseRef,
          direction: 'OUTBOUND',
          type: command.type,
          counterpart: command.to,
          inReplyTo: command.inReplyTo ?? null,
          legalBasis: command.legalBasis,
          consent: command.consent ?? null,
          payload: checked.payload,
          status: 'QUEUED',
        });
        const wire = encodeMessage(
          {
            ...envelopeView,
            type: command.type,
            sentAt,
            inReplyTo: envelopeView.inReplyTo,
            payload: checked.payload,
          },
          recipient!,
          this.keys,
        );
        await this.outbox.enqueue(manager, wire);
        await this.cases.addCountry(manager, command.caseRef, command.to);
        if (command.type === 'CASE_CLOSED') await this.cases.close(manager, command.caseRef);
        await this.audit.record(manager, {
          action: 'MESSAGE_QUEUED',
          actor,
          caseRef: command.caseRef,
          messageId: id,
          messageType: command.type,
          counterpart: command.to,
          legalBasis: command.legalBasis,
          decision: 'ALLOW',
        });
        return (await this.records.find(manager, id))!;
      });
      this.relay.kick();
      this.logger.log(`queued message ${id} ${command.type} case ${command.caseRef} to ${command.to}`);
      return record;
    } catch (error) {
      if (error instanceof TransferError && error.details.reasons)
        await this.auditRefusal(command, id, actor, error);
      throw error;
    }
  }

  /** A refusal rolls the send back, so its audit entry needs a transaction of its own. */
  private async auditRefusal(
    command: SendMessageCommand,
    id: string,
    actor: string,
    error: TransferError,
  ): Promise<void> {
    await this.audit.record(this.dataSource.manager, {
      action: 'MESSAGE_REFUSED',
      actor,
      caseRef: command.caseRef,
      messageId: id,
      messageType: command.type,
      counterpart: command.to,
      legalBasis: command.legalBasis,
      decision: 'DENY',
      reasonCode: error.details.reasons?.[0]?.code ?? null,
      details: { reasons: error.details.reasons?.map((r) => r.code) },
    });
    this.logger.warn(
      `refused ${command.type} case ${command.caseRef} to ${command.to}: ${error.details.reasons?.map((r) => r.code).join(', ')}`,
    );
  }

  /** Queues a technical message inside the caller's transaction; returns its id. */
  async enqueueTechnical(manager: EntityManager, message: TechnicalMessage): Promise<string> {
    const recipient = this.directory.find(message.to);
    if (!recipient) throw new Error(`cannot answer ${message.to}: not in the directory`);
    const id = uuidv7();
    await this.records.insert(manager, {
      id,
      caseRef: message.caseRef,
      direction: 'OUTBOUND',
      type: message.type,
      counterpart: message.to,
      inReplyTo: message.inReplyTo,
      legalBasis: 'NONE',
      consent: null,
      payload: message.payload,
      status: 'QUEUED',
    });
    const wire = encodeMessage(
      { id, from: this.config.country, sentAt: new Date(), legalBasis: 'NONE', ...message },
      recipient,
      this.keys,
    );
    await this.outbox.enqueue(manager, wire);
    return id;
  }
}
