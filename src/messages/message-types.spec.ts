import { readVectors } from '../../test/vectors/vectors';
import {
  EXTENSION_TYPES,
  isExtensionType,
  isInReplyToRequired,
  isMessageType,
  isTechnicalType,
  laneOf,
  MESSAGE_TYPES,
  MessageType,
  REPLY_TYPES,
  requestTypesAnsweredBy,
  routingKey,
  SOP_OF_TYPE,
  TECHNICAL_TYPES,
} from './message-types';

describe('message types', () => {
  it('lists the 23 v1 types and the ten extensions once each', () => {
    expect(MESSAGE_TYPES).toHaveLength(33);
    expect(new Set(MESSAGE_TYPES).size).toBe(33);
    expect(MESSAGE_TYPES.filter((type) => !isExtensionType(type))).toHaveLength(23);
    expect([...EXTENSION_TYPES].sort()).toEqual(
      [
        'EMERGENCY_ALERT_ACKNOWLEDGEMENT',
        'MISSING_PERSON_SEARCH_RESULT',
        'ASSISTANCE_STEP_REPORT',
        'TRAVEL_DOCUMENT_REQUEST',
        'TRAVEL_DOCUMENT_RESULT',
        'WITNESS_APPEARANCE_REQUEST',
        'WITNESS_APPEARANCE_RESPONSE',
        'COMPLAINT_TRANSFER',
        'PROCEEDINGS_STATUS',
        'COMPENSATION_CLAIM_UPDATE',
      ].sort(),
    );
    // Every extension is a catalogue type, and no technical type is one.
    for (const type of EXTENSION_TYPES) expect(MESSAGE_TYPES).toContain(type);
    expect(EXTENSION_TYPES.filter((type) => isTechnicalType(type))).toEqual([]);
  });

  it('requires inReplyTo exactly on the acknowledgement and the answers that settle a request of their own', () => {
    expect(MESSAGE_TYPES.filter(isInReplyToRequired)).toEqual([
      'EMERGENCY_ALERT_ACKNOWLEDGEMENT',
      'TRAVEL_DOCUMENT_RESULT',
      'WITNESS_APPEARANCE_RESPONSE',
    ]);
  });

  it.each([
    ['REFERRAL_REQUEST', true],
    ['AUDIT_CHECKPOINT', true],
    ['referral_request', false],
    ['REFERRAL_REQUESTS', false],
    ['toString', false],
    ['constructor', false],
    ['', false],
    [null, false],
    [42, false],
    [['REFERRAL_REQUEST'], false],
  ])('isMessageType(%j) is %s', (candidate, expected) => {
    expect(isMessageType(candidate)).toBe(expected);
  });

  it('treats exactly receipts, rejections and checkpoints as technical', () => {
    expect(MESSAGE_TYPES.filter(isTechnicalType)).toEqual([...TECHNICAL_TYPES]);
  });

  describe('lanes and routing keys', () => {
    it.each(MESSAGE_TYPES.map((type) => [type, type === 'EMERGENCY_ALERT' ? 'urgent' : 'routine']))(
      'laneOf(%s) is %s',
      (type, lane) => {
        expect(laneOf(type as MessageType)).toBe(lane);
      },
    );

    it.each([
      ['REFERRAL_REQUEST', 'MK', 'FR', 'routine.MK.FR.REFERRAL_REQUEST'],
      ['EMERGENCY_ALERT', 'IT', 'FR', 'urgent.IT.FR.EMERGENCY_ALERT'],
      ['DELIVERY_RECEIPT', 'FR', 'MK', 'routine.FR.MK.DELIVERY_RECEIPT'],
      ['AUDIT_CHECKPOINT', 'XK', 'MK', 'routine.XK.MK.AUDIT_CHECKPOINT'],
    ] as const)('routingKey(%s, to %s, from %s) is %s', (type, to, from, key) => {
      expect(routingKey(type, to, from)).toBe(key);
    });

    it('matches the routing key of the shared test vectors', () => {
      const vectors = readVectors<{
        envelope: { type: MessageType; to: string; from: string };
        amqp: { routingKey: string };
      }>();
      const { type, to, from } = vectors.envelope;
      expect(routingKey(type, to, from)).toBe(vectors.amqp.routingKey);
    });

    it.each([
      ['mk', 'FR'],
      ['MK', 'F'],
      ['M#', 'FR'],
      ['MK.FR', 'IT'],
      ['MK', '*'],
      ['', 'FR'],
    ])('refuses participant codes that could re-route a message: to %j from %j', (to, from) => {
      expect(() => routingKey('REFERRAL_REQUEST', to, from)).toThrow(RangeError);
    });
  });

  it('maps each type to its SOP as the protocol table does', () => {
    const bySop = (sop: number | null) => MESSAGE_TYPES.filter((type) => SOP_OF_TYPE[type] === sop);
    expect(bySop(1)).toEqual([
      'REFERRAL_REQUEST',
      'REFERRAL_CONFIRMATION',
      'REFERRAL_DECLINED',
      'IDENTITY_VERIFICATION_REQUEST',
      'IDENTITY_VERIFICATION_RESULT',
    ]);
    expect(bySop(2)).toEqual([
      'EMERGENCY_ALERT',
      'EMERGENCY_ALERT_ACKNOWLEDGEMENT',
      'MISSING_PERSON_SEARCH_RESULT',
    ]);
    expect(bySop(3)).toEqual([
      'CASE_UPDATE',
      'ASSISTANCE_STEP_REPORT',
      'TRAVEL_DOCUMENT_REQUEST',
      'TRAVEL_DOCUMENT_RESULT',
    ]);
    expect(bySop(4)).toHaveLength(9);
    expect(bySop(5)).toEqual([
      'EVIDENCE_REQUEST',
      'EVIDENCE_RESPONSE',
      'WITNESS_APPEARANCE_REQUEST',
      'WITNESS_APPEARANCE_RESPONSE',
      'COMPLAINT_TRANSFER',
      'PROCEEDINGS_STATUS',
      'COMPENSATION_CLAIM_UPDATE',
    ]);
    expect(bySop(null)).toEqual(['CONSENT_WITHDRAWN', 'CASE_CLOSED', ...TECHNICAL_TYPES]);
  });

  describe('replies', () => {
    it.each([
      ['REFERRAL_REQUEST', ['REFERRAL_CONFIRMATION', 'REFERRAL_DECLINED']],
      ['IDENTITY_VERIFICATION_REQUEST', ['IDENTITY_VERIFICATION_RESULT']],
      ['RISK_ASSESSMENT_REQUEST', ['RISK_ASSESSMENT_RESULT']],
      ['FAMILY_TRACING_REQUEST', ['FAMILY_TRACING_RESULT']],
      ['RETURN_PLAN', ['RETURN_PLAN_CONFIRMATION', 'ARRIVAL_CONFIRMATION']],
      ['REINTEGRATION_REQUEST', ['REINTEGRATION_CONFIRMATION']],
      ['EVIDENCE_REQUEST', ['EVIDENCE_RESPONSE']],
      ['EMERGENCY_ALERT', ['EMERGENCY_ALERT_ACKNOWLEDGEMENT']],
      ['WITNESS_APPEARANCE_REQUEST', ['WITNESS_APPEARANCE_RESPONSE']],
      ['TRAVEL_DOCUMENT_REQUEST', ['TRAVEL_DOCUMENT_RESULT']],
      ['PROCEEDINGS_STATUS', []],
      ['COMPLAINT_TRANSFER', []],
      ['MISSING_PERSON_SEARCH_RESULT', []],
      ['DELIVERY_RECEIPT', []],
    ] as const)('%s is answered by %j', (request, replies) => {
      expect(REPLY_TYPES[request]).toEqual(replies);
    });

    it('keeps replies within the same SOP as their request', () => {
      for (const request of MESSAGE_TYPES) {
        for (const reply of REPLY_TYPES[request]) expect(SOP_OF_TYPE[reply]).toBe(SOP_OF_TYPE[request]);
      }
    });

    it.each([
      ['ARRIVAL_CONFIRMATION', ['RETURN_PLAN']],
      ['REFERRAL_DECLINED', ['REFERRAL_REQUEST']],
      ['CASE_UPDATE', []],
    ] as const)('requestTypesAnsweredBy(%s) is %j', (reply, requests) => {
      expect(requestTypesAnsweredBy(reply)).toEqual(requests);
    });
  });
});
