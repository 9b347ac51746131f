/**
 * The statistical categories a referral gives (docs/indicators.md, "Anonymised statistics"): coarse codes kept
 * on the case row so the statistics count without decrypting anything. Pure.
 */

export interface StatisticalCategories {
  sex: string | null;
  ageBand: AgeBand | null;
  exploitationTypes: string[] | null;
}

/** A referral's payload, as far as the statistics read it. */
export function statisticalCategories(payload: Record<string, unknown>, now: Date): StatisticalCategories {
  const referral = payload as {
    person?: { sex?: string; dateOfBirth?: string };
    age?: { status?: string; ageNow?: number };
    exploitationTypes?: string[];
  };
  return {
    sex: referral.person?.sex ?? null,
    ageBand: ageBandOf(referral.age, referral.person?.dateOfBirth, now),
    exploitationTypes: referral.exploitationTypes?.length ? [...referral.exploitationTypes].sort() : null,
  };
}

export const AGE_BANDS = ['0-13', '14-17', '18-24', '25-34', '35-49', '50+', 'UNDER_18', 'ADULT'] as const;
export type AgeBand = (typeof AGE_BANDS)[number];

/**
 * The age band a referral gives: from the age now, else from the date of birth (at `now`), else only child
 * or adult from the age status (a presumed or disputed age counts as a child's, as the gates treat it).
 */
export function ageBandOf(
  age: { status?: string; ageNow?: number } | undefined,
  dateOfBirth: string | undefined,
  now: Date,
): AgeBand | null {
  const years = age?.ageNow ?? (dateOfBirth ? yearsSince(dateOfBirth, now) : undefined);
  if (years !== undefined && Number.isFinite(years)) {
    if (years < 14) return '0-13';
    if (years < 18) return '14-17';
    if (years < 25) return '18-24';
    if (years < 35) return '25-34';
    if (years < 50) return '35-49';
    return '50+';
  }
  if (!age?.status) return null;
  return age.status === 'DOCUMENTED_ADULT' ? 'ADULT' : 'UNDER_18';
}

function yearsSince(date: string, now: Date): number {
  const [year, month, day] = date.split('-').map(Number);
  const birthdayPassed =
    now.getUTCMonth() + 1 > month || (now.getUTCMonth() + 1 === month && now.getUTCDate() >= day);
  return now.getUTCFullYear() - year - (birthdayPassed ? 0 : 1);
}
