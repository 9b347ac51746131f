import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { NODE_CONFIG, NodeConfig } from '../config/config';
import { KeyStore } from '../crypto/key-store';
import { seal } from '../crypto/trm-crypto';
import { MESSAGE_TYPES } from '../messages/message-types';
import { AgencyVisibility } from '../transfers/agency-visibility';
import { AcceptedMessage, Effects } from '../common/effects';
import { MessageRecordsRepository } from '../transfers/message-records.repository';
import type { SendResult } from '../transfers/outbound.service';
import { AgenciesRepository, Submission } from './agencies.repository';
import {
  AGENCY_CONTRACT_VERSION,
  AgencyReplyKind,
  AgencySubmissionDto,
  answerAad,
  Refusal,
} from './agency-contract';
import { AgencyRepliesRepository } from './agency-replies.repository';
import { UUID } from '../common/validation';

/**
 * Writes what an agency hears back, always inside the transaction of the event that causes it: the outcome
 * of its submission, then the peer's receipt or rejection of the message, then the peer's answers to it.
 * Bodies carry metadata and codes; an answer's payload travels sealed for the agency's own key.
 */
@Injectable()
export class AgencyReplies implements OnModuleInit {
  constructor(
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
    private readonly keys: KeyStore,
    private readonly agencies: AgenciesRepository,
    private readonly replies: AgencyRepliesRepository,
    private readonly effects: Effects,
    private readonly records: MessageRecordsRepository,
    private readonly visibility: AgencyVisibility,
  ) {}

  /** Every accepted inbound message may answer one an agency submitted (checkpoints answer nothing). */
  onModuleInit(): void {
    this.effects.onMany(
      'message.received',
      (manager, messages) => this.relayAll(manager, messages),
      MESSAGE_TYPES.filter((type) => type !== 'AUDIT_CHECKPOINT'),
    );
  }

  async accepted(
    manager: EntityManager,
    agency: string,
    replyId: string,
    request: AgencySubmissionDto,
    sent: SendResult,
  ): Promise<void> {
    await this.enqueue(manager, agency, replyId, 'SUBMISSION_ACCEPTED', request.requestId, {
      messageId: sent.record.id,
      caseRef: request.caseRef,
      type: request.type,
      to: request.to,
      status: sent.record.status,
      redacted: sent.redacted,
    });
  }

  async refused(manager: EntityManager, agency: string, replyId: string, refusal: Refusal): Promise<void> {
    await this.enqueue(manager, agency, replyId, 'SUBMISSION_REFUSED', refusal.requestId ?? null, {
      code: refusal.code,
      message: refusal.message,
      ...(refusal.fields ? { fields: refusal.fields } : {}),
      ...(refusal.reasons ? { reasons: refusal.reasons } : {}),
    });
  }

  async repeat(manager: EntityManager, submission: Submission): Promise<void> {
    await this.replies.requeueCopyOf(manager, submission.replyId);
  }

  /**
   * Peers' receipts, rejections or answers to messages agencies submitted go to those agencies: the
   * submissions of a batch's answers are looked up in one statement.
   */
  private async relayAll(manager: EntityManager, messages: AcceptedMessage[]): Promise<void> {
    // inReplyTo comes from a peer: only a UUID can name one of our messages (and reach a uuid column).
    const answers = messages.filter(({ envelope }) => envelope.inReplyTo && UUID.test(envelope.inReplyTo));
    if (answers.length === 0) return;
    const submissions = await this.agencies.submissionsOfMessages(
      manager,
      answers.map(({ envelope }) => envelope.inReplyTo!),
    );
    for (const message of answers) {
      const submission = submissions.find((s) => s.messageId === message.envelope.inReplyTo);
      if (submission) await this.relay(manager, message, submission);
    }
  }

  /** A peer's receipt, rejection or answer to a message an agency submitted goes to that agency. */
  private async relay(
    manager: EntityManager,
    message: AcceptedMessage,
    submission: Submission,
  ): Promise<void> {
    const { envelope, payload } = message;
    const sent = submission.messageId ? await this.records.find(manager, submission.messageId) : null;
    // Only the country the message went to answers it; anything else is not the agency's business.
    if (sent?.direction !== 'OUTBOUND' || sent.counterpart !== envelope.from) return;
    const agency = await this.agencies.byCode(manager, submission.agency);
    if (!agency?.active) return;
    const about = {
      messageId: submission.messageId,
      caseRef: envelope.caseRef,
      type: sent.type,
      to: envelope.from,
    };
    const replyId = uuidv7();
    if (envelope.type === 'DELIVERY_RECEIPT') {
      await this.enqueue(manager, agency.code, replyId, 'DELIVERY_RECEIPT', submission.requestId, about);
    } else if (envelope.type === 'DELIVERY_REJECTED') {
      // The code only: the peer's reason is free text, and reply bodies are signed, not encrypted.
      const rejected = payload as { reasonCode: string };
      await this.enqueue(manager, agency.code, replyId, 'DELIVERY_REJECTED', submission.requestId, {
        ...about,
        reasonCode: rejected.reasonCode,
      });
    } else if (await this.visibility.answersWithheld(manager, agency.code, sent.caseRef)) {
      // Consent withdrawn or the grant revoked: the agency learns that an answer came, not what it says.
      await this.enqueue(manager, agency.code, replyId, 'ANSWER', submission.requestId, {
        ...about,
        answer: { id: envelope.id, type: envelope.type, from: envelope.from, sentAt: envelope.sentAt },
        withheld: true,
      });
    } else {
      const sealed = seal(
        Buffer.from(JSON.stringify(payload), 'utf8'),
        { keyId: agency.encryptionKeyId, publicKey: agency.encryptionPublicKey },
        answerAad(
          { replyId, type: envelope.type, caseRef: envelope.caseRef },
          this.config.country,
          agency.code,
        ),
      );
      await this.enqueue(manager, agency.code, replyId, 'ANSWER', submission.requestId, {
        ...about,
        answer: { id: envelope.id, type: envelope.type, from: envelope.from, sentAt: envelope.sentAt },
        sealed,
      });
    }
  }

  /** Builds the body, signs its exact bytes with the node's key, and queues it in the caller's transaction. */
  private async enqueue(
    manager: EntityManager,
    agency: string,
    replyId: string,
    kind: AgencyReplyKind,
    requestId: string | null,
    content: object,
  ): Promise<void> {
    const body = Buffer.from(
      JSON.stringify({
        version: AGENCY_CONTRACT_VERSION,
        replyId,
        kind,
        node: this.config.country,
        agency,
        requestId,
        sentAt: new Date().toISOString(),
        ...content,
      }),
      'utf8',
    );
    await this.replies.enqueue(manager, {
      replyId,
      agency,
      kind,
      correlationId: requestId,
      body,
      headers: { 'x-trm-key-id': this.keys.signingKeyId, 'x-trm-signature': this.keys.sign(body) },
    });
  }
}
