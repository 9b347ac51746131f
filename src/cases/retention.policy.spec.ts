import { isDueForErasure, retentionEndsAt, RetentionFacts } from './retention.policy';

const DAYS = { CLOSED: 1825, OPEN: 0 };
const closed = (closedAt: string, more: Partial<RetentionFacts> = {}): RetentionFacts => ({
  status: 'CLOSED',
  closedAt: new Date(closedAt),
  lastActivityAt: new Date(closedAt),
  legalHold: null,
  erasedAt: null,
  ...more,
});

describe('retention policy', () => {
  it('keeps a closed case 5 years (1825 days) from its closure', () => {
    expect(retentionEndsAt(closed('2020-01-01T00:00:00Z'), DAYS)?.toISOString()).toBe(
      '2024-12-30T00:00:00.000Z',
    );
    expect(isDueForErasure(closed('2020-01-01T00:00:00Z'), DAYS, new Date('2024-12-29T23:59:59Z'))).toBe(
      false,
    );
    expect(isDueForErasure(closed('2020-01-01T00:00:00Z'), DAYS, new Date('2024-12-30T00:00:00Z'))).toBe(
      true,
    );
  });

  it('never erases an open case by default, and counts from the last activity when configured', () => {
    const open: RetentionFacts = { ...closed('2020-01-01T00:00:00Z'), status: 'OPEN', closedAt: null };
    expect(retentionEndsAt(open, DAYS)).toBeNull();
    expect(isDueForErasure(open, DAYS, new Date('2100-01-01T00:00:00Z'))).toBe(false);
    expect(retentionEndsAt(open, { CLOSED: 1825, OPEN: 10 })?.toISOString()).toBe('2020-01-11T00:00:00.000Z');
  });

  it('suspends the period under a legal hold, and has nothing left to erase once erased', () => {
    const now = new Date('2030-01-01T00:00:00Z');
    expect(
      isDueForErasure(closed('2020-01-01T00:00:00Z', { legalHold: 'CRIMINAL_PROCEEDINGS' }), DAYS, now),
    ).toBe(false);
    expect(
      isDueForErasure(closed('2020-01-01T00:00:00Z', { erasedAt: new Date('2025-01-01') }), DAYS, now),
    ).toBe(false);
  });
});
