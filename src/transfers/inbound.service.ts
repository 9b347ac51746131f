import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AuditRecord, AuditService } from '../audit/audit.service';
import { CasesRepository } from '../cases/cases.repository';
import { CasesService } from '../cases/cases.service';
import { NODE_CONFIG, NodeConfig } from '../config/config';
import { KeyStore } from '../crypto/key-store';
import { sealAad, verify } from '../crypto/trm-crypto';
import { DirectoryService } from '../directory/directory.service';
import { Envelope, FieldError, validateEnvelope, validatePayload } from '../messages/catalogue';
import { RejectionCode } from '../messages/rejection-codes';
import { InboxRepository } from '../transport/inbox.repository';
import { OutboxRelay } from '../transport/outbox-relay';
import { OutboxRepository } from '../transport/outbox.repository';
import { MessageRecordsRepository } from './message-records.repository';
import { InboxEntity } from '../transport/inbox.entity';
import { OutboundService } from './outbound.service';
import { AcceptedMessage, InboundEffects } from './inbound-effects';
import { decideInbound } from './transfer.policy';
import {
  checkDeclaredConsent,
  misplacedResidenceReasons,
  vitalInterestReasons,
} from '../consent/consent.policy';
import { CaseEntity, isChild } from '../cases/case.entity';
import {
  isClosedWith,
  LifecycleDecision,
  LifecycleEvent,
  needsHistory,
} from '../cases/case-lifecycle.policy';
import { isTechnicalType } from '../messages/message-types';
import { ConsentRepository } from '../consent/consent.repository';

/** One AMQP delivery as the consumer hands it over: bytes and the properties the broker vouches for. */
export interface InboundDelivery {
  body: Buffer;
  messageId?: string;
  userId?: string;
  type?: string;
  headers: Record<string, unknown>;
}

export type Disposition =
  | { outcome: 'ACCEPTED'; messageId: string }
  | { outcome: 'DUPLICATE'; messageId: string }
  | {
      outcome: 'REJECTED';
      code: RejectionCode;
      reason: string;
      /** A known participant (the signer, or the broker-vouched publisher) was told with DELIVERY_REJECTED. */
      authenticated: boolean;
      /** The body's signature verified with its sender's directory key and the publisher was that sender. */
      signatureVerified: boolean;
    };

/** A check failed: carries the protocol's reason code and a reason free of personal data. */
class Rejection extends Error {
  constructor(
    readonly code: RejectionCode,
    readonly reason: string,
    readonly fields: FieldError[] = [],
  ) {
    super(reason);
  }
}

class DuplicateRace extends Error {}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const CASE_REF = /^TRM-[A-Z]{2}-\d{4}-\d{6}$/;
const COUNTRY = /^[A-Z]{2}$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** What we could learn about a message before it failed: enough to answer its sender, nothing more. */
interface Known {
  /** Who is answered: the verified signer, or else the publisher the broker vouches for (user_id). */
  sender?: string;
  signatureVerified?: boolean;
  id?: string;
  type?: string;
  /** '' when unreadable; null for a checkpoint. */
  caseRef: string | null;
  envelope?: Envelope;
}

/**
 * Inbound half of the transfer pipeline, in PROTOCOL.md's order: verify signature → sender = user_id →
 * addressed to me → envelope schema → open → payload schema → policy → one transaction
 * (inbox, message, case, audit, receipt in the outbox). The inbox insert is the duplicate check; a rejection
 * checks the id too, so a known id is always answered as the first time. The consumer acks only after this
 * returns.
 */
@Injectable()
export class InboundService {
  private readonly logger = new Logger(InboundService.name);

  constructor(
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
    private readonly dataSource: DataSource,
    private readonly directory: DirectoryService,
    private readonly keys: KeyStore,
    private readonly inbox: InboxRepository,
    private readonly outbox: OutboxRepository,
    private readonly cases: CasesRepository,
    private readonly caseService: CasesService,
    private readonly records: MessageRecordsRepository,
    private readonly outbound: OutboundService,
    private readonly audit: AuditService,
    private readonly relay: OutboxRelay,
    private readonly effects: InboundEffects,
    private readonly consents: ConsentRepository,
  ) {}

  async receive(delivery: InboundDelivery): Promise<Disposition> {
    const known: Known = { caseRef: '' };
    try {
      return await this.process(delivery, known);
    } catch (error) {
      if (!(error instanceof Rejection)) throw error;
      return await this.reject(delivery, known, error);
    } finally {
      this.relay.kick(); // the receipt or rejection leaves now, not at the next poll
    }
  }

  /** Used when processing failed for reasons of our own, after retries: the sender must still hear of it. */
  async rejectAsInternalError(delivery: InboundDelivery): Promise<Disposition> {
    const known: Known = { caseRef: '' };
    // Whatever authenticate() learnt before failing is enough to answer; its own verdict does not matter here.
    await this.authenticate(delivery, known).catch(() => undefined);
    return this.reject(
      delivery,
      known,
      new Rejection(RejectionCode.INTERNAL_ERROR, 'the receiver failed to process the message'),
    );
  }

  private async process(delivery: InboundDelivery, known: Known): Promise<Disposition> {
    const parsed = await this.authenticate(delivery, known);
    const sender = known.sender!;
    if (parsed === undefined) throw new Rejection(RejectionCode.SCHEMA_INVALID, 'the body is not UTF-8 JSON');
    this.checkPublisher(delivery, known);
    if (parsed.to !== this.config.country) {
      throw new Rejection(
        RejectionCode.NOT_ADDRESSED_TO_ME,
        `the message is not addressed to ${this.config.country}`,
      );
    }
    const checked = validateEnvelope(parsed);
    if (!checked.ok)
      throw new Rejection(checked.code, describeFields('envelope', checked.errors), checked.errors);
    const envelope = checked.envelope;
    known.envelope = envelope;

    // A known id is caught by the inbox insert in the transaction (DuplicateRace) or, if a check fails first,
    // by reject(): either way it is answered as the first time, and no lookup is spent on the common case.
    let plaintext: Buffer;
    try {
      plaintext = this.keys.open(envelope.sealed, sealAad(envelope));
    } catch {
      throw new Rejection(
        RejectionCode.DECRYPTION_FAILED,
        'the payload could not be opened with this node’s key',
      );
    }
    const payloadJson = parseJson(plaintext);
    if (payloadJson === undefined)
      throw new Rejection(RejectionCode.SCHEMA_INVALID, 'the payload is not UTF-8 JSON');
    const payload = validatePayload(envelope.type, payloadJson, envelope);
    if (!payload.ok)
      throw new Rejection(
        RejectionCode.SCHEMA_INVALID,
        describeFields('payload', payload.errors),
        payload.errors,
      );

    try {
      const accepted = {
        envelope,
        payload: payload.payload,
        body: delivery.body,
        signature: String(delivery.headers['x-trm-signature']),
      };
      return await this.dataSource.transaction((manager) => this.accept(manager, accepted));
    } catch (error) {
      if (error instanceof DuplicateRace) return this.answerDuplicate(envelope, sender);
      throw error;
    }
  }

  /** The signer must be the publisher the broker vouches for (user_id). */
  private checkPublisher(delivery: InboundDelivery, known: Known): void {
    if (delivery.userId === known.sender) return;
    // Answer the publisher the broker vouches for, not the country whose signed body it replayed.
    known.sender = delivery.userId && this.directory.find(delivery.userId) ? delivery.userId : undefined;
    known.signatureVerified = false;
    throw new Rejection(RejectionCode.SENDER_MISMATCH, 'envelope from does not match the AMQP user_id');
  }

  /**
   * Checks the signature with the directory key of the claimed sender: the envelope's `from` when the body
   * parses, else the broker-vouched user_id (so an unparseable body from a known peer can still be answered).
   * Returns the parsed body, or undefined when it is not JSON.
   */
  private async authenticate(
    delivery: InboundDelivery,
    known: Known,
  ): Promise<Record<string, unknown> | undefined> {
    const tooLarge = delivery.body.length > this.config.maxMessageBytes;
    const parsed = tooLarge ? undefined : parseJson(delivery.body);
    const body = isRecord(parsed) ? parsed : undefined;
    const claimed = typeof body?.from === 'string' && COUNTRY.test(body.from) ? body.from : delivery.userId;
    const participant = claimed ? this.directory.find(claimed) : undefined;
    const keyId = delivery.headers['x-trm-key-id'];
    const signature = delivery.headers['x-trm-signature'];
    const authentic =
      participant !== undefined &&
      keyId === participant.signingKey.keyId &&
      typeof signature === 'string' &&
      verify(delivery.body, signature, participant.signingKey.publicKey);
    known.id = typeof body?.id === 'string' && UUID.test(body.id) ? body.id : undefined;
    known.type = typeof body?.type === 'string' ? body.type.slice(0, 50) : delivery.type;
    known.caseRef =
      body?.caseRef === null
        ? null
        : typeof body?.caseRef === 'string' && CASE_REF.test(body.caseRef)
          ? body.caseRef
          : '';
    if (!authentic) {
      // RabbitMQ itself vouches for user_id, so a known publisher is still told why its message failed.
      known.sender = delivery.userId && this.directory.find(delivery.userId) ? delivery.userId : undefined;
      throw new Rejection(
        RejectionCode.SIGNATURE_INVALID,
        'the signature does not verify with the sender’s directory key',
      );
    }
    known.sender = participant.code;
    known.signatureVerified = true;
    if (tooLarge)
      throw new Rejection(RejectionCode.TOO_LARGE, `the body exceeds ${this.config.maxMessageBytes} bytes`);
    return body;
  }

  /** The case lifecycle's decision, with the closed parts of the case and, when it reads them, its messages. */
  private async decideLifecycle(
    manager: EntityManager,
    caseRow: CaseEntity,
    event: LifecycleEvent,
  ): Promise<LifecycleDecision> {
    const closedWith = await this.records.closedCounterparts(manager, caseRow.caseRef);
    const closed = isClosedWith({ status: caseRow.status, closedWith }, event.counterpart);
    const history = needsHistory(event.type, closed)
      ? await this.records.lifecycleHistory(manager, caseRow.caseRef)
      : [];
    return this.caseService.decide(caseRow, event, history, closedWith);
  }

  private async accept(manager: EntityManager, message: AcceptedMessage): Promise<Disposition> {
    const { envelope, payload } = message;
    // A receipt or rejection never opens a case nor adds its sender to one: it only settles a message.
    const answer = envelope.type === 'DELIVERY_RECEIPT' || envelope.type === 'DELIVERY_REJECTED';
    // An answer's checks never depend on its case (technical types pass a closed case and carry no consent).
    const caseRow =
      !envelope.caseRef || answer
        ? null
        : ((await this.cases.findForUpdate(manager, envelope.caseRef)) ??
          (await this.openForeignCase(manager, envelope)));
    const decision = decideInbound({
      type: envelope.type,
      caseRef: envelope.caseRef,
      selfAccepts: this.directory.accepts(this.config.country, envelope.type),
      sentAt: new Date(envelope.sentAt),
      now: new Date(),
      maxAgeMs: this.config.maxMessageAgeMs,
      maxSkewMs: this.config.maxClockSkewMs,
      ...(envelope.type === 'RISK_ASSESSMENT_RESULT'
        ? { assessedAt: new Date((payload as { assessedAt: string }).assessedAt) }
        : {}),
    });
    const consentReasons = checkDeclaredConsent({
      type: envelope.type,
      legalBasis: envelope.legalBasis,
      consent: envelope.consent,
      payload: payload as Record<string, unknown>,
      self: this.config.country,
      now: new Date(),
      child: caseRow ? isChild(caseRow, envelope.type, payload) : false,
      selfIsOrigin: caseRow?.countryRoles[this.config.country] === 'ORIGIN',
      withdrawn: envelope.consent
        ? await this.consents.isWithdrawnByPeer(manager, envelope.consent.consentId, envelope.from)
        : false,
    });
    consentReasons.push(
      ...vitalInterestReasons({
        type: envelope.type,
        legalBasis: envelope.legalBasis,
        answersVitalInterestAlert:
          envelope.legalBasis === 'VITAL_INTEREST' &&
          envelope.type !== 'EMERGENCY_ALERT' &&
          caseRow !== null &&
          (await this.records.isVitalInterestAlert(
            manager,
            caseRow.caseRef,
            envelope.inReplyTo,
            envelope.from,
            'SENT',
          )),
      }),
      ...misplacedResidenceReasons(this.config.country, payload as Record<string, unknown>),
    );
    if (consentReasons.length > 0) {
      throw new Rejection(consentReasons[0].code, consentReasons.map((r) => r.message).join('; '));
    }
    if (!decision.allow) {
      throw new Rejection(decision.reasons[0].code, decision.reasons.map((r) => r.message).join('; '));
    }
    // The same lifecycle decides what this node sends and what it receives: a contradiction is rejected.
    const event: LifecycleEvent = {
      type: envelope.type,
      direction: 'RECEIVED',
      counterpart: envelope.from,
      payload: payload as Record<string, unknown>,
      inReplyTo: envelope.inReplyTo,
    };
    const lifecycle =
      caseRow && !isTechnicalType(envelope.type) ? await this.decideLifecycle(manager, caseRow, event) : null;
    if (lifecycle && !lifecycle.allow) {
      throw new Rejection(lifecycle.reasons[0].code, lifecycle.reasons.map((r) => r.message).join('; '));
    }

    const answersWithReceipt = envelope.type !== 'DELIVERY_RECEIPT' && envelope.type !== 'DELIVERY_REJECTED';
    const receiptId = answersWithReceipt
      ? await this.outbound.enqueueTechnical(manager, {
          type: 'DELIVERY_RECEIPT',
          to: envelope.from,
          caseRef: envelope.caseRef,
          inReplyTo: envelope.id,
          payload: { receivedAt: new Date().toISOString(), messageId: envelope.id },
        })
      : null;
    const claimed = await this.inbox.claim(manager, {
      messageId: envelope.id,
      sender: envelope.from,
      type: envelope.type,
      outcome: 'ACCEPTED',
      reasonCode: null,
      responseId: receiptId,
    });
    if (!claimed) throw new DuplicateRace();
    // The id is another sender's: refused (reject() then records it under this sender, once).
    if (await this.inbox.takenByAnother(manager, envelope.id, envelope.from)) throw idTakenRejection();

    await this.records.insert(manager, {
      id: envelope.id,
      caseRef: envelope.caseRef,
      direction: 'INBOUND',
      type: envelope.type,
      counterpart: envelope.from,
      inReplyTo: envelope.inReplyTo,
      legalBasis: envelope.legalBasis,
      consent: envelope.consent ?? null,
      payload,
      status: 'ACCEPTED',
    });
    // The row is locked and current (and null for a receipt or rejection): only a new country costs an update.
    if (caseRow && !caseRow.countries.includes(envelope.from))
      await this.cases.addCountry(manager, caseRow.caseRef, envelope.from);
    if (caseRow && lifecycle?.allow)
      await this.caseService.applyMessage(manager, caseRow, event, envelope.from, lifecycle.next);
    const settled = await this.settleAnsweredMessage(manager, envelope, payload);
    await this.effects.apply(manager, message);
    await this.audit.recordMany(manager, [
      ...(settled ? [settled] : []),
      {
        action: 'MESSAGE_RECEIVED',
        actor: envelope.from,
        caseRef: envelope.caseRef,
        messageId: envelope.id,
        messageType: envelope.type,
        counterpart: envelope.from,
        legalBasis: envelope.legalBasis,
        decision: 'ALLOW',
        details: { ...(receiptId ? { receiptId } : {}), consentId: envelope.consent?.consentId ?? null },
      },
    ]);
    this.logger.log(
      `accepted message ${envelope.id} ${envelope.type} case ${envelope.caseRef ?? '-'} from ${envelope.from}`,
    );
    return { outcome: 'ACCEPTED', messageId: envelope.id };
  }

  /**
   * The first message of another country's case opens it here, with the country named in the reference as
   * its owner. Never under this node's own prefix: only its counter hands those out, and a peer taking one
   * first would have this node's next case filed into another person's. Any participant may bring a case
   * to a country (a country of origin's prosecutors contacting a transit country on the destination's case,
   * SOP 5), but a referral only comes from the country that made the reference (PROTOCOL.md: the referring
   * NCP creates the caseRef).
   */
  private async openForeignCase(manager: EntityManager, envelope: Envelope): Promise<CaseEntity> {
    const caseRef = envelope.caseRef!;
    const owner = caseRef.slice(4, 6);
    if (owner === this.config.country)
      throw new Rejection(
        RejectionCode.CASE_STATE_CONFLICT,
        `the case is unknown to ${this.config.country}, and only ${this.config.country} creates references under its prefix`,
      );
    if (envelope.type === 'REFERRAL_REQUEST' && owner !== envelope.from)
      throw new Rejection(
        RejectionCode.CASE_STATE_CONFLICT,
        `the case is unknown to ${this.config.country}, and a referral comes from the country that created its reference`,
      );
    const created = await this.cases.create(manager, caseRef, owner);
    // A concurrent first message of the same case inserted it (with the same owner: the reference's country).
    if (!created) return (await this.cases.findForUpdate(manager, caseRef))!;
    await this.audit.record(manager, {
      action: 'CASE_OPENED',
      actor: envelope.from,
      caseRef,
      messageId: envelope.id,
      messageType: envelope.type,
      counterpart: envelope.from,
    });
    return created;
  }

  /**
   * A peer's receipt or rejection settles the delivery status of the message it answers. Returns the audit
   * entry that records it, written by the caller with its own.
   */
  private async settleAnsweredMessage(
    manager: EntityManager,
    envelope: Envelope,
    payload: object,
  ): Promise<AuditRecord | null> {
    if (
      (envelope.type !== 'DELIVERY_RECEIPT' && envelope.type !== 'DELIVERY_REJECTED') ||
      !envelope.inReplyTo
    )
      return null;
    const rejected =
      envelope.type === 'DELIVERY_REJECTED' ? (payload as { reasonCode: string; reason: string }) : null;
    const settled = await this.records.settleOutbound(
      manager,
      envelope.inReplyTo,
      envelope.from,
      rejected
        ? { delivered: false, reasonCode: rejected.reasonCode, reason: rejected.reason }
        : { delivered: true },
    );
    if (!settled) return null;
    return {
      action: rejected ? 'REJECTION_RECEIVED' : 'RECEIPT_RECEIVED',
      actor: envelope.from,
      caseRef: settled.caseRef,
      messageId: settled.id,
      messageType: settled.type,
      counterpart: envelope.from,
      reasonCode: rejected?.reasonCode ?? null,
    };
  }

  /**
   * Same id again from the same sender: never re-applied; answered with the very receipt (or rejection) sent
   * the first time. The same id from another sender is not a duplicate: the first time it is rejected (by
   * accept(), through reject()), and that rejection is then its sender's duplicate answer.
   */
  private async answerDuplicate(envelope: Envelope, sender: string): Promise<Disposition> {
    await this.dataSource.transaction(async (manager) => {
      const earlier = await this.inbox.find(manager, envelope.id, sender);
      await this.answerDuplicateIn(manager, earlier, sender, envelope);
    });
    return { outcome: 'DUPLICATE', messageId: envelope.id };
  }

  /** `earlier`: the id's inbox row, as the caller read it in this transaction. */
  private async answerDuplicateIn(
    manager: EntityManager,
    earlier: InboxEntity | null,
    sender: string,
    envelope: Envelope,
  ): Promise<void> {
    const id = envelope.id;
    if (earlier?.responseId) await this.outbox.requeueCopyOf(manager, earlier.responseId);
    await this.audit.record(manager, {
      action: 'DUPLICATE_RECEIVED',
      actor: sender,
      caseRef: envelope.caseRef,
      messageId: id,
      messageType: envelope.type,
      counterpart: sender,
      details: { firstOutcome: earlier?.outcome },
    });
    this.logger.log(
      `duplicate message ${id} ${envelope.type} from ${sender}: answered again, not re-applied`,
    );
  }

  /**
   * Records the rejection and, when the sender is authenticated, answers it with DELIVERY_REJECTED (never
   * in answer to a receipt or a rejection, which would loop). The consumer then dead-letters the message.
   */
  private async reject(delivery: InboundDelivery, known: Known, failure: Rejection): Promise<Disposition> {
    let rejection = failure;
    const sender = known.sender;
    // An unreadable body is answered by its AMQP message_id, but only one that is plain printable text.
    const inReplyTo =
      known.id ??
      (delivery.messageId && /^[\x20-\x7e]{1,200}$/.test(delivery.messageId) ? delivery.messageId : null);
    const answerable =
      sender !== undefined &&
      inReplyTo !== null &&
      known.type !== 'DELIVERY_RECEIPT' &&
      known.type !== 'DELIVERY_REJECTED';
    const duplicate = await this.dataSource.transaction(async (manager) => {
      // Only an id that passed the envelope checks is remembered: an early failure may be a replay under
      // someone else's id, and must not block the genuine message.
      const remembered = known.envelope ? known.envelope.id : null;
      const earlier = remembered && sender ? await this.inbox.find(manager, remembered, sender) : null;
      if (earlier) {
        await this.answerDuplicateIn(manager, earlier, sender!, known.envelope!);
        return true;
      }
      // The id is another sender's: this sender is told so (as a known id wins over later checks) and its
      // refusal is recorded under its own key below; the first sender's row and answers are left alone.
      if (remembered && sender && (await this.inbox.takenByAnother(manager, remembered, sender)))
        rejection = idTakenRejection();
      let responseId: string | null = null;
      if (answerable) {
        responseId = await this.outbound.enqueueTechnical(manager, {
          type: 'DELIVERY_REJECTED',
          to: sender,
          // PROTOCOL.md: answering a message without a readable id, caseRef is empty.
          caseRef: known.id ? known.caseRef : '',
          inReplyTo,
          payload: { reasonCode: rejection.code, reason: rejection.reason.slice(0, 500) },
        });
      }
      if (remembered && sender) {
        // A rejected id stays rejected: a redelivery of it is a duplicate, answered the same way.
        await this.inbox.claim(manager, {
          messageId: remembered,
          sender,
          type: known.type?.slice(0, 50) ?? null,
          outcome: 'REJECTED',
          reasonCode: rejection.code,
          responseId,
        });
      }
      await this.audit.record(manager, {
        action: 'MESSAGE_REJECTED',
        actor: sender ?? `unauthenticated:${delivery.userId ?? '?'}`.slice(0, 60),
        caseRef: known.caseRef || null,
        messageId: inReplyTo,
        messageType: known.type?.slice(0, 50) ?? null,
        counterpart: sender ?? null,
        decision: 'DENY',
        reasonCode: rejection.code,
        details: { fields: rejection.fields.map((f) => f.path), answered: answerable },
      });
      return false;
    });
    if (duplicate) return { outcome: 'DUPLICATE', messageId: known.envelope!.id };
    this.logger.warn(
      `rejected message ${inReplyTo ?? '?'} ${known.type ?? '?'} case ${known.caseRef || '-'} from ${sender ?? 'unauthenticated sender'}: ${rejection.code}`,
    );
    return {
      outcome: 'REJECTED',
      code: rejection.code,
      reason: rejection.reason,
      authenticated: answerable,
      signatureVerified: known.signatureVerified === true,
    };
  }
}

/**
 * POLICY_DENIED, not a duplicate: the sender authenticated and its envelope is valid, but ids are unique
 * forever and this one is already another sender's. The sender can resend under a new id; who holds the id is
 * not said.
 */
function idTakenRejection(): Rejection {
  return new Rejection(RejectionCode.POLICY_DENIED, 'the message id was already used by another sender');
}

function parseJson(bytes: Buffer): unknown {
  try {
    return JSON.parse(utf8.decode(bytes));
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Field paths and constraint names only: values may be personal data. */
function describeFields(part: string, errors: FieldError[]): string {
  const listed = errors.slice(0, 10).map((e) => `${e.path}: ${e.constraints.join(', ')}`);
  return `${part} invalid: ${listed.join('; ')}${errors.length > 10 ? `; and ${errors.length - 10} more` : ''}`.slice(
    0,
    500,
  );
}
