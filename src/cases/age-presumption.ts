import { isTreatedAsChild } from '../messages/payloads/identification.dto';

/** A case's age, as its row holds it. */
type AgeOf = { ageStatus: AgeStatus | null };

export type AgeStatus = 'DOCUMENTED_ADULT' | 'DOCUMENTED_CHILD' | 'PRESUMED_CHILD' | 'DISPUTED';

/** Age presumption (Council of Europe Convention, art. 10): only a documented adult is not treated as a child. */
export function isChildCase(c: AgeOf): boolean {
  return c.ageStatus !== null && c.ageStatus !== 'DOCUMENTED_ADULT';
}

/**
 * Age presumption in a message: a referral that says the person is a child (documented, presumed, disputed),
 * or whose age now or date of birth does.
 */
export function referralSaysChild(type: string, payload: object): boolean {
  const { age, person } = payload as {
    age?: Parameters<typeof isTreatedAsChild>[0];
    person?: Parameters<typeof isTreatedAsChild>[1];
  };
  return type === 'REFERRAL_REQUEST' && age !== undefined && isTreatedAsChild(age, person);
}

/**
 * Whether a message is about a child: the case says so, or the message is a referral that does. The same on
 * both sides of a border, so the sender's consent gate and the receiver's check agree.
 */
export function isChild(c: AgeOf, type: string, payload: object): boolean {
  return isChildCase(c) || referralSaysChild(type, payload);
}
