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
