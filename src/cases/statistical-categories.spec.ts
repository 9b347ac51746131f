import { ageBandOf, statisticalCategories } from './statistical-categories';

describe('statistical categories of a referral', () => {
  it.each([
    [{ status: 'DOCUMENTED_CHILD', ageNow: 12 }, undefined, '0-13'],
    [{ status: 'PRESUMED_CHILD', ageNow: 17 }, undefined, '14-17'],
    [{ status: 'DOCUMENTED_ADULT', ageNow: 18 }, undefined, '18-24'],
    [{ status: 'DOCUMENTED_ADULT' }, '1990-12-07', '35-49'],
    [{ status: 'DOCUMENTED_ADULT' }, '1990-12-06', '35-49'],
    [{ status: 'DOCUMENTED_ADULT' }, '1991-12-07', '34'],
    [{ status: 'DISPUTED' }, undefined, 'UNDER_18'],
    [{ status: 'DOCUMENTED_ADULT' }, undefined, 'ADULT'],
    [{ ageNow: 70 }, undefined, '50+'],
    [undefined, undefined, null],
  ])('age band of %j born %s: %s', (age, born, band) => {
    const now = new Date('2026-12-06T12:00:00Z');
    const expected = band === '34' ? '25-34' : band;
    expect(ageBandOf(age, born, now)).toBe(expected);
  });

  it('takes sex, age band and forms of exploitation from a referral, nothing else', () => {
    const payload = {
      person: {
        givenName: 'A',
        familyName: 'B',
        sex: 'FEMALE',
        dateOfBirth: '2010-01-01',
        languages: ['sq'],
      },
      age: { status: 'DOCUMENTED_CHILD' },
      exploitationTypes: ['SEXUAL', 'LABOUR'],
    };
    expect(statisticalCategories(payload, new Date('2026-12-06T00:00:00Z'))).toEqual({
      sex: 'FEMALE',
      ageBand: '14-17',
      exploitationTypes: ['LABOUR', 'SEXUAL'],
    });
    expect(statisticalCategories({}, new Date())).toEqual({
      sex: null,
      ageBand: null,
      exploitationTypes: null,
    });
  });
});
