import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { AuditService } from '../audit/audit.service';
import { CasesRepository } from '../cases/cases.repository';
import { composeEvents, LifecycleDecision, LifecycleEvent } from '../cases/case-lifecycle.policy';
import { CaseEntity } from '../cases/case.entity';
import { CasesService } from '../cases/cases.service';
import { CaseFactRule } from '../cases/case-facts.policy';
import { LocalSecretsRepository } from '../cases/local-secrets.repository';
import { secretPaths } from '../cases/local-secrets.policy';
import { NODE_CONFIG, NodeConfig } from '../config/config';
import { CaseErasedError } from '../crypto/case-keys';
import { KeyStore } from '../crypto/key-store';
import { DirectoryService } from '../directory/directory.service';
import { Envelope, FieldError, validatePayload } from '../messages/catalogue';
import { envelopeRuleErrors } from '../messages/envelope.dto';
import { RejectionCode } from '../messages/rejection-codes';
import { consentSummary } from '../consent/consent.policy';
import { isTechnicalType, MESSAGE_TYPES, MessageType, VITAL_INTEREST_TYPES } from '../messages/message-types';
import { encodeMessage } from '../transport/envelope-codec';
import { OutboxRelay } from '../transport/outbox-relay';
import { OutboxRepository } from '../transport/outbox.repository';
import { MessageRecordEntity } from './message-record.entity';
import { CaseLifecycle } from './case-lifecycle';
import { MessageRecordsRepository } from './message-records.repository';
import { Effects } from '../common/effects';
import { TransferError, TransferErrorCode } from './transfer.errors';
import { GateDecision, TransferGate } from './transfer.gate';
import { decideOutbound, PolicyReason } from './transfer.policy';
import { decideOutboundRestrictions, USE_RESTRICTIONS_EXTENSION } from './use-restriction.policy';
import { envelopeLanguage } from './language.policy';

export interface SendMessageCommand {
  caseRef: string;
  type: MessageType;
  to: string;
  inReplyTo?: string | null;
  legalBasis: 'CONSENT' | 'VITAL_INTEREST';
  payload: unknown;
  /** Send without the field groups the consent does not cover, instead of refusing. */
  redact?: boolean;
  /** Use restrictions on the data (use-restriction.policy); left out: none. */
  restrictions?: readonly string[];
  /** The free text's language (ISO 639-1); default: this node's first language in the directory. */
  language?: string;
}

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

/** What the gates found, for the writes that follow them. */
interface EvaluatedSend {
  caseRow: CaseEntity;
  event: LifecycleEvent;
  lifecycle: Extract<LifecycleDecision, { allow: true }>;
  gate: Extract<GateDecision, { allow: true }>;
  envelope: Envelope;
  wire: ReturnType<typeof encodeMessage>;
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
    private readonly caseService: CasesService,
    private readonly lifecycle: CaseLifecycle,
    private readonly records: MessageRecordsRepository,
    private readonly outbox: OutboxRepository,
    private readonly audit: AuditService,
    private readonly relay: OutboxRelay,
    private readonly gate: TransferGate,
    private readonly effects: Effects,
    private readonly secrets: LocalSecretsRepository,
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
      const result = await this.dataSource.transaction((manager) =>
        this.sendWithin(manager, command, actor, id),
      );
      this.relay.kick();
      this.logger.log(`queued message ${id} ${command.type} case ${command.caseRef} to ${command.to}`);
      return result;
    } catch (error) {
      if (error instanceof TransferError && error.details.reasons)
        await this.auditRefusal(command, id, actor, error);
      throw error;
    }
  }

  /**
   * The whole outbound step inside the caller's transaction (a consent withdrawal sends several messages
   * atomically): the gates (`evaluate`), then message row, outbox row, case update, audit entry. Throws
   * TransferError when anything refuses; nothing is then written.
   */
  async sendWithin(
    manager: EntityManager,
    command: SendMessageCommand,
    actor: string,
    id: string = uuidv7(),
  ): Promise<SendResult> {
    const sentAt = new Date();
    const { caseRow, event, lifecycle, gate, envelope, wire } = await this.evaluate(
      manager,
      command,
      id,
      sentAt,
      true,
    );
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
      { ...event, payload: gate.payload },
      actor,
      lifecycle.next,
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
      const { gate } = await this.dataSource.transaction(async (manager) => {
        await manager.query('SET TRANSACTION READ ONLY');
        return this.evaluate(manager, command, uuidv7(), new Date(), false);
      });
      return { wouldSend: true, error: null, reasons: [], fields: [], redacted: gate.redacted };
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
   * Every gate a message passes before it is written, in order: local secrets → schema → case and directory
   * rules → legal basis → case lifecycle → consent and risk → the envelope's rules → the size peers accept.
   * Reads only;
   * throws TransferError at the first gate that refuses. `lock` holds the case row for the send's writes.
   */
  private async evaluate(
    manager: EntityManager,
    command: SendMessageCommand,
    id: string,
    sentAt: Date,
    lock: boolean,
  ): Promise<EvaluatedSend> {
    const head = {
      version: 1,
      id,
      type: command.type,
      from: this.config.country,
      to: command.to,
      caseRef: command.caseRef,
      inReplyTo: command.inReplyTo ?? null,
      sentAt: sentAt.toISOString(),
      legalBasis: command.legalBasis,
    } as Envelope;
    await this.refuseLocalSecrets(manager, command.payload);
    const checked = validatePayload(command.type, command.payload, head);
    if (!checked.ok) throw TransferError.invalid(checked.errors);

    const caseRow = lock
      ? await this.cases.findForUpdate(manager, command.caseRef)
      : await this.cases.find(manager, command.caseRef);
    const recipient = this.directory.find(command.to);
    const rules = decideOutbound({
      self: this.config.country,
      type: command.type,
      to: command.to,
      recipientAccepts: recipient ? this.directory.accepts(command.to, command.type) : undefined,
      case: caseRow,
    });
    if (
      command.legalBasis === 'VITAL_INTEREST' &&
      !(VITAL_INTEREST_TYPES as readonly string[]).includes(command.type)
    ) {
      throw TransferError.refused([
        {
          code: RejectionCode.POLICY_DENIED,
          message: 'VITAL_INTEREST is a legal basis for EMERGENCY_ALERT and its acknowledgement only',
        },
      ]);
    }
    if (!rules.allow || !caseRow || !recipient) throw TransferError.refused(rules.allow ? [] : rules.reasons);
    const event: LifecycleEvent = {
      type: command.type,
      direction: 'SENT',
      counterpart: command.to,
      payload: checked.payload as unknown as Record<string, unknown>,
      inReplyTo: head.inReplyTo,
    };
    const lifecycle = await this.lifecycle.decide(manager, caseRow, event);
    if (!lifecycle.allow) throw TransferError.contradicts(lifecycle.reasons);
    const gate = await this.gate.decide(manager, {
      case: caseRow,
      type: command.type,
      to: command.to,
      legalBasis: command.legalBasis,
      payload: checked.payload as unknown as Record<string, unknown>,
      redact: command.redact ?? false,
      now: sentAt,
      answersVitalInterestAlert:
        command.legalBasis === 'VITAL_INTEREST' &&
        (await this.records.isVitalInterestAlert(
          manager,
          command.caseRef,
          head.inReplyTo,
          command.to,
          'RECEIVED',
        )),
    });
    const chosen = [...new Set(command.restrictions ?? [])].sort();
    const restricted = decideOutboundRestrictions({
      type: command.type,
      to: command.to,
      chosen,
      recipientAnnounces: this.directory.announces(command.to, USE_RESTRICTIONS_EXTENSION),
      received: await this.records.receivedRestrictions(manager, command.caseRef),
    });
    const refusals = [...(gate.allow ? [] : gate.reasons), ...restricted];
    if (!gate.allow || refusals.length > 0) throw TransferError.refused(refusals);

    const language = envelopeLanguage({
      type: command.type,
      chosen: command.language,
      own: this.directory.find(this.config.country)?.languages ?? [],
      recipientExtensions: recipient.extensions,
    });
    const envelope: Envelope = {
      ...head,
      ...(gate.consent ? { consent: consentSummary(gate.consent) } : {}),
      ...(chosen.length > 0 ? { restrictions: chosen } : {}),
      ...(language ? { language } : {}),
    };
    const stillValid = [...envelopeRuleErrors(envelope)];
    if (gate.redacted.length > 0) {
      const again = validatePayload(command.type, gate.payload, envelope);
      if (!again.ok) stillValid.push(...again.errors);
    }
    if (stillValid.length > 0) throw TransferError.invalid(stillValid);

    const wire = encodeMessage(
      { ...envelope, type: command.type, sentAt, inReplyTo: envelope.inReplyTo, payload: gate.payload },
      recipient,
      this.keys,
    );
    // Peers refuse bodies over their limit (TOO_LARGE, final): say so now, before anything is written.
    if (wire.body.length > this.config.maxMessageBytes) {
      throw TransferError.invalid([
        {
          path: 'payload',
          constraints: [
            `maxMessageBytes: sealed and signed, the message would be ${wire.body.length} bytes; ` +
              `participants accept at most ${this.config.maxMessageBytes} (TRM_MAX_MESSAGE_BYTES)`,
          ],
        },
      ]);
    }
    return { caseRow, event, lifecycle, gate, envelope, wire };
  }

  /**
   * First gate, before anything else reads the payload: no value this node keeps as a local secret leaves it,
   * whatever the type and whichever string field holds it (docs/protocol.md, "Local secrets"). The refusal
   * names the fields, never the value nor which secret it is.
   */
  private async refuseLocalSecrets(manager: EntityManager, payload: unknown): Promise<void> {
    const fields = secretPaths(payload, await this.secrets.allValues(manager));
    if (fields.length === 0) return;
    throw TransferError.refused([
      {
        code: RejectionCode.POLICY_DENIED,
        message: 'the message holds a value this node keeps as a local secret: it is never sent',
        rule: CaseFactRule.LOCAL_SECRET,
        fields,
      },
    ]);
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
    const recipient = this.directory.find(message.to);
    if (!recipient) throw new Error(`cannot answer ${message.to}: not in the directory`);
    const id = uuidv7();
    const record = {
      id,
      caseRef: message.caseRef,
      direction: 'OUTBOUND' as const,
      type: message.type,
      counterpart: message.to,
      inReplyTo: message.inReplyTo,
      legalBasis: 'NONE',
      consent: null,
      payload: message.payload as object | null,
      status: 'QUEUED' as const,
      submittedBy: `node:${this.config.country}`,
    };
    try {
      await this.records.insert(manager, record);
    } catch (error) {
      // An erased case stores nothing more under its key (docs/retention.md): the answer is still sent, and
      // recorded without its payload (a code and our own reason, kept in the outbox's signed body).
      if (!(error instanceof CaseErasedError)) throw error;
      await this.records.insert(manager, { ...record, payload: null });
    }
    const wire = encodeMessage(
      { id, from: this.config.country, sentAt: new Date(), legalBasis: 'NONE', ...message },
      recipient,
      this.keys,
    );
    await this.outbox.enqueue(manager, wire);
    return id;
  }
}
