import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { CaseFactRule } from '../../cases/case-facts.policy';
import { LifecycleDecision, LifecycleEvent } from '../../cases/case-lifecycle.policy';
import { CaseEntity } from '../../cases/case.entity';
import { CasesRepository } from '../../cases/cases.repository';
import { LocalSecretsRepository } from '../../cases/local-secrets.repository';
import { secretPaths } from '../../cases/local-secrets.policy';
import { NODE_CONFIG, NodeConfig } from '../../config/config';
import { consentSummary } from '../../consent/consent.policy';
import { KeyStore } from '../../crypto/key-store';
import { ParticipantDto } from '../../directory/directory-file.dto';
import { DirectoryService } from '../../directory/directory.service';
import { Envelope, validatePayload } from '../../messages/catalogue';
import { envelopeRuleErrors } from '../../messages/envelope.dto';
import { VITAL_INTEREST_TYPES } from '../../messages/message-types';
import { RejectionCode } from '../../messages/rejection-codes';
import { encodeMessage, WireMessage } from '../../transport/envelope-codec';
import { CaseLifecycle } from '../case-lifecycle';
import { envelopeLanguage } from '../language.policy';
import { MessageRecordsRepository } from '../message-records.repository';
import { TransferError } from '../transfer.errors';
import { GateDecision, TransferGate } from '../transfer.gate';
import { decideOutbound } from '../transfer.policy';
import { decideOutboundRestrictions, USE_RESTRICTIONS_EXTENSION } from '../use-restriction.policy';
import { SendMessageCommand } from './send-command';
import { proceed, refuse, SendStep } from './step';

/** The message as asked for, before any step: the command, its envelope head and its time. */
export interface Draft {
  command: SendMessageCommand;
  /** The envelope without what the gates add (consent summary, restrictions, language). */
  head: Envelope;
  sentAt: Date;
}

/** What the rules step learned: the case (locked for a send) and the recipient's directory entry. */
export interface Parties {
  caseRow: CaseEntity;
  recipient: ParticipantDto;
}

/** What the lifecycle step learned: the sent event and the case's next lifecycle state. */
export interface SentChange {
  event: LifecycleEvent;
  decision: Extract<LifecycleDecision, { allow: true }>;
}

/** What the gates step learned: consent and risk's verdict (with the payload to send) and the restrictions. */
export interface Cleared {
  gate: Extract<GateDecision, { allow: true }>;
  /** The use restrictions chosen, once each, sorted. */
  restrictions: string[];
}

/**
 * The sender's steps of docs/protocol.md ("What a sender checks, in order"), one method each, reading only.
 * Each returns what it learned or the refusal that stops the send; OutboundService.evaluate calls them in
 * order and passes what they learned forward.
 */
@Injectable()
export class SenderSteps {
  constructor(
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
    private readonly directory: DirectoryService,
    private readonly keys: KeyStore,
    private readonly cases: CasesRepository,
    private readonly lifecycle: CaseLifecycle,
    private readonly records: MessageRecordsRepository,
    private readonly gate: TransferGate,
    private readonly secrets: LocalSecretsRepository,
  ) {}

  /** The draft every step starts from. */
  draft(command: SendMessageCommand, id: string, sentAt: Date): Draft {
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
    return { command, head, sentAt };
  }

  /**
   * Local secrets, before anything else reads the payload: no value this node keeps as a local secret leaves
   * it, whatever the type and whichever string field holds it (docs/protocol.md, "Local secrets"). The
   * refusal names the fields, never the value nor which secret it is.
   */
  async checkLocalSecrets(manager: EntityManager, { command }: Draft): Promise<SendStep<void>> {
    const fields = secretPaths(command.payload, await this.secrets.allValues(manager));
    if (fields.length === 0) return proceed(undefined);
    return refuse(
      TransferError.refused([
        {
          code: RejectionCode.POLICY_DENIED,
          message: 'the message holds a value this node keeps as a local secret: it is never sent',
          rule: CaseFactRule.LOCAL_SECRET,
          fields,
        },
      ]),
    );
  }

  /** Schema: the payload as the catalogue validates it for its type (and the envelope's legal basis). */
  checkSchema({ command, head }: Draft): SendStep<Record<string, unknown>> {
    const checked = validatePayload(command.type, command.payload, head);
    if (!checked.ok) return refuse(TransferError.invalid(checked.errors));
    return proceed(checked.payload as unknown as Record<string, unknown>);
  }

  /**
   * Rules: the case exists here (locked when `lock`: it holds the row for the send's writes), the recipient is
   * a participant that accepts the type, not this node, and a technical type is the node's own; VITAL_INTEREST
   * only for the types it may carry (refused first: it is the coordinator's choice, not the case's).
   */
  async checkRules(manager: EntityManager, { command }: Draft, lock: boolean): Promise<SendStep<Parties>> {
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
      return refuse(
        TransferError.refused([
          {
            code: RejectionCode.POLICY_DENIED,
            message: 'VITAL_INTEREST is a legal basis for EMERGENCY_ALERT and its acknowledgement only',
          },
        ]),
      );
    }
    if (!rules.allow || !caseRow || !recipient)
      return refuse(TransferError.refused(rules.allow ? [] : rules.reasons));
    return proceed({ caseRow, recipient });
  }

  /** Lifecycle: the case's lifecycle allows this message to this country (the entry the receiver uses too). */
  async checkLifecycle(
    manager: EntityManager,
    { command, head }: Draft,
    { caseRow }: Parties,
    payload: Record<string, unknown>,
  ): Promise<SendStep<SentChange>> {
    const event: LifecycleEvent = {
      type: command.type,
      direction: 'SENT',
      counterpart: command.to,
      payload,
      inReplyTo: head.inReplyTo,
    };
    const decision = await this.lifecycle.decide(manager, caseRow, event);
    if (!decision.allow) return refuse(TransferError.contradicts(decision.reasons));
    return proceed({ event, decision });
  }

  /**
   * Gates: consent and risk (TransferGate, which may redact) and the use restrictions, every reason of all
   * of them at once, so a coordinator sees everything that stands in the way.
   */
  async checkGates(
    manager: EntityManager,
    { command, head, sentAt }: Draft,
    { caseRow }: Parties,
    payload: Record<string, unknown>,
  ): Promise<SendStep<Cleared>> {
    const gate = await this.gate.decide(manager, {
      case: caseRow,
      type: command.type,
      to: command.to,
      legalBasis: command.legalBasis,
      payload,
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
    const restrictions = [...new Set(command.restrictions ?? [])].sort();
    const restricted = decideOutboundRestrictions({
      type: command.type,
      to: command.to,
      chosen: restrictions,
      recipientAnnounces: this.directory.announces(command.to, USE_RESTRICTIONS_EXTENSION),
      received: await this.records.receivedRestrictions(manager, command.caseRef),
    });
    const refusals = [...(gate.allow ? [] : gate.reasons), ...restricted];
    if (!gate.allow || refusals.length > 0) return refuse(TransferError.refused(refusals));
    return proceed({ gate, restrictions });
  }

  /**
   * Envelope: the head with the consent summary, the restrictions and the language, valid by the envelope's
   * rules; a redacted payload is validated again (what is left must still be a valid message).
   */
  checkEnvelope(
    { command, head }: Draft,
    { recipient }: Parties,
    { gate, restrictions }: Cleared,
  ): SendStep<Envelope> {
    const language = envelopeLanguage({
      type: command.type,
      chosen: command.language,
      own: this.directory.find(this.config.country)?.languages ?? [],
      recipientExtensions: recipient.extensions,
    });
    const envelope: Envelope = {
      ...head,
      ...(gate.consent ? { consent: consentSummary(gate.consent) } : {}),
      ...(restrictions.length > 0 ? { restrictions } : {}),
      ...(language ? { language } : {}),
    };
    const errors = [...envelopeRuleErrors(envelope)];
    if (gate.redacted.length > 0) {
      const again = validatePayload(command.type, gate.payload, envelope);
      if (!again.ok) errors.push(...again.errors);
    }
    return errors.length > 0 ? refuse(TransferError.invalid(errors)) : proceed(envelope);
  }

  /**
   * Seal: the payload sealed for the recipient and the body signed, within the size peers accept (they refuse
   * larger bodies, TOO_LARGE, for good: say so now, before anything is written).
   */
  seal(
    { command, sentAt }: Draft,
    { recipient }: Parties,
    { gate }: Cleared,
    envelope: Envelope,
  ): SendStep<WireMessage> {
    const wire = encodeMessage(
      { ...envelope, type: command.type, sentAt, inReplyTo: envelope.inReplyTo, payload: gate.payload },
      recipient,
      this.keys,
    );
    if (wire.body.length <= this.config.maxMessageBytes) return proceed(wire);
    return refuse(
      TransferError.invalid([
        {
          path: 'payload',
          constraints: [
            `maxMessageBytes: sealed and signed, the message would be ${wire.body.length} bytes; ` +
              `participants accept at most ${this.config.maxMessageBytes} (TRM_MAX_MESSAGE_BYTES)`,
          ],
        },
      ]),
    );
  }
}
