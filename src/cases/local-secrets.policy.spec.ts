import { decideReadReason, decideSecretValue, matchForm, secretPaths } from './local-secrets.policy';

describe('local secrets policy', () => {
  const shelter = 'Rruga e Kavajës 112, Tiranë';
  const phone = '+389 70 123 456';

  it.each([
    ['finds the value as recorded', { notes: `go to ${shelter} at noon` }, ['notes']],
    [
      'finds it in other capitals and spaces',
      { a: { b: ['x', 'RRUGA E KAVAJËS  112 , TIRANË'] } },
      ['a.b[1]'],
    ],
    ['finds a phone written with dashes', { contact: 'call +389-70-123-456' }, ['contact']],
    ['finds a phone without spaces, twice', { x: '+38970123456', y: ['+389 70 123456'] }, ['x', 'y[0]']],
    ['finds compatibility forms (full-width digits)', { x: '+３８９ ７０ １２３ ４５６' }, ['x']],
    ['finds nothing in other text', { notes: 'the shelter in Tirana', phone: '+389 70 999 999' }, []],
    ['does not flag a part of it only', { notes: 'Rruga e Kavajës' }, []],
    ['ignores numbers and booleans', { n: 38970123456, b: true, none: null }, []],
  ])('%s', (_name, payload, paths) => {
    expect(secretPaths(payload, [shelter, phone])).toEqual(paths);
  });

  it('finds nothing when the node keeps no secret, and ignores values too short to match', () => {
    expect(secretPaths({ notes: 'abc' }, [])).toEqual([]);
    expect(secretPaths({ notes: 'abc' }, ['a b'])).toEqual([]);
  });

  it('refuses a value too short to be recognised', () => {
    expect(decideSecretValue(' 1-2 ')).toEqual({
      allow: false,
      reason: expect.stringContaining('at least 4'),
    });
    expect(decideSecretValue('12 34')).toEqual({ allow: true });
  });

  it('refuses a read reason that holds the secret itself', () => {
    expect(decideReadReason(`to call ${phone.replace(/ /g, '')}`, phone).allow).toBe(false);
    expect(decideReadReason('to arrange the transport to the shelter', phone)).toEqual({ allow: true });
  });

  it('normalises width, case, spaces and punctuation only', () => {
    expect(matchForm('Ａb-C. d/(E)’f')).toBe('abcdef');
  });
});
