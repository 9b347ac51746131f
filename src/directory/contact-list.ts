import { BadRequestException } from '@nestjs/common';
import { decodePageCursor, encodePageCursor, type Page, PAGE_DEFAULT_LIMIT } from '../common/page';
import type { ContactDto, ParticipantDto } from './directory-file.dto';

/** One entry of a country's TRM contact list, with its place in the escalation order for its SOP. */
export interface RankedContact extends ContactDto {
  country: string;
  /** 0 for the first contact for this SOP; each escalation addresses the next. */
  rank: number;
}

/**
 * The TRM contact list (domain.md: "who handles SOP 4 in MK?"). Within one country and SOP, the order of
 * the entries in the directory file is the escalation order: the first is addressed with a request, the
 * next when it goes unanswered, and so on.
 */
export function contactsFor(
  participants: readonly ParticipantDto[],
  filter: { country?: string; sop?: number } = {},
): RankedContact[] {
  return participants
    .filter((p) => filter.country === undefined || p.code === filter.country)
    .flatMap((p) => {
      const ranks = new Map<number, number>();
      return p.contacts.map((contact) => {
        const rank = ranks.get(contact.sop) ?? 0;
        ranks.set(contact.sop, rank + 1);
        return { ...contact, country: p.code, rank };
      });
    })
    .filter((c) => filter.sop === undefined || c.sop === filter.sop);
}

/**
 * A page of the contact list, by country code and then in the directory file's order within a country (so
 * in escalation order per SOP). The list is read from the directory held in memory; the cursor is the last
 * contact's country and its position among that country's contacts.
 */
export function contactsPage(
  participants: readonly ParticipantDto[],
  filter: { country?: string; sop?: number },
  page: { limit?: number; after?: string },
): Page<RankedContact> {
  const keys = page.after ? decodePageCursor(page.after) : null;
  if (page.after && (keys?.length !== 2 || !/^(0|[1-9][0-9]{0,5})$/.test(keys[1])))
    throw new BadRequestException('after must be the nextCursor of a previous page');
  const limit = page.limit ?? PAGE_DEFAULT_LIMIT;
  const byCode = [...participants].sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
  const positioned = byCode.flatMap((p) =>
    contactsFor([p], filter).map((contact, position) => ({ contact, position })),
  );
  const after = keys ? { country: keys[0], position: Number(keys[1]) } : null;
  const rest = after
    ? positioned.filter(
        ({ contact, position }) =>
          contact.country > after.country || (contact.country === after.country && position > after.position),
      )
    : positioned;
  const shown = rest.slice(0, limit);
  const last = shown.at(-1);
  return {
    items: shown.map(({ contact }) => contact),
    nextCursor:
      rest.length > limit && last ? encodePageCursor([last.contact.country, String(last.position)]) : null,
  };
}

/** Who a contact is, for audit entries and node events: the function, never a phone number or an address. */
export function contactFunction(contact: ContactDto): {
  institution: string;
  department?: string;
  role?: string;
} {
  return {
    institution: contact.institution,
    ...(contact.department ? { department: contact.department } : {}),
    ...(contact.role ? { role: contact.role } : {}),
  };
}
