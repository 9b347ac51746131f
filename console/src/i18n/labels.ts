import { useTranslation } from 'react-i18next';

/** The kinds of codes in codes.<lang>.json (README.md beside this file). */
export type CodeKind =
  | 'messageType'
  | 'reasonCode'
  | 'scope'
  | 'givenBy'
  | 'guardianKind'
  | 'legalBasis'
  | 'riskFactor'
  | 'riskFactorStatus'
  | 'riskLevel'
  | 'riskAssessmentPurpose'
  | 'sop'
  | 'phaseStatus'
  | 'caseStatus'
  | 'identificationStatus'
  | 'ageStatus'
  | 'ageEvidence'
  | 'countryRole'
  | 'messageStatus'
  | 'direction'
  | 'expectationStatus'
  | 'role'
  | 'decision'
  | 'closeReason'
  | 'auditAction'
  | 'exploitationType'
  | 'sex'
  | 'documentKind'
  | 'danger'
  | 'alertOutcome'
  | 'verificationOutcome'
  | 'familyTracingOutcome'
  | 'travelMode'
  | 'bestInterestsOutcome'
  | 'asylumStatus'
  | 'threatTarget'
  | 'identificationSource'
  | 'searchOutcome'
  | 'assistanceStep'
  | 'assistanceStepStatus'
  | 'travelDocumentOutcome'
  | 'appearanceMode'
  | 'protectionMeasure'
  | 'proceedingsEvent'
  | 'releaseKind'
  | 'claimAgainst'
  | 'claimStatus'
  | 'useRestriction'
  | 'country';

/** The label of a domain code (console/src/i18n/README.md); the code itself when no label exists. */
export function useCodes(): (kind: CodeKind, code: string | number | null | undefined) => string {
  const { t } = useTranslation('codes');
  return (kind, code) => {
    if (code === null || code === undefined || code === '') return '—';
    const key = String(code);
    return t(`${kind}.${key}`, { defaultValue: key });
  };
}

/**
 * Every code of a kind, in the order of codes.<lang>.json: the labels cover every code and no other
 * (test/console/codes-i18n.spec.ts), so a filter offers the node's codes without typing one.
 */
export function useCodeList(kind: CodeKind): string[] {
  const { t } = useTranslation('codes');
  const all = t(kind, { returnObjects: true, defaultValue: {} }) as unknown;
  return all && typeof all === 'object' ? Object.keys(all) : [];
}
