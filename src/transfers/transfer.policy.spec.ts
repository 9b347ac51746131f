import { RejectionCode } from '../messages/rejection-codes';
import { decideInbound, decideOutbound, InboundFacts, OutboundFacts } from './transfer.policy';

const open = { status: 'OPEN' as const };

describe('decideOutbound', () => {
  const base: OutboundFacts = {
    self: 'FR',
    type: 'REFERRAL_REQUEST',
    to: 'MK',
    recipientAccepts: true,
    case: open,
  };

  it.each<[string, Partial<OutboundFacts>, RejectionCode[]]>([
    ['a valid send', {}, []],
    ['to itself', { to: 'FR' }, [RejectionCode.NOT_ADDRESSED_TO_ME]],
    ['to a country outside the directory', { recipientAccepts: undefined }, [RejectionCode.NOT_ACCEPTED]],
    ['a type the recipient does not accept', { recipientAccepts: false }, [RejectionCode.NOT_ACCEPTED]],
    ['a technical type on request', { type: 'DELIVERY_RECEIPT' }, [RejectionCode.POLICY_DENIED]],
    ['on a case this node does not have', { case: null }, [RejectionCode.CASE_STATE_CONFLICT]],
    [
      'several faults at once',
      { to: 'FR', case: null },
      [RejectionCode.NOT_ADDRESSED_TO_ME, RejectionCode.CASE_STATE_CONFLICT],
    ],
  ])('%s', (_, change, expected) => {
    const decision = decideOutbound({ ...base, ...change });
    expect(decision.allow ? [] : decision.reasons.map((r) => r.code)).toEqual(expected);
  });

  it('gives reasons that name the type and the country, never a payload', () => {
    const decision = decideOutbound({ ...base, recipientAccepts: false });
    expect(decision).toEqual({
      allow: false,
      reasons: [{ code: RejectionCode.NOT_ACCEPTED, message: 'MK does not accept REFERRAL_REQUEST' }],
    });
  });
});

describe('decideInbound', () => {
  const now = new Date('2026-11-23T12:00:00.000Z');
  const base: InboundFacts = {
    type: 'REFERRAL_REQUEST',
    caseRef: 'TRM-FR-2026-000001',
    selfAccepts: true,
    sentAt: new Date('2026-11-23T11:59:00.000Z'),
    now,
    maxAgeMs: 30 * 86_400_000,
    maxSkewMs: 300_000,
  };

  it.each<[string, Partial<InboundFacts>, RejectionCode[]]>([
    ['a valid message', {}, []],
    ['a type this node does not accept', { selfAccepts: false }, [RejectionCode.NOT_ACCEPTED]],
    ['sent 31 days ago', { sentAt: new Date('2026-10-23T11:00:00.000Z') }, [RejectionCode.STALE]],
    [
      'sent 29 days ago (a node back from a long outage)',
      { sentAt: new Date('2026-10-25T12:00:00.000Z') },
      [],
    ],
    [
      'sent 10 minutes in the future',
      { sentAt: new Date('2026-11-23T12:10:00.000Z') },
      [RejectionCode.STALE],
    ],
    ['sent 4 minutes in the future (clock skew)', { sentAt: new Date('2026-11-23T12:04:00.000Z') }, []],
    ['no caseRef on a case message', { caseRef: null }, [RejectionCode.SCHEMA_INVALID]],
    ['an audit checkpoint without a case', { type: 'AUDIT_CHECKPOINT', caseRef: null }, []],
    ['the receipt of a checkpoint, without a case', { type: 'DELIVERY_RECEIPT', caseRef: null }, []],
    ['the rejection of a checkpoint, without a case', { type: 'DELIVERY_REJECTED', caseRef: null }, []],
  ])('%s', (_, change, expected) => {
    const decision = decideInbound({ ...base, ...change });
    expect(decision.allow ? [] : decision.reasons.map((r) => r.code)).toEqual(expected);
  });
});
