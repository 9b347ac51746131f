import { validatePayload } from '../../src/messages/catalogue';
import { INJECTION_STRINGS, NAMES } from './strings';
import { withTextFields } from './text-fields';

const GROUP = 3;
const ROUNDS = Math.ceil(INJECTION_STRINGS.length / GROUP);

/**
 * Referrals whose every text field carries injection strings, three per field (each field stays under its
 * 200-character limit); over the rounds every field receives every string of INJECTION_STRINGS.
 */
export function injectionReferrals(): Array<{ round: number; payload: Record<string, unknown> }> {
  const n = INJECTION_STRINGS.length;
  return Array.from({ length: ROUNDS }, (_, round) => {
    const payload = withTextFields('REFERRAL_REQUEST', (i) =>
      Array.from({ length: GROUP }, (__, g) => INJECTION_STRINGS[(i + round + g * ROUNDS) % n]).join(' | '),
    );
    assertValid(payload, `injection round ${round}`);
    return { round, payload };
  });
}

/** A referral whose text fields carry names in several scripts, composed and decomposed. */
export function namesReferral(): Record<string, unknown> {
  const names = Object.values(NAMES);
  const payload = withTextFields('REFERRAL_REQUEST', (i) => names[i % names.length]);
  const person = payload.person as Record<string, unknown>;
  person.givenName = 'Ана';
  person.familyName = NAMES.cyrillicFamily;
  person.otherNames = names;
  assertValid(payload, 'names');
  return payload;
}

/** A corpus payload that is not valid would test the validator, not the storage: fail loudly instead. */
function assertValid(payload: Record<string, unknown>, what: string): void {
  const checked = validatePayload('REFERRAL_REQUEST', payload, { legalBasis: 'CONSENT' });
  if (!checked.ok) throw new Error(`corpus payload ${what} is invalid: ${JSON.stringify(checked.errors)}`);
}

/** Every string leaf of a JSON value with its path, to compare stored text byte for byte. */
export function stringLeaves(value: unknown, path = ''): Array<[string, string]> {
  if (typeof value === 'string') return [[path, value]];
  if (Array.isArray(value)) return value.flatMap((item, i) => stringLeaves(item, `${path}.${i}`));
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).flatMap(([key, item]) => stringLeaves(item, path ? `${path}.${key}` : key));
  }
  return [];
}
