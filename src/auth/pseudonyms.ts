import { createHmac, hkdfSync } from 'node:crypto';

/**
 * Payload keys whose values are codes an auditor needs to evaluate a case (which SOP, which level, which
 * outcome) and that identify no one. A value under these keys stays readable only if it is a code: a few of
 * them are free text in some types (EVIDENCE_REQUEST.purpose, CASE_UPDATE.status). Every other string or number in a payload is personal data until
 * proven otherwise: deny by default, so a field added to the catalogue later is pseudonymised.
 */
export const CODE_FIELDS: ReadonlySet<string> = new Set([
  'sop',
  'requestedSop',
  'level',
  'status',
  'identificationStatus',
  'exploitationTypes',
  'outcome',
  'mode',
  'kind',
  'purpose',
  'reasonCode',
  'scopesWithdrawn',
  'danger',
]);

/** A key for pseudonyms only, derived from the node's auth secret (HKDF), so it never signs a token. */
export function pseudonymKey(secret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, 'trm-broker', 'auditor pseudonyms v1', 32));
}

/** The same value gives the same pseudonym on this node, so an auditor can follow it without reading it. */
export function pseudonym(key: Buffer, value: string | number): string {
  return `pseud:${createHmac('sha256', key)
    .update(`${typeof value}:${String(value)}`)
    .digest('hex')
    .slice(0, 8)}`;
}

/** What a code looks like; some code fields are free text in some types (EVIDENCE_REQUEST.purpose). */
const CODE_VALUE = /^[A-Z][A-Z0-9_]*$/;

/** A copy of a payload with every personal value replaced by its pseudonym; booleans and codes stay. */
export function pseudonymise(key: Buffer, value: unknown, field?: string): unknown {
  if (value === null || value === undefined || typeof value === 'boolean') return value;
  if (field !== undefined && CODE_FIELDS.has(field) && isCode(value)) return value;
  if (typeof value === 'string' || typeof value === 'number') return pseudonym(key, value);
  if (Array.isArray(value)) return value.map((item) => pseudonymise(key, item, field));
  if (typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([name, inner]) => [
        name,
        pseudonymise(key, inner, name),
      ]),
    );
  }
  return null;
}

/** Only a code passes by its field's name: a number or an upper-case identifier, never free text. */
function isCode(value: unknown): boolean {
  return typeof value === 'number' || (typeof value === 'string' && CODE_VALUE.test(value));
}
