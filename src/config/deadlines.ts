import type { MessageType } from '../messages/message-types';

/**
 * The answer times a node can configure (TRM_DEADLINES, TRM_RETURN_MARGIN) and their defaults: read by the
 * configuration at boot and by the expectation rules (src/expectations/expectation-rules.ts).
 */

/**
 * The request types that open an expectation, in the catalogue's order. A PROCEEDINGS_STATUS opens one only
 * when it reports an offender's release or escape: the victim's country owes word that she was told
 * (`opensExpectation`, src/expectations/expectation-rules.ts).
 */
export const EXPECTING_TYPES = [
  'REFERRAL_REQUEST',
  'IDENTITY_VERIFICATION_REQUEST',
  'EMERGENCY_ALERT',
  'TRAVEL_DOCUMENT_REQUEST',
  'RISK_ASSESSMENT_REQUEST',
  'FAMILY_TRACING_REQUEST',
  'RETURN_PLAN',
  'REINTEGRATION_REQUEST',
  'EVIDENCE_REQUEST',
  'WITNESS_APPEARANCE_REQUEST',
  'PROCEEDINGS_STATUS',
] as const satisfies readonly MessageType[];

export type ExpectingType = (typeof EXPECTING_TYPES)[number];

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

/**
 * Default answer times (domain.md). An emergency is transmitted and handled "without delay" (CoE
 * Convention art. 33): one hour. The referral (the request for assistance) is confirmed within 24 hours and
 * the return handshake is to be answered "promptly", before departure: three days for a return plan and a
 * reintegration request. A risk assessment or an identity check needs inquiries in the other country: a
 * week. Family tracing runs alongside the security assessment and may take longer: two weeks. Evidence goes
 * through police and prosecutors: thirty days. A travel document goes through the consular or passport
 * services, which must first find her records: two weeks. A witness must be asked, after being told of the
 * protection on offer, whether and how she will testify, and the court plans around the answer: two weeks.
 * An offender's release must reach the victim before she can meet him: her country confirms she was told
 * within two days.
 */
export const DEFAULT_DEADLINES_MS: Readonly<Record<ExpectingType, number>> = {
  REFERRAL_REQUEST: 24 * HOUR,
  IDENTITY_VERIFICATION_REQUEST: 7 * DAY,
  EMERGENCY_ALERT: HOUR,
  TRAVEL_DOCUMENT_REQUEST: 14 * DAY,
  RISK_ASSESSMENT_REQUEST: 7 * DAY,
  FAMILY_TRACING_REQUEST: 14 * DAY,
  RETURN_PLAN: 3 * DAY,
  REINTEGRATION_REQUEST: 3 * DAY,
  EVIDENCE_REQUEST: 30 * DAY,
  WITNESS_APPEARANCE_REQUEST: 14 * DAY,
  PROCEEDINGS_STATUS: 2 * DAY,
};

const EXPECTING: ReadonlySet<string> = new Set(EXPECTING_TYPES);

export function isExpectingType(type: string): type is ExpectingType {
  return EXPECTING.has(type);
}

/** The margin after the planned departure, and after the scheduled follow-up date (TRM_RETURN_MARGIN). */
export const DEFAULT_RETURN_MARGIN_MS = 2 * DAY;

const DURATION = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;

/**
 * An ISO 8601 duration in weeks, days, hours, minutes and seconds (`PT1H`, `P3D`, `P1DT12H`), in
 * milliseconds. Years and months are refused: their length varies, and a deadline must not.
 */
export function parseDuration(text: string): number | null {
  const match = DURATION.exec(text);
  if (!match || text === 'P' || text.endsWith('T')) return null;
  const [weeks, days, hours, minutes, seconds] = match.slice(1).map((part) => Number(part ?? 0));
  const ms = ((((weeks * 7 + days) * 24 + hours) * 60 + minutes) * 60 + seconds) * 1000;
  return ms > 0 ? ms : null;
}

/**
 * `TYPE=DURATION` pairs separated by commas (`EMERGENCY_ALERT=PT1H,REFERRAL_REQUEST=PT24H`) over the
 * defaults. Returns every problem found, so the configuration can report them all at once.
 */
export function parseDeadlines(raw: string | undefined): {
  deadlines: Record<ExpectingType, number>;
  problems: string[];
} {
  const deadlines = { ...DEFAULT_DEADLINES_MS };
  const problems: string[] = [];
  for (const pair of (raw ?? '').split(',').map((p) => p.trim())) {
    if (!pair) continue;
    const [type, duration, ...rest] = pair.split('=').map((p) => p.trim());
    if (!isExpectingType(type)) {
      problems.push(
        `TRM_DEADLINES: ${JSON.stringify(type.slice(0, 40))} is not a request type (${EXPECTING_TYPES.join(', ')})`,
      );
      continue;
    }
    const ms = rest.length === 0 && duration ? parseDuration(duration) : null;
    if (ms === null)
      problems.push(`TRM_DEADLINES: ${type} needs an ISO 8601 duration such as PT1H, P3D or PT30M`);
    else deadlines[type] = ms;
  }
  return { deadlines, problems };
}
