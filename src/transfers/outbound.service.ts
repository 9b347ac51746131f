import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { LaneDatabases } from '../database/database.module';
import { v7 as uuidv7 } from 'uuid';
import { AuditService } from '../audit/audit.service';
import { CasesRepository } from '../cases/cases.repository';
import { composeEvents } from '../cases/case-lifecycle.policy';
import { CasesService } from '../cases/cases.service';
import { NODE_CONFIG, NodeConfig } from '../config/config';
import { CaseErasedError } from '../crypto/case-keys';
import { KeyStore } from '../crypto/key-store';
import { DirectoryService } from '../directory/directory.service';
import { Envelope, FieldError } from '../messages/catalogue';
import { isTechnicalType, laneOf, MESSAGE_TYPES, MessageType } from '../messages/message-types';
import { encodeMessage, WireMessage } from '../transport/envelope-codec';
import { OutboxRelay } from '../transport/outbox-relay';
import { OutboxRepository } from '../transport/outbox.repository';
import { MessageRecordEntity } from './message-record.entity';
import { CaseLifecycle } from './case-lifecycle';
import { MessageRecordsRepository, NewMessageRecord } from './message-records.repository';
import { Effects } from '../common/effects';
import { TransferError, TransferErrorCode } from './transfer.errors';
import { PolicyReason } from './transfer.policy';
import { SendMessageCommand } from './sender/send-command';
import { Cleared, Draft, Parties, SenderSteps, SentChange } from './sender/send-steps';
import { orRefuse } from './sender/step';

export type { SendMessageCommand } from './sender/send-command';

export interface SendResult {
  record: MessageRecordEntity;
  /** Field groups removed because the consent does not cover them. */
  redacted: string[];
}

/** The dry run's verdict: the same reasons and fields a send would get now, or what it would redact. */
export interface CheckResult {
  wouldSend: boolean;
  /** The code of the error the send would get (POLICY_REFUSED, INVALID_MESSAGE, CASE_STATE_CONFLICT). */
  error: TransferErrorCode | null;
  reasons: PolicyReason[];
  fields: FieldError[];
  redacted: string[];
}

/** What the steps learned, for the writes that follow them. */
interface EvaluatedSend {
  draft: Draft;
  parties: Parties;
  change: SentChange;
  cleared: Cleared;
  envelope: Envelope;
  wire: WireMessage;
}

/**
 * What a coordinator composes: not the node's own technical messages, nor CONSENT_WITHDRAWN, which the
 * consent endpoint sends to every country that must be told.
 */
const COMPOSABLE_TYPES: readonly MessageType[] = MESSAGE_TYPES.filter(
  (type) => !isTechnicalType(type) && type !== 'CONSENT_WITHDRAWN',
);

/** A message the node writes itself in answer to another (receipts, rejections): no policy applies. */
export interface TechnicalMessage {
  type: 'DELIVERY_RECEIPT' | 'DELIVERY_REJECTED' | 'AUDIT_CHECKPOINT';
  to: string;
  caseRef: string | null;
  inReplyTo: string | null;
  payload: object;
}

/**
 * Outbound half of the transfer pipeline, read top to bottom: `send` → `evaluate`, the sender's steps in order
 * (local secrets → schema → rules → lifecycle → gates → envelope → seal, each in sender/send-steps.ts
 * returning what it learned or a refusal) → `write`, one transaction (message row, sealed and signed outbox
 * row, case update, effects, audit entry) → the relay publishes after commit.
 */
@Injectable()
export class OutboundService implements OnModuleInit {
  private readonly logger = new Logger(OutboundService.name);

  constructor(
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
    private readonly dataSource: DataSource,
    private readonly databases: LaneDatabases,
    private readonly directory: DirectoryService,
    private readonly keys: KeyStore,
    private readonly cases: CasesRepository,
    private readonly caseService: CasesService,
    private readonly lifecycle: CaseLifecycle,
    private readonly records: MessageRecordsRepository,
    private readonly outbox: OutboxRepository,
    private readonly audit: AuditService,
    private readonly relay: OutboxRelay,
    private readonly effects: Effects,
    private readonly steps: SenderSteps,
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

  async send(command: SendMessageCommand, actor: string): Promise<SendResult> {
    const id = uuidv7();
    try {
      // An alert is written on the urgent lane's pool: it never waits for a connection behind routine sends.
      const lane = laneOf(command.type);
      const result = await this.databases
        .of(lane)
        .transaction((manager) => this.sendWithin(manager, command, actor, id));
      this.relay.kick(lane);
      this.logger.log(`queued message ${id} ${command.type} case ${command.caseRef} to ${command.to}`);
      return result;
    } catch (error) {
      if (error instanceof TransferError && error.details.reasons)
        await this.auditRefusal(command, id, actor, error);
      throw error;
    }
  }

  /**
   * The whole send inside the caller's transaction (a consent withdrawal sends several messages atomically):
   * the steps (`evaluate`), then `write`. Throws TransferError when a step refuses; nothing is then written.
   */
  async sendWithin(
    manager: EntityManager,
    command: SendMessageCommand,
    actor: string,
    id: string = uuidv7(),
  ): Promise<SendResult> {
    return this.write(manager, await this.evaluate(manager, command, id, new Date(), true), actor);
  }

  /**
   * The sender's steps, in docs/protocol.md's order ("What a sender checks, in order"): each, in
   * sender/send-steps.ts, returns what it learned or the refusal that stops the send, thrown here so the
   * caller's transaction rolls back. Reads only; `lock` holds the case row for the send's writes.
   */
  private async evaluate(
    manager: EntityManager,
    command: SendMessageCommand,
    id: string,
    sentAt: Date,
    lock: boolean,
  ): Promise<EvaluatedSend> {
    const draft = this.steps.draft(command, id, sentAt);
    orRefuse(await this.steps.checkLocalSecrets(manager, draft));
    const payload = orRefuse(this.steps.checkSchema(draft));
    const parties = orRefuse(await this.steps.checkRules(manager, draft, lock));
    const change = orRefuse(await this.steps.checkLifecycle(manager, draft, parties, payload));
    const cleared = orRefuse(await this.steps.checkGates(manager, draft, parties, payload));
    const envelope = orRefuse(this.steps.checkEnvelope(draft, parties, cleared));
    const wire = orRefuse(this.steps.seal(draft, parties, cleared, envelope));
    return { draft, parties, change, cleared, envelope, wire };
  }

  /**
   * The last step, what the others allowed: message row, outbox row (sealed and signed), the case's change,
   * the type's effects, the audit entry.
   */
  private async write(manager: EntityManager, evaluated: EvaluatedSend, actor: string): Promise<SendResult> {
    const { draft, parties, change, cleared, envelope, wire } = evaluated;
    const { command, sentAt } = draft;
    const { caseRow } = parties;
    const { gate } = cleared;
    const id = envelope.id;
    const record = await this.records.insert(manager, {
      id,
      caseRef: command.caseRef,
      direction: 'OUTBOUND',
      type: command.type,
      counterpart: command.to,
      inReplyTo: envelope.inReplyTo,
      legalBasis: command.legalBasis,
      consent: envelope.consent ?? null,
      restrictions: envelope.restrictions ?? null,
      payload: gate.payload,
      status: 'QUEUED',
      submittedBy: actor,
      language: envelope.language ?? null,
    });
    await this.outbox.enqueue(manager, wire);
    // The row is locked and current: only a new country costs an update.
    if (!caseRow.countries.includes(command.to))
      await this.cases.addCountry(manager, command.caseRef, command.to);
    await this.caseService.applyMessage(
      manager,
      caseRow,
      { ...change.event, payload: gate.payload },
      actor,
      change.decision.next,
    );
    await this.effects.emit(manager, 'message.queued', {
      id,
      type: command.type,
      to: command.to,
      caseRef: command.caseRef,
      inReplyTo: envelope.inReplyTo,
      sentAt,
      actor,
      payload: gate.payload as unknown as Record<string, unknown>,
    });
    await this.audit.record(manager, {
      action: 'MESSAGE_QUEUED',
      actor,
      caseRef: command.caseRef,
      messageId: id,
      messageType: command.type,
      counterpart: command.to,
      legalBasis: command.legalBasis,
      decision: 'ALLOW',
      details: {
        consentId: gate.consent?.consentId ?? null,
        ...(envelope.restrictions ? { restrictions: envelope.restrictions } : {}),
        ...(gate.redacted.length > 0 ? { redacted: gate.redacted } : {}),
        ...(gate.riskAssessmentId ? { riskAssessmentId: gate.riskAssessmentId } : {}),
        ...(gate.overridden ? { riskOverridden: true } : {}),
        // Transfers without consent are reviewed: auditors filter on this flag.
        ...(gate.vitalInterest ? { review: 'VITAL_INTEREST' } : {}),
      },
    });
    return { record, redacted: gate.redacted };
  }

  /**
   * The console's dry run (POST /cases/{caseRef}/messages/check): the very gates of `sendWithin`, in a
   * read-only transaction, so nothing can be stored, queued or audited. Its verdict is what a send would get
   * at this moment: the same reasons and fields as its 422 or 409, or what it would redact.
   */
  async check(command: SendMessageCommand): Promise<CheckResult> {
    try {
      const { cleared } = await this.dataSource.transaction(async (manager) => {
        await manager.query('SET TRANSACTION READ ONLY');
        return this.evaluate(manager, command, uuidv7(), new Date(), false);
      });
      return {
        wouldSend: true,
        error: null,
        reasons: [],
        fields: [],
        redacted: cleared.gate.redacted,
      };
    } catch (error) {
      if (!(error instanceof TransferError)) throw error;
      return {
        wouldSend: false,
        error: error.code,
        reasons: error.details.reasons ?? [],
        fields: error.details.fields ?? [],
        redacted: [],
      };
    }
  }

  /**
   * What the console offers to compose on a case now (GET /cases/{caseRef}/compose-options): each type a
   * coordinator sends whose lifecycle allows it to at least one participant that accepts it, with those
   * participants. Payload-dependent rules are left to the dry run; null when the case is not on this node.
   */
  async composeOptions(caseRef: string): Promise<Array<{ type: MessageType; to: string[] }> | null> {
    const manager = this.dataSource.manager;
    const caseRow = await this.cases.find(manager, caseRef);
    if (!caseRow) return null;
    const { decide, history } = await this.lifecycle.judge(manager, caseRow);
    const peers = this.directory
      .all()
      .map((p) => p.code)
      .filter((code) => code !== this.config.country)
      .sort();
    const options: Array<{ type: MessageType; to: string[] }> = [];
    for (const type of COMPOSABLE_TYPES) {
      const to = peers.filter((peer) => {
        if (!this.directory.accepts(peer, type)) return false;
        const events = composeEvents(type, peer, { ageStatus: caseRow.ageStatus, history });
        return events.some((event) => decide(event).allow);
      });
      if (to.length > 0) options.push({ type, to });
    }
    return options;
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
      details: {
        reasons: error.details.reasons?.map((r) => r.code),
        // Which rule of the case's facts refused: evaluators count e.g. tracing tried during an asylum claim.
        ...(error.details.reasons?.some((r) => r.rule)
          ? { rules: [...new Set(error.details.reasons.flatMap((r) => (r.rule ? [r.rule] : [])))] }
          : {}),
      },
    });
    this.logger.warn(
      `refused ${command.type} case ${command.caseRef} to ${command.to}: ${[...new Set(error.details.reasons?.map((r) => r.code))].join(', ')}`,
    );
  }

  /** Queues a technical message inside the caller's transaction; returns its id. */
  async enqueueTechnical(manager: EntityManager, message: TechnicalMessage): Promise<string> {
    const { record, wire } = this.technical(message);
    try {
      await this.records.insert(manager, record);
    } catch (error) {
      // An erased case stores nothing more under its key (docs/retention.md): the answer is still sent, and
      // recorded without its payload (a code and our own reason, kept in the outbox's signed body).
      if (!(error instanceof CaseErasedError)) throw error;
      await this.records.insert(manager, { ...record, payload: null });
    }
    await this.outbox.enqueue(manager, wire);
    return record.id;
  }

  /**
   * A technical message, signed and sealed, as its record and its outbox row: written by the caller (an
   * inbound batch writes its receipts in one INSERT each).
   */
  technical(message: TechnicalMessage): { record: NewMessageRecord; wire: WireMessage } {
    const recipient = this.directory.find(message.to);
    if (!recipient) throw new Error(`cannot answer ${message.to}: not in the directory`);
    const id = uuidv7();
    const record: NewMessageRecord = {
      id,
      caseRef: message.caseRef,
      direction: 'OUTBOUND',
      type: message.type,
      counterpart: message.to,
      inReplyTo: message.inReplyTo,
      legalBasis: 'NONE',
      consent: null,
      payload: message.payload as object | null,
      status: 'QUEUED',
      submittedBy: `node:${this.config.country}`,
    };
    const wire = encodeMessage(
      { id, from: this.config.country, sentAt: new Date(), legalBasis: 'NONE', ...message },
      recipient,
      this.keys,
    );
    return { record, wire };
  }
}
