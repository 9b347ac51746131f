import { RejectionCode } from '../messages/rejection-codes';
import { isTechnicalType, MessageType } from '../messages/message-types';

/** A rule's verdict, with every reason a coordinator or a peer needs to fix the message. */
export type Decision = { allow: true } | { allow: false; reasons: PolicyReason[] };

export interface PolicyReason {
  code: RejectionCode;
  /** Plain text without personal data: it travels in DELIVERY_REJECTED and into logs. */
  message: string;
  /** A consent scope the message needs and the consent lacks, with the payload fields that need it. */
  scope?: string;
  fields?: string[];
  /** A coordinator may override this refusal with a written reason (risk HIGH). */
  overridable?: boolean;
  /**
   * The rule of the case's facts that refused (ASYLUM_CLAIM_PENDING, THREAT_REVIEW_PENDING, FAMILY_INVOLVED,
   * FAMILY_THREATENED: src/cases/case-facts.policy.ts), beside the protocol's code. Never on the wire.
   */
  rule?: string;
}

/** The case as far as the transfer rules care: whether this node holds it. */
export type CaseFacts = object;

export interface OutboundFacts {
  self: string;
  type: MessageType;
  to: string;
  /** undefined: the recipient is not in the directory. */
  recipientAccepts: boolean | undefined;
  case: CaseFacts | null;
}

export interface InboundFacts {
  type: MessageType;
  caseRef: string | null;
  selfAccepts: boolean;
  sentAt: Date;
  now: Date;
  maxAgeMs: number;
  maxSkewMs: number;
  /** A RISK_ASSESSMENT_RESULT's assessedAt: dated in the future, it would outrank every later assessment. */
  assessedAt?: Date;
}

const deny = (code: RejectionCode, message: string): PolicyReason => ({ code, message });

function decision(reasons: PolicyReason[]): Decision {
  return reasons.length === 0 ? { allow: true } : { allow: false, reasons };
}

/** What the node itself checks before it stores and queues a message for sending. */
export function decideOutbound(facts: OutboundFacts): Decision {
  const reasons: PolicyReason[] = [];
  if (facts.to === facts.self)
    reasons.push(deny(RejectionCode.NOT_ADDRESSED_TO_ME, 'a node does not send to itself'));
  else if (facts.recipientAccepts === undefined) {
    reasons.push(deny(RejectionCode.NOT_ACCEPTED, `${facts.to} is not a participant in the directory`));
  } else if (!facts.recipientAccepts) {
    reasons.push(deny(RejectionCode.NOT_ACCEPTED, `${facts.to} does not accept ${facts.type}`));
  }
  if (isTechnicalType(facts.type)) {
    reasons.push(
      deny(RejectionCode.POLICY_DENIED, `${facts.type} is sent by the node itself, not on request`),
    );
  }
  // What the case's state allows is the case lifecycle's to decide (src/cases/case-lifecycle.policy.ts).
  if (!facts.case) reasons.push(deny(RejectionCode.CASE_STATE_CONFLICT, 'no such case on this node'));
  return decision(reasons);
}

/** What a receiver checks once a message is authentic, addressed to it, and valid against its schema. */
export function decideInbound(facts: InboundFacts): Decision {
  const reasons: PolicyReason[] = [];
  if (!facts.selfAccepts)
    reasons.push(deny(RejectionCode.NOT_ACCEPTED, `this node does not accept ${facts.type}`));
  const age = facts.now.getTime() - facts.sentAt.getTime();
  if (age > facts.maxAgeMs) reasons.push(deny(RejectionCode.STALE, 'sentAt is older than this node accepts'));
  if (-age > facts.maxSkewMs) reasons.push(deny(RejectionCode.STALE, 'sentAt lies in the future'));
  if (facts.assessedAt && facts.assessedAt.getTime() - facts.now.getTime() > facts.maxSkewMs)
    reasons.push(deny(RejectionCode.STALE, 'the assessment’s assessedAt lies in the future'));
  // Receipts and rejections carry the caseRef of what they answer: null when that was a checkpoint.
  if (facts.caseRef === null && !isTechnicalType(facts.type)) {
    reasons.push(deny(RejectionCode.SCHEMA_INVALID, `${facts.type} must carry a caseRef`));
  }
  return decision(reasons);
}
