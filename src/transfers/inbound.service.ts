import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AuditRecord, AuditService } from '../audit/audit.service';
import { CasesRepository } from '../cases/cases.repository';
import { CasesService } from '../cases/cases.service';
import { NODE_CONFIG, NodeConfig } from '../config/config';
import { CaseErasedError } from '../crypto/case-keys';
import { KeyStore } from '../crypto/key-store';
import { DirectoryService } from '../directory/directory.service';
import { Envelope } from '../messages/catalogue';
import { RejectionCode } from '../messages/rejection-codes';
import { InboxRepository } from '../transport/inbox.repository';
import { OutboxRelay } from '../transport/outbox-relay';
import { OutboxRepository } from '../transport/outbox.repository';
import { MessageRecordsRepository } from './message-records.repository';
import { InboxEntity } from '../transport/inbox.entity';
import { OutboundService } from './outbound.service';
import { AcceptedMessage, Effects } from '../common/effects';
import { Answerable, Check, Rejection } from './receiver/check';
import { ReceivedChange, ReceiverCaseChecks } from './receiver/case-checks';
import type { CaseEntity } from '../cases/case.entity';
import {
  answerable,
  checkAddressedTo,
  checkEnvelope,
  checkRestrictions,
  checkJsonObject,
  checkPayload,
  checkSender,
  checkSignature,
  checkSize,
  hear,
  InboundDelivery,
  openPayload,
} from './receiver/wire-checks';

export type { InboundDelivery } from './receiver/wire-checks';

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

class DuplicateRace extends Error {}

/** A failed check inside the transaction: thrown only to roll it back, then answered like any other. */
function orRollBack<T>(check: Check<T>): T {
  if (!check.ok) throw check.rejection;
  return check.value;
}

/**
 * Inbound half of the transfer pipeline: the receiver's checks in docs/protocol.md's order (process() reads
 * as that list; each check, in receiver/, returns what it learned or a rejection), then one transaction
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
    private readonly effects: Effects,
    private readonly caseChecks: ReceiverCaseChecks,
  ) {}

  /**
   * `database`: the pool the delivery is applied on; the consumer gives the urgent lane its own (alerts never
   * wait for a connection behind routine work).
   */
  async receive(delivery: InboundDelivery, database: DataSource = this.dataSource): Promise<Disposition> {
    try {
      return await this.process(delivery, database);
    } finally {
      this.relay.kick(); // the receipt or rejection leaves now, not at the next poll
    }
  }

  /** Used when processing failed for reasons of our own, after retries: the sender must still hear of it. */
  async rejectAsInternalError(
    delivery: InboundDelivery,
    database: DataSource = this.dataSource,
  ): Promise<Disposition> {
    // Whoever check 1 names is answered; its own verdict does not matter here.
    const heard = hear(delivery, this.config.maxMessageBytes);
    const signer = checkSignature(delivery, heard, this.directory);
    return this.reject(
      database,
      delivery,
      answerable(delivery, heard, this.directory, signer.ok ? signer.value : undefined),
      new Rejection(RejectionCode.INTERNAL_ERROR, 'the receiver failed to process the message'),
    );
  }

  /**
   * The receiver's checks, numbered as docs/protocol.md ("What a receiver checks, in order") numbers them.
   * Each returns what it learned or a rejection; the first rejection is answered, with what the checks before
   * it learned about whom to answer.
   */
  private async process(delivery: InboundDelivery, database: DataSource): Promise<Disposition> {
    const heard = hear(delivery, this.config.maxMessageBytes);
    const unverified = answerable(delivery, heard, this.directory);

    const signer = checkSignature(delivery, heard, this.directory); // 1
    if (!signer.ok) return this.reject(database, delivery, unverified, signer.rejection);
    const signed = answerable(delivery, heard, this.directory, signer.value);

    const size = checkSize(heard, this.config.maxMessageBytes); // 2
    if (!size.ok) return this.reject(database, delivery, signed, size.rejection);

    const body = checkJsonObject(heard); // 3
    if (!body.ok) return this.reject(database, delivery, signed, body.rejection);

    // Answer the publisher the broker vouches for, not the country whose signed body it replayed.
    const sender = checkSender(delivery, signer.value); // 4
    if (!sender.ok) return this.reject(database, delivery, unverified, sender.rejection);

    const addressed = checkAddressedTo(body.value, this.config.country); // 5
    if (!addressed.ok) return this.reject(database, delivery, signed, addressed.rejection);

    const envelope = checkEnvelope(body.value); // 6–8
    if (!envelope.ok) return this.reject(database, delivery, signed, envelope.rejection);
    const restricted = checkRestrictions(envelope.value); // 8b
    if (!restricted.ok) return this.reject(database, delivery, signed, restricted.rejection);
    // From here a rejection remembers the id, and a known id (9) is answered as the first time.
    const remembered: Answerable = { ...signed, envelope: envelope.value };

    // 9 costs no lookup on the common path: the inbox insert in accept() finds a known id (DuplicateRace), and
    // reject() finds it when a check fails first.
    const plaintext = openPayload(envelope.value, (sealed, aad) => this.keys.open(sealed, aad)); // 10
    if (!plaintext.ok) return this.reject(database, delivery, remembered, plaintext.rejection);

    const payload = checkPayload(envelope.value, plaintext.value); // 11
    if (!payload.ok) return this.reject(database, delivery, remembered, payload.rejection);

    const accepted: AcceptedMessage = {
      envelope: envelope.value,
      payload: payload.value,
      body: delivery.body,
      signature: String(delivery.headers['x-trm-signature']),
    };
    try {
      return await database.transaction((manager) => this.accept(manager, accepted)); // 12–13a, 9
    } catch (error) {
      if (error instanceof DuplicateRace) return this.answerDuplicate(database, envelope.value, signer.value);
      if (error instanceof Rejection) return this.reject(database, delivery, remembered, error);
      // The case was erased here (docs/retention.md): its personal data is no longer kept, nor received.
      if (error instanceof CaseErasedError)
        return this.reject(
          database,
          delivery,
          remembered,
          new Rejection(RejectionCode.CASE_STATE_CONFLICT, 'the case was erased on this node'),
        );
      throw error;
    }
  }

  /** Checks 12, 13, 13a with the case row locked, then the writes: all in the caller's transaction. */
  private async accept(manager: EntityManager, message: AcceptedMessage): Promise<Disposition> {
    const { envelope, payload } = message;
    const caseRow = orRollBack(await this.caseChecks.lockCase(manager, envelope)); // 12, the case
    orRollBack(await this.caseChecks.checkConsent(manager, envelope, payload, caseRow)); // 12, consent
    orRollBack(this.caseChecks.checkPolicy(envelope, payload)); // 13
    const lifecycle = orRollBack(await this.caseChecks.checkLifecycle(manager, envelope, payload, caseRow)); // 13a
    await this.write(manager, message, caseRow, lifecycle);
    this.logger.log(
      `accepted message ${envelope.id} ${envelope.type} case ${envelope.caseRef ?? '-'} from ${envelope.from}`,
    );
    return { outcome: 'ACCEPTED', messageId: envelope.id };
  }

  /**
   * The accepted message's writes: receipt in the outbox, inbox row (9: a known id rolls all back), message
   * record, the case's change, the type's effects, the audit entries.
   */
  private async write(
    manager: EntityManager,
    message: AcceptedMessage,
    caseRow: CaseEntity | null,
    lifecycle: ReceivedChange | null,
  ): Promise<void> {
    const { envelope, payload } = message;
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
    const { claimed, takenByAnother } = await this.inbox.claim(manager, {
      messageId: envelope.id,
      sender: envelope.from,
      type: envelope.type,
      outcome: 'ACCEPTED',
      reasonCode: null,
      responseId: receiptId,
    });
    if (!claimed) throw new DuplicateRace();
    // The id is another sender's: refused (reject() then records it under this sender, once).
    if (takenByAnother) throw idTakenRejection();

    await this.records.insert(manager, {
      id: envelope.id,
      caseRef: envelope.caseRef,
      direction: 'INBOUND',
      type: envelope.type,
      counterpart: envelope.from,
      inReplyTo: envelope.inReplyTo,
      legalBasis: envelope.legalBasis,
      consent: envelope.consent ?? null,
      restrictions: envelope.restrictions ?? null,
      payload,
      status: 'ACCEPTED',
      language: envelope.language ?? null,
    });
    // The row is locked and current (and null for a receipt or rejection): only a new country costs an update.
    if (caseRow && !caseRow.countries.includes(envelope.from))
      await this.cases.addCountry(manager, caseRow.caseRef, envelope.from);
    if (caseRow && lifecycle)
      await this.caseService.applyMessage(
        manager,
        caseRow,
        lifecycle.event,
        envelope.from,
        lifecycle.decision.next,
      );
    const settled = await this.settleAnsweredMessage(manager, envelope, payload);
    await this.effects.emit(manager, 'message.received', message);
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
  private async answerDuplicate(
    database: DataSource,
    envelope: Envelope,
    sender: string,
  ): Promise<Disposition> {
    await database.transaction(async (manager) => {
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
  private async reject(
    database: DataSource,
    delivery: InboundDelivery,
    known: Answerable,
    failure: Rejection,
  ): Promise<Disposition> {
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
    const duplicate = await database.transaction(async (manager) => {
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
