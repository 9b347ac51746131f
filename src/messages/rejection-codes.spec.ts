import { RejectionCode } from './rejection-codes';

describe('RejectionCode', () => {
  it('has exactly the 14 reason codes of PROTOCOL.md, each valued by its name', () => {
    expect(Object.entries(RejectionCode)).toEqual(
      [
        'SIGNATURE_INVALID',
        'SENDER_MISMATCH',
        'NOT_ADDRESSED_TO_ME',
        'DECRYPTION_FAILED',
        'UNSUPPORTED_VERSION',
        'UNKNOWN_TYPE',
        'NOT_ACCEPTED',
        'SCHEMA_INVALID',
        'TOO_LARGE',
        'STALE',
        'CONSENT_INSUFFICIENT',
        'POLICY_DENIED',
        'CASE_STATE_CONFLICT',
        'INTERNAL_ERROR',
      ].map((code) => [code, code]),
    );
  });
});
