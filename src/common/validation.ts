/**
 * Shared validation shapes: a leaf (it imports no file of this project), so every folder may use it.
 */

/**
 * One validation problem. `path` is dotted (`person.givenName`, `factors.0.code`); constraints read
 * `<constraint>: <message>`. Neither ever contains the offending value: values are personal data, and these
 * errors end up in logs, HTTP responses and DELIVERY_REJECTED reasons.
 */
export interface FieldError {
  path: string;
  constraints: string[];
}
