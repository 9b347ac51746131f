const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
/** PostgreSQL keeps microseconds, the API shows milliseconds, and a node reads two clocks (its own, the database's). */
const SLACK_MS = 1000;

const ms = (at: number | string | Date): number =>
  typeof at === 'number' ? at : typeof at === 'string' ? Date.parse(at) : at.getTime();

/**
 * Asserts that `value` is an ISO 8601 instant between `from` and `to` (now by default): a timestamp the test
 * expects set is checked for being set when it should have been, not merely for not being null, which an
 * `undefined`, a date in 1970 or a garbled string would pass just as well.
 */
export function expectInstant(
  value: unknown,
  from: number | string | Date,
  to: number | string | Date = Date.now(),
): void {
  expect(value).toEqual(expect.stringMatching(ISO_INSTANT));
  const at = Date.parse(value as string);
  expect(at).toBeGreaterThanOrEqual(ms(from) - SLACK_MS);
  expect(at).toBeLessThanOrEqual(ms(to) + SLACK_MS);
}
