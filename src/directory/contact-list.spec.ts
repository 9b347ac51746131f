import { BadRequestException } from '@nestjs/common';
import { encodePageCursor } from '../common/page';
import { contactFunction, contactsFor, contactsPage } from './contact-list';
import type { ParticipantDto } from './directory-file.dto';

const participant = (code: string, contacts: ParticipantDto['contacts']): ParticipantDto =>
  ({ code, name: code, languages: ['en'], contacts }) as unknown as ParticipantDto;

const directory = [
  participant('FR', [{ sop: 4, institution: 'OFII', role: 'return' }]),
  participant('MK', [
    { sop: 1, institution: 'National Commission', role: 'national coordinator' },
    { sop: 4, institution: 'Center for Social Work Skopje', role: 'case manager, return' },
    { sop: 4, institution: 'Ministry of Social Policy', role: 'deputy', email: 'deputy@example.mk' },
    { sop: 1, institution: 'Ministry of Interior', role: 'deputy coordinator' },
    { sop: 4, institution: 'National Commission', role: 'national coordinator' },
  ]),
];

describe('the contact list', () => {
  it('answers "who handles SOP 4 in MK?" in escalation order (the order of the directory file)', () => {
    expect(contactsFor(directory, { country: 'MK', sop: 4 }).map((c) => [c.rank, c.institution])).toEqual([
      [0, 'Center for Social Work Skopje'],
      [1, 'Ministry of Social Policy'],
      [2, 'National Commission'],
    ]);
  });

  it('ranks each SOP on its own', () => {
    expect(contactsFor(directory, { country: 'MK', sop: 1 }).map((c) => [c.rank, c.institution])).toEqual([
      [0, 'National Commission'],
      [1, 'Ministry of Interior'],
    ]);
  });

  it('filters by country or SOP alone, and says which country each contact belongs to', () => {
    expect(contactsFor(directory, { sop: 4 }).map((c) => `${c.country}:${c.rank}`)).toEqual([
      'FR:0',
      'MK:0',
      'MK:1',
      'MK:2',
    ]);
    expect(contactsFor(directory, { country: 'FR' })).toEqual([
      { sop: 4, institution: 'OFII', role: 'return', country: 'FR', rank: 0 },
    ]);
    expect(contactsFor(directory, { country: 'FR', sop: 2 })).toEqual([]);
    expect(contactsFor(directory)).toHaveLength(6);
  });

  it('names a contact by its function, without phone or e-mail', () => {
    expect(
      contactFunction({ sop: 4, institution: 'Ministry of Social Policy', role: 'deputy', email: 'x@y.mk' }),
    ).toEqual({
      institution: 'Ministry of Social Policy',
      role: 'deputy',
    });
  });

  describe('a page at a time', () => {
    /** Every contact, following the cursors, `limit` at a time. */
    function everyPage(
      participants: ParticipantDto[],
      filter: { country?: string; sop?: number },
      limit: number,
    ): string[] {
      const seen: string[] = [];
      let after: string | undefined;
      do {
        const page = contactsPage(participants, filter, { limit, after });
        seen.push(...page.items.map((c) => `${c.country}:${c.sop}:${c.institution}`));
        after = page.nextCursor ?? undefined;
      } while (after);
      return seen;
    }

    it('gives every contact once, by country code then in the file order, whatever the participants order', () => {
      const whole = contactsPage([...directory].reverse(), {}, { limit: 500 });
      expect(whole.nextCursor).toBeNull();
      expect(whole.items.map((c) => c.country)).toEqual(['FR', 'MK', 'MK', 'MK', 'MK', 'MK']);
      const all = whole.items.map((c) => `${c.country}:${c.sop}:${c.institution}`);
      for (const limit of [1, 2, 4, 6]) expect(everyPage([...directory].reverse(), {}, limit)).toEqual(all);
      expect(everyPage(directory, { sop: 4 }, 1)).toEqual(all.filter((c) => c.split(':')[1] === '4'));
    });

    it('refuses a cursor it did not write', () => {
      for (const after of [
        encodePageCursor(['MK']),
        encodePageCursor(['MK', '-1']),
        encodePageCursor(['MK', 'x']),
      ])
        expect(() => contactsPage(directory, {}, { after })).toThrow(BadRequestException);
    });
  });
});
