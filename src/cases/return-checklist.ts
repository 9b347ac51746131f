/**
 * The return handshake of the TRM guidelines (domain.md, "The four notifications"), derived from the messages
 * on the case rather than kept twice: the request for assistance (a REFERRAL_REQUEST for SOP 4), its
 * confirmation by the receiving organisation (REFERRAL_CONFIRMATION, which carries the eligibility decision,
 * or REFERRAL_DECLINED), the reintegration assistance request and its confirmation. Pure.
 */

/** A message on the case as the checklist needs it (a message record satisfies it). */
export interface CaseMessage {
  id: string;
  type: string;
  direction: 'OUTBOUND' | 'INBOUND';
  counterpart: string;
  inReplyTo: string | null;
  status: string;
  createdAt: Date;
  payload: object | null;
}

export interface Notification {
  messageId: string;
  type: string;
  /** SENT by this node or RECEIVED from the counterpart. */
  direction: 'SENT' | 'RECEIVED';
  counterpart: string;
  at: string;
  /** The delivery status of the message on this node (QUEUED, SENT, DELIVERED, ACCEPTED). */
  status: string;
}

export interface ReturnChecklist {
  requestForAssistance: Notification | null;
  requestConfirmation: Notification | null;
  reintegrationRequest: Notification | null;
  reintegrationConfirmation: Notification | null;
  /** The receiving organisation's decision: true or false once it answered, null while it has not. */
  eligible: boolean | null;
  /** From the latest return plan, else from the request for assistance. */
  estimatedDeparture: string | null;
  /** All four notifications exchanged, and the person found eligible. */
  complete: boolean;
}

const field = (m: CaseMessage | undefined, name: string): unknown =>
  m?.payload ? (m.payload as Record<string, unknown>)[name] : undefined;

function notification(m: CaseMessage | undefined): Notification | null {
  if (!m) return null;
  return {
    messageId: m.id,
    type: m.type,
    direction: m.direction === 'OUTBOUND' ? 'SENT' : 'RECEIVED',
    counterpart: m.counterpart,
    at: m.createdAt.toISOString(),
    status: m.status,
  };
}

/** The answer to `request`: by inReplyTo, else the first of `types` from the other side after it. */
function answerTo(
  messages: CaseMessage[],
  request: CaseMessage | undefined,
  types: string[],
): CaseMessage | undefined {
  if (!request) return undefined;
  const candidates = messages.filter(
    (m) =>
      types.includes(m.type) &&
      m.counterpart === request.counterpart &&
      m.direction !== request.direction &&
      m.createdAt >= request.createdAt,
  );
  return candidates.find((m) => m.inReplyTo === request.id) ?? candidates[0];
}

const latest = (messages: CaseMessage[], predicate: (m: CaseMessage) => boolean): CaseMessage | undefined =>
  messages.filter(predicate).at(-1);

/** `messages` in time order; a message the peer rejected never counts. */
export function returnChecklist(all: readonly CaseMessage[]): ReturnChecklist {
  const messages = all.filter((m) => m.status !== 'REJECTED');
  const request = latest(messages, (m) => m.type === 'REFERRAL_REQUEST' && field(m, 'requestedSop') === 4);
  const confirmation = answerTo(messages, request, ['REFERRAL_CONFIRMATION', 'REFERRAL_DECLINED']);
  const reintegration = latest(messages, (m) => m.type === 'REINTEGRATION_REQUEST');
  const reintegrated = answerTo(messages, reintegration, ['REINTEGRATION_CONFIRMATION']);
  const plan = latest(messages, (m) => m.type === 'RETURN_PLAN');
  const departure = field(plan, 'estimatedDeparture') ?? field(request, 'estimatedDeparture');
  const eligible = !confirmation
    ? null
    : confirmation.type === 'REFERRAL_DECLINED'
      ? false
      : field(confirmation, 'eligible') === true;
  return {
    requestForAssistance: notification(request),
    requestConfirmation: notification(confirmation),
    reintegrationRequest: notification(reintegration),
    reintegrationConfirmation: notification(reintegrated),
    eligible,
    estimatedDeparture: typeof departure === 'string' ? departure : null,
    complete: eligible === true && reintegrated !== undefined && field(reintegrated, 'accepted') === true,
  };
}
