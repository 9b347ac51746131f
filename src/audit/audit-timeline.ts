import type { AuditEntryRow } from './audit.repository';

/** One message's way through the pipeline, as the log tells it. */
export interface MessageTrail {
  messageId: string;
  messageType: string | null;
  counterpart: string | null;
  direction: 'OUTBOUND' | 'INBOUND' | null;
  /** The last step recorded, e.g. RECEIPT_RECEIVED. */
  lastAction: string;
  steps: Array<{
    seq: string;
    at: string;
    action: string;
    decision: string | null;
    reasonCode: string | null;
  }>;
}

export interface CaseTimeline {
  caseRef: string;
  /** Every entry of the case in time order. */
  entries: AuditEntryRow[];
  /** The entries grouped by message. */
  messages: MessageTrail[];
  /** The entries that carry a decision (policy, consent, risk), in time order. */
  decisions: AuditEntryRow[];
  /** True when the case has more entries than one timeline shows. */
  truncated: boolean;
}

const OUTBOUND_STEPS = new Set([
  'MESSAGE_QUEUED',
  'MESSAGE_REFUSED',
  'MESSAGE_PUBLISHED',
  'MESSAGE_CANCELLED',
  'RECEIPT_RECEIVED',
  'REJECTION_RECEIVED',
]);
const INBOUND_STEPS = new Set([
  'MESSAGE_RECEIVED',
  'MESSAGE_REJECTED',
  'MESSAGE_DEAD_LETTERED',
  'DUPLICATE_RECEIVED',
]);

/** Groups a case's entries (already in time order) into per-message trails and decisions. */
export function buildTimeline(caseRef: string, entries: AuditEntryRow[], truncated: boolean): CaseTimeline {
  const trails = new Map<string, MessageTrail>();
  for (const entry of entries) {
    if (!entry.messageId) continue;
    let trail = trails.get(entry.messageId);
    if (!trail) {
      trail = {
        messageId: entry.messageId,
        messageType: entry.messageType,
        counterpart: entry.counterpart,
        direction: null,
        lastAction: entry.action,
        steps: [],
      };
      trails.set(entry.messageId, trail);
    }
    trail.messageType ??= entry.messageType;
    trail.counterpart ??= entry.counterpart;
    trail.direction ??= OUTBOUND_STEPS.has(entry.action)
      ? 'OUTBOUND'
      : INBOUND_STEPS.has(entry.action)
        ? 'INBOUND'
        : null;
    trail.lastAction = entry.action;
    trail.steps.push({
      seq: entry.seq,
      at: entry.at,
      action: entry.action,
      decision: entry.decision,
      reasonCode: entry.reasonCode,
    });
  }
  return {
    caseRef,
    entries,
    messages: [...trails.values()],
    decisions: entries.filter((entry) => entry.decision !== null),
    truncated,
  };
}
