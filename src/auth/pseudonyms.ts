import { createHmac, hkdfSync } from 'node:crypto';

/**
 * Payload keys whose values are codes an auditor needs to evaluate a case (which SOP, which level, which
 * outcome) and that identify no one. A value under these keys stays readable only if it is a code: a few of
 * them are free text in some types (EVIDENCE_REQUEST.purpose, CASE_UPDATE.status). Every other string,
 * number or boolean (PROCESS_FLAGS aside) in a payload is personal data until proven otherwise: deny by
 * default, so a field added to the catalogue later is pseudonymised.
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

/**
 * Process flags an evaluator needs (was the plan accepted, the person eligible, the family risk assessed)
 * that say nothing about the person: only a boolean under these keys stays readable. Every other boolean is
 * pseudonymised like any value, since many are personal (`needsUrgentCare`, `asylumClaimPending`).
 */
export const PROCESS_FLAGS: ReadonlySet<string> = new Set([
  'accepted',
  'eligible',
  'complete',
  'familyRiskAssessed',
  'targetsOriginAuthorities',
]);

/** Where a value sits: its case and its field path (array items share their array's path). */
export interface PseudonymScope {
  caseRef: string;
  path: string;
}

/**
 * The same value in the same field of the same case gives the same pseudonym, so an auditor can see it
 * unchanged without reading it. Keyed by case and path too: a pseudonym decoded in one field (a manager's
 * country, listed in clear among the case's countries) or one case (a granted one) decodes nothing else.
 */
export function pseudonym(key: Buffer, scope: PseudonymScope, value: string | number | boolean): string {
  return `pseud:${createHmac('sha256', key)
    .update(JSON.stringify([scope.caseRef, scope.path, typeof value, String(value)]))
    .digest('hex')
    .slice(0, 8)}`;
}

/** What a code looks like; some code fields are free text in some types (EVIDENCE_REQUEST.purpose). */
const CODE_VALUE = /^[A-Z][A-Z0-9_]*$/;

/**
 * A copy of a payload with every personal value replaced by its pseudonym, each keyed by the case and its
 * path under `scope.path`; codes under CODE_FIELDS and booleans under PROCESS_FLAGS stay.
 */
export function pseudonymise(key: Buffer, value: unknown, scope: PseudonymScope, field?: string): unknown {
  if (value === null || value === undefined) return value;
  if (typeof value === 'boolean') {
    return field !== undefined && PROCESS_FLAGS.has(field) ? value : pseudonym(key, scope, value);
  }
  if (field !== undefined && CODE_FIELDS.has(field) && isCode(value)) return value;
  if (typeof value === 'string' || typeof value === 'number') return pseudonym(key, scope, value);
  if (Array.isArray(value)) return value.map((item) => pseudonymise(key, item, scope, field));
  if (typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([name, inner]) => [
        name,
        pseudonymise(key, inner, { ...scope, path: scope.path ? `${scope.path}.${name}` : name }, name),
      ]),
    );
  }
  return null;
}

/** Only a code passes by its field's name: a number or an upper-case identifier, never free text. */
function isCode(value: unknown): boolean {
  return typeof value === 'number' || (typeof value === 'string' && CODE_VALUE.test(value));
}
