import type { Schemas } from './client';

/*
 * Shapes of the console routes agreed in the console contract (docs/console.md) for use until they are in
 * docs/openapi.json; each is read defensively (a missing member shows as empty, never as a crash).
 */

export interface CaseSummary {
  caseRef: string;
  status: string;
  referringCountry?: string | null;
  ownerCountry?: string;
  countries?: Array<{ country: string; role: string | null }> | Record<string, string>;
  countryRoles?: Record<string, string>;
  phases?: Record<string, string> | Array<{ sop: number; status: string }>;
  ageStatus?: string | null;
  identificationStatus?: string | null;
  restricted?: boolean;
  openedAt: string;
  lastActivityAt?: string;
}

export interface CasePage {
  items: CaseSummary[];
  nextCursor: string | null;
}

export type Expectation = Schemas['ExpectationView'];

export interface WorklistCase {
  caseRef: string;
  [key: string]: unknown;
}

export interface Worklist {
  owed: Expectation[];
  awaited: Expectation[];
  unansweredReferrals: Array<Record<string, unknown>>;
  riskReviewDue: Array<Record<string, unknown>>;
  consentsExpiring: Array<Record<string, unknown>>;
}

export interface ComposeOptions {
  options: Array<{ type: string; to: string[] }>;
}

export interface CheckResult {
  wouldSend: boolean;
  reasons: Array<{
    code: string;
    message?: string;
    scope?: string;
    fields?: string[];
    overridable?: boolean;
  }>;
  fields: Array<{ path: string; constraints?: string[]; message?: string; code?: string }>;
  redacted: string[];
}

export interface ChainState {
  head: { seq?: string | number; pos?: string | number; hash: string; sealedAt: string } | null;
  lastVerification: Record<string, unknown> | null;
  peers: Array<{
    peer: string;
    lastCheckpointSeq: string | number | null;
    matched: boolean | null;
    checkedAt: string | null;
  }>;
}

export interface AgencyCase {
  caseRef: string;
  grantedAt: string;
}

/** Countries of a summary with their roles, whatever of the agreed forms it came in. */
export function summaryCountries(s: CaseSummary): Array<{ country: string; role: string | null }> {
  if (Array.isArray(s.countries)) return s.countries;
  const roles = s.countryRoles ?? (s.countries && !Array.isArray(s.countries) ? s.countries : {});
  return Object.entries(roles).map(([country, role]) => ({ country, role }));
}

export function summaryPhases(s: CaseSummary): Array<{ sop: number; status: string }> {
  if (Array.isArray(s.phases)) return s.phases;
  return Object.entries(s.phases ?? {}).map(([sop, status]) => ({ sop: Number(sop), status }));
}
