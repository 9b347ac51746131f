import { caseListWhere, decodeCaseCursor, encodeCaseCursor } from './case-list';

describe('case list cursor', () => {
  const cursor = { at: '2026-12-06T17:30:01.123456Z', caseRef: 'TRM-FR-2026-000042' };

  it('round-trips what the node hands out, and is opaque (no reference in clear)', () => {
    const token = encodeCaseCursor(cursor);
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(token).not.toContain('TRM');
    expect(decodeCaseCursor(token)).toEqual(cursor);
  });

  const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  it.each([
    ['not base64url', 'abc$def'],
    ['not JSON', Buffer.from('[1,').toString('base64url')],
    ['an object', b64({ at: cursor.at, caseRef: cursor.caseRef })],
    ['three members', b64([cursor.at, cursor.caseRef, 1])],
    ['a date without microseconds', b64(['2026-12-06T17:30:01.123Z', cursor.caseRef])],
    ['an impossible date', b64(['2026-13-45T17:30:01.123456Z', cursor.caseRef])],
    ['not a reference', b64([cursor.at, "x' OR 1=1 --"])],
    ['too long', 'a'.repeat(201)],
    ['empty', ''],
  ])('refuses %s', (_, token) => {
    expect(decodeCaseCursor(token)).toBeNull();
  });
});

describe('caseListWhere', () => {
  it.each([
    [{}, null, 'true', []],
    [{ status: 'OPEN' as const }, null, 'c.status = $1', ['OPEN']],
    [{ caseRef: '000123' }, null, 'strpos(c.case_ref, $1) > 0', ['000123']],
    [{ sop: 2 }, null, `c.phases ->> $1 = $2`, ['2', 'ACTIVE']],
    [
      { sop: 3, phaseStatus: 'NOT_STARTED' as const },
      null,
      `coalesce(c.phases ->> $1, 'NOT_STARTED') = 'NOT_STARTED'`,
      ['3'],
    ],
    // A role alone is this node's own; with a country, that country's.
    [{ role: 'DESTINATION' as const }, null, 'c.country_roles ->> $1 = $2', ['FR', 'DESTINATION']],
    [
      { country: 'MK', role: 'ORIGIN' as const },
      null,
      '(c.owner_country = $1 OR $1 = ANY (c.countries) OR c.country_roles ? $1) AND c.country_roles ->> $2 = $3',
      ['MK', 'MK', 'ORIGIN'],
    ],
    [
      { status: 'CLOSED' as const },
      { at: '2026-12-06T17:30:01.123456Z', caseRef: 'TRM-FR-2026-000042' },
      'c.status = $1 AND (c.last_activity_at, c.case_ref) < ($2::timestamptz, $3)',
      ['CLOSED', '2026-12-06T17:30:01.123456Z', 'TRM-FR-2026-000042'],
    ],
  ])('%j after %j', (filter, after, where, params) => {
    expect(caseListWhere('FR', filter, after)).toEqual({ where, params });
  });

  it('passes every value as a parameter, never in the SQL', () => {
    const hostile = "x' OR 1=1 --";
    const { where, params } = caseListWhere(
      'FR',
      { caseRef: hostile, country: hostile, identificationStatus: hostile },
      null,
    );
    expect(where).not.toContain(hostile);
    expect(params.filter((p) => p === hostile)).toHaveLength(3);
  });
});
