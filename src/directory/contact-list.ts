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
