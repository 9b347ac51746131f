import { updateEncrypted } from '../crypto/encrypted-column';
import { Injectable, Logger } from '@nestjs/common';
import { DataSource, EntityManager, In } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { CasesRepository } from '../cases/cases.repository';
import { ConsentError, ConsentErrorCode } from '../consent/consent.errors';
import { CONSENT_EXEMPT_TYPES, queuedAfterWithdrawal, withoutFields } from '../consent/consent.policy';
import { ConsentRepository } from '../consent/consent.repository';
import { ConsentView } from '../consent/consent.dto';
import { toConsentView } from '../consent/consent.service';
import { KeyStore } from '../crypto/key-store';
import { DirectoryService } from '../directory/directory.service';
import type { Envelope } from '../messages/catalogue';
import type { MessageType } from '../messages/message-types';
import { RiskRepository } from '../risk/risk.repository';
import { encodeMessage } from '../transport/envelope-codec';
import { OutboxRelay } from '../transport/outbox-relay';
import { OutboxRepository } from '../transport/outbox.repository';
import type { ClosureResult } from './case-closure.service';
import { MessageRecordEntity } from './message-record.entity';
import { MessageRecordsRepository } from './message-records.repository';
import { OutboundService } from './outbound.service';
import { TransferError } from './transfer.errors';
import { Effects } from '../common/effects';

export interface WithdrawalResult {
  consent: ConsentView;
  /** The countries told, each with the id of its CONSENT_WITHDRAWN. */
  notified: Array<{ country: string; messageId: string }>;
  /**
   * The countries that had data of the case but could not be told here (no consent record ever named them,
   * they left the directory, they do not accept CONSENT_WITHDRAWN), and why: the coordinator tells them by
   * other means. Same shape as a closure's.
   */
  notNotified: ClosureResult['notNotified'];
  /** Messages queued under the consent and not yet published: cancelled, they never leave. */
  cancelled: Array<{ messageId: string; type: string; country: string }>;
  /**
   * Messages queued under the consent, not yet published, that must still travel (a CASE_CLOSED): they leave
   * without their free text, re-sealed and re-signed under the same id, as if sent after the withdrawal.
   */
  redacted: Array<{ messageId: string; type: string; country: string; fields: string[] }>;
  /** Current risk assessments now due for review. */
  assessmentsToReview: number;
}

/** The reason code a message cancelled by a withdrawal carries (its status is REJECTED). */
export const CANCELLED_BY_WITHDRAWAL = 'CONSENT_WITHDRAWN';

/**
 * Withdrawal is the person's right. In one transaction: the record ends, messages queued under it and not yet
 * published are cancelled, every country that had data of the case gets CONSENT_WITHDRAWN, and the risk
 * assessment is due for review (traffickers pressure victims to withdraw, domain.md), without questioning
 * the withdrawal. A country that cannot be told never blocks it: it is listed and audited instead. A peer's
 * withdrawal restricts the case here.
 */
@Injectable()
export class ConsentWithdrawalService {
  private readonly logger = new Logger(ConsentWithdrawalService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly consents: ConsentRepository,
    private readonly cases: CasesRepository,
    private readonly risk: RiskRepository,
    private readonly outbound: OutboundService,
    private readonly audit: AuditService,
    private readonly relay: OutboxRelay,
    private readonly records: MessageRecordsRepository,
    private readonly outbox: OutboxRepository,
    private readonly directory: DirectoryService,
    private readonly keys: KeyStore,
    private readonly effects: Effects,
  ) {}

  async withdraw(caseRef: string, consentId: string, actor: string): Promise<WithdrawalResult> {
    const result = await this.dataSource.transaction(async (manager) => {
      const found = await this.cases.findForUpdate(manager, caseRef);
      const record = found ? await this.consents.find(manager, caseRef, consentId) : null;
      if (!record)
        throw new ConsentError(
          ConsentErrorCode.CONSENT_NOT_FOUND,
          `no consent ${consentId} on case ${caseRef}`,
        );
      if (!(await this.consents.withdraw(manager, consentId, actor))) {
        throw new ConsentError(
          ConsentErrorCode.ALREADY_WITHDRAWN,
          `consent ${consentId} was already withdrawn`,
        );
      }
      const withdrawnAt = new Date();
      // Before the cancelling: a country whose message is in flight may have it, so it is told as well.
      const countries = await this.countriesThatReceivedData(manager, caseRef);
      const { cancelled, redacted } = await this.settleQueued(manager, caseRef, consentId, actor);
      const notified: WithdrawalResult['notified'] = [];
      const notNotified: WithdrawalResult['notNotified'] = [];
      for (const country of countries) {
        try {
          const sent = await this.outbound.sendWithin(
            manager,
            {
              caseRef,
              type: 'CONSENT_WITHDRAWN',
              to: country,
              legalBasis: 'CONSENT',
              payload: { consentId, withdrawnAt: withdrawnAt.toISOString(), scopesWithdrawn: record.scopes },
            },
            actor,
          );
          notified.push({ country, messageId: sent.record.id });
        } catch (error) {
          // sendWithin refuses (TransferError) before it writes anything, so the withdrawal goes on; any
          // other error (the database) fails it.
          if (!(error instanceof TransferError)) throw error;
          const refusal = error.details.reasons?.[0] ?? { code: error.code, message: error.message };
          notNotified.push({ country, reasonCode: refusal.code, reason: refusal.message });
          await this.audit.record(manager, {
            action: 'CONSENT_WITHDRAWAL_NOT_SENT',
            actor,
            caseRef,
            messageType: 'CONSENT_WITHDRAWN',
            counterpart: country,
            decision: 'DENY',
            reasonCode: refusal.code,
            details: { consentId, reasons: error.details.reasons?.map((r) => r.code) ?? [error.code] },
          });
          // Nothing will settle what is awaited from or owed to it on the case: it ends here, with a reason.
          await this.effects.emit(manager, 'consent.withdrawn-untold', {
            caseRef,
            country,
            at: withdrawnAt,
            actor,
          });
        }
      }
      const assessmentsToReview = await this.risk.requireReview(manager, caseRef);
      await this.audit.record(manager, {
        action: 'CONSENT_WITHDRAWN',
        actor,
        caseRef,
        details: {
          consentId,
          notified: notified.map((n) => n.country),
          notNotified: notNotified.map((n) => n.country),
          cancelled: cancelled.map((c) => c.messageId),
          redacted: redacted.map((r) => r.messageId),
          assessmentsToReview,
        },
      });
      const updated = (await this.consents.find(manager, caseRef, consentId))!;
      return {
        consent: toConsentView(updated),
        notified,
        notNotified,
        cancelled,
        redacted,
        assessmentsToReview,
      };
    });
    this.relay.kick('routine');
    this.logger.log(
      `consent ${consentId} withdrawn on case ${caseRef}; notified ${result.notified.length} countries, ` +
        `could not notify ${result.notNotified.length}, cancelled ${result.cancelled.length} queued messages`,
    );
    return result;
  }

  /**
   * From the withdrawal on the data may not be shared further: what was queued under the consent and is not
   * yet published is settled as `queuedAfterWithdrawal` says. Rows the relay has claimed are in flight (the
   * broker may already have them) and leave as they are: the CONSENT_WITHDRAWN queued next follows them.
   */
  private async settleQueued(
    manager: EntityManager,
    caseRef: string,
    consentId: string,
    actor: string,
  ): Promise<Pick<WithdrawalResult, 'cancelled' | 'redacted'>> {
    const queued = await this.records.queuedUnderConsent(manager, caseRef, consentId, []);
    // Only an exempt type's fate depends on its payload: spare the others the read (and the decryption).
    const exempt = queued.filter((m) => CONSENT_EXEMPT_TYPES.includes(m.type as MessageType));
    const records =
      exempt.length > 0 ? await manager.findBy(MessageRecordEntity, { id: In(exempt.map((m) => m.id)) }) : [];
    const payloadOf = (id: string) =>
      (records.find((r) => r.id === id)?.payload ?? {}) as Record<string, unknown>;
    const toCancel: typeof queued = [];
    const toStrip: Array<(typeof queued)[number] & { fields: string[] }> = [];
    for (const message of queued) {
      const settled = queuedAfterWithdrawal(message.type as MessageType, payloadOf(message.id));
      if (settled.action === 'CANCEL') toCancel.push(message);
      if (settled.action === 'STRIP') toStrip.push({ ...message, fields: settled.fields });
    }
    const cancelled = await this.cancelQueued(manager, caseRef, consentId, actor, toCancel);
    const redacted: WithdrawalResult['redacted'] = [];
    for (const message of toStrip) {
      if (await this.stripQueued(manager, message.id, payloadOf(message.id), message.fields)) {
        redacted.push({
          messageId: message.id,
          type: message.type,
          country: message.counterpart,
          fields: message.fields,
        });
      }
    }
    await this.audit.recordMany(
      manager,
      redacted.map((m) => ({
        action: 'MESSAGE_REDACTED' as const,
        actor,
        caseRef,
        messageId: m.messageId,
        messageType: m.type,
        counterpart: m.country,
        reasonCode: CANCELLED_BY_WITHDRAWAL,
        details: { consentId, redacted: m.fields },
      })),
    );
    return { cancelled, redacted };
  }

  /**
   * Replaces the unpublished outbox row of a message with one whose payload lacks `fields`: same id, envelope
   * and sentAt, sealed and signed anew (no peer has seen the first body). False when the relay had claimed
   * the row: it is in flight and leaves as it was.
   */
  private async stripQueued(
    manager: EntityManager,
    messageId: string,
    payload: Record<string, unknown>,
    fields: string[],
  ): Promise<boolean> {
    const [row] = await this.outbox.takeUnpublished(manager, [messageId]);
    if (!row) return false;
    const { sealed: _sealed, ...envelope } = JSON.parse(row.body.toString('utf8')) as Envelope;
    const recipient = this.directory.find(envelope.to);
    if (!recipient) throw new Error(`cannot re-seal message ${messageId}: ${envelope.to} left the directory`);
    const stripped = withoutFields(payload, fields);
    const wire = encodeMessage(
      { ...envelope, sentAt: new Date(envelope.sentAt), payload: stripped },
      recipient,
      this.keys,
    );
    await this.outbox.enqueue(manager, wire);
    await updateEncrypted(manager, MessageRecordEntity, messageId, { payload: stripped });
    return true;
  }

  private async cancelQueued(
    manager: EntityManager,
    caseRef: string,
    consentId: string,
    actor: string,
    queued: Array<{ id: string; type: string; counterpart: string }>,
  ): Promise<WithdrawalResult['cancelled']> {
    const removed = new Set(
      await this.outbox.cancelUnpublished(
        manager,
        queued.map((m) => m.id),
      ),
    );
    const cancelled = queued.filter((m) => removed.has(m.id));
    await this.records.markCancelled(
      manager,
      cancelled.map((m) => m.id),
      {
        reasonCode: CANCELLED_BY_WITHDRAWAL,
        reason: `cancelled before it was published: consent ${consentId} was withdrawn`,
      },
    );
    await this.audit.recordMany(
      manager,
      cancelled.map((m) => ({
        action: 'MESSAGE_CANCELLED' as const,
        actor,
        caseRef,
        messageId: m.id,
        messageType: m.type,
        counterpart: m.counterpart,
        decision: 'DENY' as const,
        reasonCode: CANCELLED_BY_WITHDRAWAL,
        details: { consentId },
      })),
    );
    return cancelled.map((m) => ({ messageId: m.id, type: m.type, country: m.counterpart }));
  }

  /** Every country this node sent anything but technical messages to on the case. */
  private async countriesThatReceivedData(manager: EntityManager, caseRef: string): Promise<string[]> {
    const rows: Array<{ counterpart: string }> = await manager.query(
      `SELECT DISTINCT counterpart FROM messages
       WHERE case_ref = $1 AND direction = 'OUTBOUND' AND status <> 'REJECTED'
         AND type NOT IN ('DELIVERY_RECEIPT', 'DELIVERY_REJECTED', 'AUDIT_CHECKPOINT', 'CONSENT_WITHDRAWN')
       ORDER BY counterpart`,
      [caseRef],
    );
    return rows.map((r) => r.counterpart);
  }
}
