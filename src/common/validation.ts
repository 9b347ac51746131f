import { Matches, ValidationOptions } from 'class-validator';

/**
 * Shared validation: the patterns and decorators every folder uses, and the shape of a validation problem.
 * A leaf: it imports no file of this project, so any folder, however low, may use it.
 */

/**
 * A participant's country code: two upper-case letters. Not ISO 3166-1 itself: XK (Kosovo) is a participant
 * but not in ISO 3166-1, so @IsISO31661Alpha2 would refuse it. Also what keeps `.`, `*` or `#` out of a
 * routing key, a broker user name or a key id.
 */
export const COUNTRY_CODE = /^[A-Z]{2}$/;

/** A transnational case reference, `TRM-<CC>-<year>-<6 digits>` (PROTOCOL.md). */
export const CASE_REF = /^TRM-[A-Z]{2}-\d{4}-\d{6}$/;
/** A UUID of any version, as message ids are: a peer's `inReplyTo` meets it before a uuid column. */
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A country code; `each` for a list of them. The message names the property, never the value. */
export function IsCountryCode(options?: ValidationOptions): PropertyDecorator {
  return Matches(COUNTRY_CODE, {
    message: options?.each
      ? 'each value in $property must be an ISO 3166-1 alpha-2 country code'
      : '$property must be an ISO 3166-1 alpha-2 country code',
    ...options,
  });
}

/** A case reference. The message names the property, never the value. */
export function IsCaseRef(options?: ValidationOptions): PropertyDecorator {
  return Matches(CASE_REF, { message: '$property must look like TRM-<CC>-<year>-<6 digits>', ...options });
}

/**
 * One validation problem. `path` is dotted (`person.givenName`, `factors.0.code`); constraints read
 * `<constraint>: <message>`. Neither ever contains the offending value: values are personal data, and these
 * errors end up in logs, HTTP responses and DELIVERY_REJECTED reasons.
 */
export interface FieldError {
  path: string;
  constraints: string[];
}
