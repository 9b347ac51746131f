import { examplePayload, EXAMPLES_WRITTEN_FOR } from '../messages/examples';
import type { MessageType } from '../messages/message-types';
import { CaseMessage, returnChecklist } from './return-checklist';

// Seen from France: FR refers the child to MK for return (SOP 4), MK confirms, then reintegration.

let clock = Date.parse('2026-11-23T10:00:00.000Z');
let counter = 0;

function message(
  type: MessageType,
  direction: 'OUTBOUND' | 'INBOUND',
  change: Record<string, unknown> = {},
  extra: Partial<CaseMessage> = {},
): CaseMessage {
  clock += 60_000;
  counter += 1;
  return {
    id: `m${counter}`,
    type,
    direction,
    counterpart: 'MK',
    inReplyTo: null,
    status: direction === 'OUTBOUND' ? 'DELIVERED' : 'ACCEPTED',
    createdAt: new Date(clock),
    payload: { ...(examplePayload(type, EXAMPLES_WRITTEN_FOR) as object), ...change },
    ...extra,
  };
}

describe('returnChecklist', () => {
  it('is empty on a case with no return', () => {
    expect(returnChecklist([message('CASE_UPDATE', 'OUTBOUND')])).toEqual({
      requestForAssistance: null,
      requestConfirmation: null,
      reintegrationRequest: null,
      reintegrationConfirmation: null,
      eligible: null,
      estimatedDeparture: null,
      complete: false,
    });
  });

  it('ticks the four notifications in turn, with ids, dates, eligibility and departure', () => {
    const request = message('REFERRAL_REQUEST', 'OUTBOUND');
    const confirmation = message('REFERRAL_CONFIRMATION', 'INBOUND', {}, { inReplyTo: request.id });
    const plan = message('RETURN_PLAN', 'OUTBOUND', { estimatedDeparture: '2026-12-06T08:00:00.000Z' });
    const reintegration = message('REINTEGRATION_REQUEST', 'OUTBOUND');
    const reintegrated = message(
      'REINTEGRATION_CONFIRMATION',
      'INBOUND',
      {},
      { inReplyTo: reintegration.id },
    );

    const halfway = returnChecklist([request, confirmation]);
    expect(halfway).toMatchObject({
      requestForAssistance: {
        messageId: request.id,
        direction: 'SENT',
        counterpart: 'MK',
        status: 'DELIVERED',
      },
      requestConfirmation: {
        messageId: confirmation.id,
        direction: 'RECEIVED',
        at: confirmation.createdAt.toISOString(),
      },
      reintegrationRequest: null,
      eligible: true,
      estimatedDeparture: '2026-12-05T09:30:00+01:00',
      complete: false,
    });

    const done = returnChecklist([request, confirmation, plan, reintegration, reintegrated]);
    expect(done).toMatchObject({
      reintegrationRequest: { messageId: reintegration.id },
      reintegrationConfirmation: { messageId: reintegrated.id, type: 'REINTEGRATION_CONFIRMATION' },
      estimatedDeparture: '2026-12-06T08:00:00.000Z',
      complete: true,
    });
  });

  it('records a decision that the person is not eligible, and a declined request', () => {
    const request = message('REFERRAL_REQUEST', 'OUTBOUND');
    const notEligible = message('REFERRAL_CONFIRMATION', 'INBOUND', { eligible: false });
    expect(returnChecklist([request, notEligible]).eligible).toBe(false);
    const declined = message('REFERRAL_DECLINED', 'INBOUND');
    expect(returnChecklist([request, declined])).toMatchObject({
      requestConfirmation: { type: 'REFERRAL_DECLINED' },
      eligible: false,
    });
  });

  it('is not complete when reintegration was refused', () => {
    const request = message('REFERRAL_REQUEST', 'OUTBOUND');
    const confirmation = message('REFERRAL_CONFIRMATION', 'INBOUND');
    const reintegration = message('REINTEGRATION_REQUEST', 'OUTBOUND');
    const refused = message('REINTEGRATION_CONFIRMATION', 'INBOUND', { accepted: false });
    expect(returnChecklist([request, confirmation, reintegration, refused]).complete).toBe(false);
  });

  it('counts only a referral for SOP 4 as the request for assistance', () => {
    const firstAssistance = message('REFERRAL_REQUEST', 'OUTBOUND', { requestedSop: 2 });
    expect(returnChecklist([firstAssistance]).requestForAssistance).toBeNull();
  });

  it('ignores what the peer rejected, and answers from another country or from this side', () => {
    const rejected = message('REFERRAL_REQUEST', 'OUTBOUND', {}, { status: 'REJECTED' });
    expect(returnChecklist([rejected]).requestForAssistance).toBeNull();
    const request = message('REFERRAL_REQUEST', 'OUTBOUND');
    const fromItaly = message('REFERRAL_CONFIRMATION', 'INBOUND', {}, { counterpart: 'IT' });
    const ownSide = message('REFERRAL_CONFIRMATION', 'OUTBOUND');
    expect(returnChecklist([request, fromItaly, ownSide])).toMatchObject({
      requestConfirmation: null,
      eligible: null,
    });
  });

  it('prefers the confirmation that names the request by inReplyTo', () => {
    const request = message('REFERRAL_REQUEST', 'OUTBOUND');
    const other = message('REFERRAL_CONFIRMATION', 'INBOUND', { eligible: false });
    const named = message('REFERRAL_CONFIRMATION', 'INBOUND', {}, { inReplyTo: request.id });
    expect(returnChecklist([request, other, named])).toMatchObject({
      requestConfirmation: { messageId: named.id },
      eligible: true,
    });
  });

  it('reads the same from the receiving side (MK received the request and sent the confirmation)', () => {
    const request = message('REFERRAL_REQUEST', 'INBOUND', {}, { counterpart: 'FR' });
    const confirmation = message('REFERRAL_CONFIRMATION', 'OUTBOUND', {}, { counterpart: 'FR' });
    expect(returnChecklist([request, confirmation])).toMatchObject({
      requestForAssistance: { direction: 'RECEIVED', counterpart: 'FR' },
      requestConfirmation: { direction: 'SENT' },
      eligible: true,
    });
  });
});
