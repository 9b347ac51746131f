/**
 * Local secrets never leave the node. The outbound gate looks for each secret's value in every string of an
 * outgoing payload, compared loosely enough that a phone number written with other spaces or dashes, or an
 * address in other capitals, is still found: both sides are put in Unicode NFKC form, lower-cased, and
 * stripped of white space and the punctuation people vary (`- . , / ( ) '`).
 */

/** A value shorter than this once normalised could match innocent text: it is refused when recorded. */
export const SECRET_MIN_MATCH = 4;

export function matchForm(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\s\-.,/()'’]+/gu, '');
}

export type SecretValueDecision = { allow: true } | { allow: false; reason: string };

/** Whether a value can be kept as a local secret: long enough to be recognised in a message. */
export function decideSecretValue(value: string): SecretValueDecision {
  return matchForm(value).length >= SECRET_MIN_MATCH
    ? { allow: true }
    : {
        allow: false,
        reason: `a local secret needs at least ${SECRET_MIN_MATCH} letters or digits, so that it can be recognised in an outgoing message`,
      };
}

/** A read's reason goes into the audit log: it must not hold the secret itself. */
export function decideReadReason(reason: string, value: string): SecretValueDecision {
  return matchForm(reason).includes(matchForm(value))
    ? { allow: false, reason: 'the reason holds the secret itself: it goes into the audit log' }
    : { allow: true };
}

/**
 * The paths of the payload's strings (e.g. `person.address`, `notes[2]`) that hold one of the values;
 * empty when none does. The values are never returned, nor which of them matched.
 */
export function secretPaths(payload: unknown, values: readonly string[]): string[] {
  const needles = values.map(matchForm).filter((v) => v.length >= SECRET_MIN_MATCH);
  if (needles.length === 0) return [];
  const found: string[] = [];
  const walk = (node: unknown, path: string): void => {
    if (typeof node === 'string') {
      const hay = matchForm(node);
      if (needles.some((needle) => hay.includes(needle))) found.push(path || '(payload)');
    } else if (Array.isArray(node)) node.forEach((item, i) => walk(item, `${path}[${i}]`));
    else if (node && typeof node === 'object')
      for (const [key, value] of Object.entries(node)) walk(value, path ? `${path}.${key}` : key);
  };
  walk(payload, '');
  return found;
}
