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
import { MessageRecordsRepository, SettledMessage } from './message-records.repository';
import { InboxEntity } from '../transport/inbox.entity';
import { OutboundService } from './outbound.service';
import { AcceptedMessage, Effects } from '../common/effects';
import { Answerable, Check, Rejection } from './receiver/check';
import { GroupCommit, Settled } from './receiver/group-commit';
import { describe } from '../transport/amqp-connection';
import { LockedCases, ReceivedChange, ReceiverCaseChecks } from './receiver/case-checks';
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
import { LaneDatabases, URGENT_CONNECTIONS } from '../database/database.module';
import { isDeliveryAnswer, type Lane } from '../messages/message-types';
import { UUID } from '../common/validation';

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

/** What checks 1–11 learned of a message that passed them: applied in a batch (checks 12–13a, the writes). */
interface Verified {
  delivery: InboundDelivery;
  message: AcceptedMessage;
  /** Whom a rejection from here on answers, and the id it remembers. */
  remembered: Answerable;
}

/** Checks 1–11 end in a message to apply, or in the rejection that stops it with whom to answer. */
type Verification =
  | { ok: true; verified: Verified }
  | { ok: false; delivery: InboundDelivery; known: Answerable; rejection: Rejection };

/** The inbox already holds this id: from this sender (a duplicate), or another's (refused). */
class InboxConflict extends Error {
  constructor(readonly takenByAnother: boolean) {
    super('the message id is already in the inbox');
  }
}

/** Which message of a batch stopped it (a refusal or a known id), and why. */
class AtMessage extends Error {
  constructor(
    readonly index: number,
    readonly error: unknown,
  ) {
    super('a message of the batch was refused');
  }
}

/**
 * Up to this many verified deliveries are applied in one transaction (GroupCommit), and up to this many
 * transactions at once per pool: while one waits on the database, the next is applied. The consumer never
 * lets two messages of one case wait at once, so concurrent batches lock different case rows.
 */
const MAX_BATCH = 32;
const MAX_RUNS = 2;

/** A failed check inside the transaction: thrown only to roll it back, then answered like any other. */
function orRollBack<T>(check: Check<T>): T {
  if (!check.ok) throw check.rejection;
  return check.value;
}

/**
 * Inbound half of the transfer pipeline. receive() reads as the receiver's steps of docs/protocol.md:
 * `verify` (checks 1–11: signature, size, JSON, sender, addressee, envelope, restrictions, opening,
 * payload; no database), then `applyBatch`, which applies the deliveries verified together in one
 * transaction (`acceptAll`: `claimInbox` 9 → `lockCases` 12 → `checkCase` 12–13a → `recordMessages` →
 * receipts into the outbox → `settleAnswered` → `applyChange` → the types' effects → audit entries), and
 * `reject` for a message a check stopped. A message of a batch that is refused or already known is taken out of it and
 * answered on its own, the others applied together around it, so each is still accepted or rejected on its
 * own. The consumer acks each delivery only after the transaction that applied it committed.
 */
@Injectable()
export class InboundService {
  private readonly logger = new Logger(InboundService.name);
  /**
   * One group commit per lane, on the lane's pool: routine deliveries gather into batches; the urgent lane's
   * alerts are few and must not wait for one another (nor behind a routine batch), so each is applied at
   * once, alone, on a connection of its own.
   */
  private readonly batches: Record<Lane, GroupCommit<Verified, Disposition>>;

  constructor(
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
    private readonly databases: LaneDatabases,
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
  ) {
    const apply = (lane: Lane) => (items: Verified[]) => this.applyBatch(databases.of(lane), items);
    this.batches = {
      routine: new GroupCommit(MAX_BATCH, apply('routine'), MAX_RUNS),
      urgent: new GroupCommit(1, apply('urgent'), URGENT_CONNECTIONS),
    };
  }

  /** `lane`: the queue the delivery came from; it is applied on that lane's pool (LaneDatabases). */
  async receive(delivery: InboundDelivery, lane: Lane = 'routine'): Promise<Disposition> {
    const database = this.databases.of(lane);
    try {
      const verification = this.verify(delivery);
      if (!verification.ok)
        return await this.reject(database, delivery, verification.known, verification.rejection);
      return await this.batches[lane].submit(verification.verified);
    } finally {
      this.relay.kick('routine'); // the receipt or rejection leaves now, not at the next poll
    }
  }

  /** Used when processing failed for reasons of our own, after retries: the sender must still hear of it. */
  async rejectAsInternalError(delivery: InboundDelivery, lane: Lane = 'routine'): Promise<Disposition> {
    // Whoever check 1 names is answered; its own verdict does not matter here.
    const heard = hear(delivery, this.config.maxMessageBytes);
    const signer = checkSignature(delivery, heard, this.directory);
    return this.reject(
      this.databases.of(lane),
      delivery,
      answerable(delivery, heard, this.directory, signer.ok ? signer.value : undefined),
      new Rejection(RejectionCode.INTERNAL_ERROR, 'the receiver failed to process the message'),
    );
  }

  /**
   * The receiver's checks 1–11, numbered as docs/protocol.md ("What a receiver checks, in order") numbers
   * them: CPU only, no database. Each returns what it learned or a rejection; the first rejection stops the
   * message, with what the checks before it learned about whom to answer.
   */
  private verify(delivery: InboundDelivery): Verification {
    const stop = (known: Answerable, rejection: Rejection): Verification => ({
      ok: false,
      delivery,
      known,
      rejection,
    });
    const heard = hear(delivery, this.config.maxMessageBytes);
    const unverified = answerable(delivery, heard, this.directory);

    const signer = checkSignature(delivery, heard, this.directory); // 1
    if (!signer.ok) return stop(unverified, signer.rejection);
    const signed = answerable(delivery, heard, this.directory, signer.value);

    const size = checkSize(heard, this.config.maxMessageBytes); // 2
    if (!size.ok) return stop(signed, size.rejection);

    const body = checkJsonObject(heard); // 3
    if (!body.ok) return stop(signed, body.rejection);

    // Answer the publisher the broker vouches for, not the country whose signed body it replayed.
    const sender = checkSender(delivery, signer.value); // 4
    if (!sender.ok) return stop(unverified, sender.rejection);

    const addressed = checkAddressedTo(body.value, this.config.country); // 5
    if (!addressed.ok) return stop(signed, addressed.rejection);

    const envelope = checkEnvelope(body.value); // 6–8
    if (!envelope.ok) return stop(signed, envelope.rejection);
    const restricted = checkRestrictions(envelope.value); // 8b
    if (!restricted.ok) return stop(signed, restricted.rejection);
    // From here a rejection remembers the id, and a known id (9) is answered as the first time.
    const remembered: Answerable = { ...signed, envelope: envelope.value };

    // 9 costs no lookup on the common path: the batch's inbox insert (claimInbox) finds a known id, and
    // reject() finds it when a check fails first.
    const plaintext = openPayload(envelope.value, (sealed, aad) => this.keys.open(sealed, aad)); // 10
    if (!plaintext.ok) return stop(remembered, plaintext.rejection);

    const payload = checkPayload(envelope.value, plaintext.value); // 11
    if (!payload.ok) return stop(remembered, payload.rejection);

    const message: AcceptedMessage = {
      envelope: envelope.value,
      payload: payload.value,
      body: delivery.body,
      signature: String(delivery.headers['x-trm-signature']),
    };
    return { ok: true, verified: { delivery, message, remembered } };
  }

  /**
   * Applies the messages verified together: in runs of different cases (runsApart), each run in one
   * transaction. Two messages of one case, or one id twice, never share a run.
   */
  private async applyBatch(database: DataSource, items: Verified[]): Promise<Settled<Disposition>[]> {
    const settled: Settled<Disposition>[] = [];
    for (const run of runsApart(items)) settled.push(...(await this.applyRun(database, run)));
    return settled;
  }

  /**
   * One transaction for the run. When one of its messages is refused or its id is known, the run is rolled
   * back and applied again around it: the messages before it together, it alone (answered as a refusal or a
   * duplicate), the messages after it together. Any other error applies them one at a time.
   */
  private async applyRun(database: DataSource, items: Verified[]): Promise<Settled<Disposition>[]> {
    if (items.length === 0) return [];
    if (items.length === 1) return [await settle(() => this.applyOne(database, items[0]))];
    try {
      const dispositions = await database.transaction((manager) =>
        this.acceptAll(
          manager,
          items.map((item) => item.message),
        ),
      );
      return dispositions.map((value) => ({ ok: true, value }));
    } catch (error) {
      if (error instanceof AtMessage)
        return [
          ...(await this.applyRun(database, items.slice(0, error.index))),
          await settle(() => this.applyOne(database, items[error.index])),
          ...(await this.applyRun(database, items.slice(error.index + 1))),
        ];
      this.logger.warn(`inbound batch of ${items.length} failed, applied one by one: ${describe(error)}`);
      const settled: Settled<Disposition>[] = [];
      for (const item of items) settled.push(await settle(() => this.applyOne(database, item)));
      return settled;
    }
  }

  /** One message in its own transaction; a refusal of checks 9–13a is answered here. */
  private async applyOne(
    database: DataSource,
    { delivery, message, remembered }: Verified,
  ): Promise<Disposition> {
    const { envelope } = message;
    try {
      const [disposition] = await database.transaction((manager) => this.acceptAll(manager, [message]));
      return disposition;
    } catch (thrown) {
      const error = thrown instanceof AtMessage ? thrown.error : thrown;
      if (error instanceof InboxConflict && !error.takenByAnother)
        return this.answerDuplicate(database, envelope, envelope.from);
      // The id is another sender's: refused (reject() then records it under this sender, once).
      if (error instanceof InboxConflict)
        return this.reject(database, delivery, remembered, idTakenRejection());
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

  /**
   * Checks 9, 12, 13 and 13a, then the writes, for messages of different cases in the caller's transaction:
   * each step once for the batch where the database allows (one INSERT per table), per message where a case
   * row decides. Throws on the first refusal (the caller rolls back).
   */
  private async acceptAll(manager: EntityManager, messages: AcceptedMessage[]): Promise<Disposition[]> {
    const receipts = messages.map((message) => this.receiptFor(message));
    await this.claimInbox(manager, messages, receipts); // 9
    const locked = await this.caseChecks.lockCases(
      manager,
      messages.map(({ envelope }) => envelope),
    ); // 12, the batch's case rows
    const changes: Array<{ caseRow: CaseEntity | null; lifecycle: ReceivedChange | null }> = [];
    for (const [i, message] of messages.entries()) {
      try {
        changes.push(await this.checkCase(manager, message, locked)); // 12–13a
      } catch (error) {
        if (error instanceof Rejection || error instanceof CaseErasedError) throw new AtMessage(i, error);
        throw error;
      }
    }
    await this.recordMessages(manager, messages, receipts);
    await this.outbox.enqueueMany(
      manager,
      receipts.flatMap((receipt) => (receipt ? [receipt.wire] : [])),
    );
    const settled = await this.settleAnswered(manager, messages);
    const entries: AuditRecord[] = [];
    for (const [i, message] of messages.entries()) {
      await this.applyChange(manager, message, changes[i]);
      entries.push(...settled[i], received(message, receipts[i]?.record.id ?? null));
    }
    await this.effects.emitMany(manager, 'message.received', messages);
    await this.audit.recordMany(manager, entries);
    return messages.map(({ envelope }) => {
      this.logger.log(
        `accepted message ${envelope.id} ${envelope.type} case ${envelope.caseRef ?? '-'} from ${envelope.from}`,
      );
      return { outcome: 'ACCEPTED', messageId: envelope.id };
    });
  }

  /** Every message but a receipt or a rejection is answered with a DELIVERY_RECEIPT, queued in the batch. */
  private receiptFor({ envelope }: AcceptedMessage): ReturnType<OutboundService['technical']> | null {
    if (isDeliveryAnswer(envelope.type)) return null;
    return this.outbound.technical({
      type: 'DELIVERY_RECEIPT',
      to: envelope.from,
      caseRef: envelope.caseRef,
      inReplyTo: envelope.id,
      payload: { receivedAt: new Date().toISOString(), messageId: envelope.id },
    });
  }

  /** Check 9 for the batch: the inbox rows first, so a known id stops it before anything is applied. */
  private async claimInbox(
    manager: EntityManager,
    messages: AcceptedMessage[],
    receipts: Array<ReturnType<OutboundService['technical']> | null>,
  ): Promise<void> {
    const claims = await this.inbox.claimMany(
      manager,
      messages.map(({ envelope }, i) => ({
        messageId: envelope.id,
        sender: envelope.from,
        type: envelope.type,
        outcome: 'ACCEPTED',
        reasonCode: null,
        responseId: receipts[i]?.record.id ?? null,
      })),
    );
    const at = claims.findIndex((claim) => !claim.claimed || claim.takenByAnother);
    if (at >= 0) throw new AtMessage(at, new InboxConflict(claims[at].claimed));
  }

  /** Checks 12, 13, 13a with the case row locked. */
  private async checkCase(
    manager: EntityManager,
    { envelope, payload }: AcceptedMessage,
    locked: LockedCases,
  ): Promise<{ caseRow: CaseEntity | null; lifecycle: ReceivedChange | null }> {
    const caseRow = orRollBack(await this.caseChecks.lockCase(manager, envelope, locked)); // 12, the case
    orRollBack(await this.caseChecks.checkConsent(manager, envelope, payload, caseRow)); // 12, consent
    orRollBack(this.caseChecks.checkPolicy(envelope, payload)); // 13
    const lifecycle = orRollBack(await this.caseChecks.checkLifecycle(manager, envelope, payload, caseRow)); // 13a
    return { caseRow, lifecycle };
  }

  /** The accepted messages and their receipts, one INSERT for the batch. */
  private async recordMessages(
    manager: EntityManager,
    messages: AcceptedMessage[],
    receipts: Array<ReturnType<OutboundService['technical']> | null>,
  ): Promise<void> {
    await this.records.insertMany(manager, [
      ...messages.map(({ envelope, payload }) => ({
        id: envelope.id,
        caseRef: envelope.caseRef,
        direction: 'INBOUND' as const,
        type: envelope.type,
        counterpart: envelope.from,
        inReplyTo: envelope.inReplyTo,
        legalBasis: envelope.legalBasis,
        consent: envelope.consent ?? null,
        restrictions: envelope.restrictions ?? null,
        payload,
        status: 'ACCEPTED' as const,
        language: envelope.language ?? null,
      })),
      ...receipts.flatMap((receipt) => (receipt ? [receipt.record] : [])),
    ]);
  }

  /** One message's change to its case row (locked and current; null for a receipt or a rejection). */
  private async applyChange(
    manager: EntityManager,
    { envelope }: AcceptedMessage,
    { caseRow, lifecycle }: { caseRow: CaseEntity | null; lifecycle: ReceivedChange | null },
  ): Promise<void> {
    // Only a new country costs an update.
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
  }

  /**
   * A peer's receipts and rejections settle the delivery status of the messages they answer: the receipts
   * of a batch in one statement. Returns, per message, the audit entry that records it (none for another
   * type, or an answer that changed nothing), written by the caller with its own.
   */
  private async settleAnswered(
    manager: EntityManager,
    messages: AcceptedMessage[],
  ): Promise<AuditRecord[][]> {
    const answers = (type: string) =>
      messages.filter(
        ({ envelope }) => envelope.type === type && envelope.inReplyTo && UUID.test(envelope.inReplyTo),
      );
    const receipts = answers('DELIVERY_RECEIPT');
    const delivered = await this.records.settleDeliveredMany(
      manager,
      receipts.map(({ envelope }) => ({ id: envelope.inReplyTo!, counterpart: envelope.from })),
    );
    const entries = new Map<string, AuditRecord>();
    for (const { envelope } of receipts) {
      const settled = delivered.find((m) => m.id === envelope.inReplyTo);
      if (settled) entries.set(envelope.id, settledEntry('RECEIPT_RECEIVED', envelope.from, settled, null));
    }
    for (const { envelope, payload } of answers('DELIVERY_REJECTED')) {
      const { reasonCode, reason } = payload as { reasonCode: string; reason: string };
      const settled = await this.records.settleRejected(manager, envelope.inReplyTo!, envelope.from, {
        reasonCode,
        reason,
      });
      if (settled)
        entries.set(envelope.id, settledEntry('REJECTION_RECEIVED', envelope.from, settled, reasonCode));
    }
    return messages.map(({ envelope }) => {
      const entry = entries.get(envelope.id);
      return entry ? [entry] : [];
    });
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

/**
 * The batch cut, in order, into runs of messages of different cases and each id once: a run's steps never see
 * one case change under them. Receipts and rejections change no case (only the status of the message they
 * answer), so many of one case may share a run.
 */
function runsApart(items: Verified[]): Verified[][] {
  const runs: Verified[][] = [];
  let run: Verified[] = [];
  const cases = new Set<string>();
  const ids = new Set<string>();
  for (const item of items) {
    const { caseRef, id, type } = item.message.envelope;
    const changesCase = !!caseRef && type !== 'DELIVERY_RECEIPT' && type !== 'DELIVERY_REJECTED';
    if (ids.has(id) || (changesCase && cases.has(caseRef))) {
      runs.push(run);
      run = [];
      cases.clear();
      ids.clear();
    }
    run.push(item);
    ids.add(id);
    if (changesCase) cases.add(caseRef);
  }
  if (run.length > 0) runs.push(run);
  return runs;
}

async function settle<R>(work: () => Promise<R>): Promise<Settled<R>> {
  try {
    return { ok: true, value: await work() };
  } catch (error) {
    return { ok: false, error };
  }
}

/** The audit entry of an accepted message. */
function received({ envelope }: AcceptedMessage, receiptId: string | null): AuditRecord {
  return {
    action: 'MESSAGE_RECEIVED',
    actor: envelope.from,
    caseRef: envelope.caseRef,
    messageId: envelope.id,
    messageType: envelope.type,
    counterpart: envelope.from,
    legalBasis: envelope.legalBasis,
    decision: 'ALLOW',
    details: { ...(receiptId ? { receiptId } : {}), consentId: envelope.consent?.consentId ?? null },
  };
}

/** The audit entry of one of our messages a peer's receipt or rejection settled. */
function settledEntry(
  action: 'RECEIPT_RECEIVED' | 'REJECTION_RECEIVED',
  from: string,
  settled: SettledMessage,
  reasonCode: string | null,
): AuditRecord {
  return {
    action,
    actor: from,
    caseRef: settled.caseRef,
    messageId: settled.id,
    messageType: settled.type,
    counterpart: from,
    reasonCode,
  };
}
