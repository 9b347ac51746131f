import { RejectionCode } from '../messages/rejection-codes';
import type { MessageType } from '../messages/message-types';
import { isTechnicalType } from '../messages/message-types';
import type { PolicyReason } from './transfer.policy';

/**
 * Use restrictions (docs/protocol.md, "Use restrictions"): conditions a sender puts on the personal data of a
 * message, carried in the envelope's optional `restrictions` and stored with the data by the receiver.
 * - NO_ONWARD_SHARING: the receiver sends none of the case's personal data on to a third country (enforced).
 * - NO_IMMIGRATION_ENFORCEMENT: the data may not be used for immigration enforcement (recorded, shown, audited).
 * - ASSISTANCE_ONLY: the data serves the person's assistance and protection only (recorded, shown, audited).
 */
export const USE_RESTRICTIONS = [
  'NO_ONWARD_SHARING',
  'NO_IMMIGRATION_ENFORCEMENT',
  'ASSISTANCE_ONLY',
] as const;
export type UseRestriction = (typeof USE_RESTRICTIONS)[number];

/** The directory announcement (a participant's `extensions`) that says it knows and enforces restrictions. */
export const USE_RESTRICTIONS_EXTENSION = 'USE_RESTRICTIONS';

/** The `rule` of a refusal or rejection decided here, beside the protocol's code (labelled in the console). */
export enum UseRestrictionRule {
  RESTRICTION_UNKNOWN = 'RESTRICTION_UNKNOWN',
  RESTRICTION_NOT_ANNOUNCED = 'RESTRICTION_NOT_ANNOUNCED',
  RESTRICTION_NO_ONWARD_SHARING = 'RESTRICTION_NO_ONWARD_SHARING',
}

/** Messages a country must get whatever was restricted: they tell it to stop using data, never add any. */
const ALWAYS_ONWARD: readonly MessageType[] = ['CONSENT_WITHDRAWN', 'CASE_CLOSED'];

export function isKnownRestriction(value: string): value is UseRestriction {
  return (USE_RESTRICTIONS as readonly string[]).includes(value);
}

/**
 * A receiver's check of an envelope's `restrictions`: a value it does not know is a condition it cannot
 * honour, so the message is refused (POLICY_DENIED, rule RESTRICTION_UNKNOWN) rather than the value ignored.
 */
export function unknownRestrictionReasons(restrictions: readonly string[] | undefined): PolicyReason[] {
  const unknown = (restrictions ?? []).filter((r) => !isKnownRestriction(r));
  if (unknown.length === 0) return [];
  return [
    {
      code: RejectionCode.POLICY_DENIED,
      rule: UseRestrictionRule.RESTRICTION_UNKNOWN,
      message: `RESTRICTION_UNKNOWN: this node does not know the use restriction ${unknown.join(', ')}`,
    },
  ];
}

/** What this node received on the case, and from whom: one entry per message that carried restrictions. */
export interface ReceivedRestrictions {
  from: string;
  restrictions: readonly string[];
}

/** The case's restrictions by the country that set them (the union of what each sent), sorted. */
export function restrictionsBySender(received: readonly ReceivedRestrictions[]): Record<string, string[]> {
  const by: Record<string, Set<string>> = {};
  for (const r of received) for (const value of r.restrictions) (by[r.from] ??= new Set()).add(value);
  return Object.fromEntries(
    Object.keys(by)
      .sort()
      .map((from) => [from, [...by[from]].sort()]),
  );
}

export interface OutboundRestrictionFacts {
  type: MessageType;
  to: string;
  /** The restrictions the coordinator puts on this message. */
  chosen: readonly string[];
  /** Whether the recipient announces the extension in the directory. */
  recipientAnnounces: boolean;
  /** Every restricted message this node received on the case. */
  received: readonly ReceivedRestrictions[];
}

/**
 * Whether a message may leave under the case's restrictions. Data received under NO_ONWARD_SHARING may go
 * back to the country that sent it, never to a third one: every personal-data message on the case to
 * another country is refused (the node cannot tell which fields came from where, so the whole case counts).
 * Restrictions are only put on messages to a participant that announces it knows them.
 */
export function decideOutboundRestrictions(facts: OutboundRestrictionFacts): PolicyReason[] {
  const reasons: PolicyReason[] = [];
  if (facts.chosen.length > 0 && !facts.recipientAnnounces) {
    reasons.push({
      code: RejectionCode.NOT_ACCEPTED,
      rule: UseRestrictionRule.RESTRICTION_NOT_ANNOUNCED,
      message: `${facts.to} does not announce use restrictions: send without them, or not at all`,
    });
  }
  if (isTechnicalType(facts.type) || ALWAYS_ONWARD.includes(facts.type)) return reasons;
  const owners = Object.entries(restrictionsBySender(facts.received))
    .filter(([from, values]) => from !== facts.to && values.includes('NO_ONWARD_SHARING'))
    .map(([from]) => from);
  if (owners.length > 0) {
    reasons.push({
      code: RejectionCode.POLICY_DENIED,
      rule: UseRestrictionRule.RESTRICTION_NO_ONWARD_SHARING,
      message: `${owners.join(', ')} shared this case's data under NO_ONWARD_SHARING: it may not go on to ${facts.to}`,
    });
  }
  return reasons;
}
