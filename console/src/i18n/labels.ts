import { useTranslation } from 'react-i18next';

/** The kinds of codes in codes.<lang>.json (console-tests' layout, README.md beside this file). */
export type CodeKind =
  | 'messageType'
  | 'reason'
  | 'consentScope'
  | 'consentGiver'
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
  | 'deliveryStatus'
  | 'messageDirection'
  | 'expectationStatus'
  | 'expectationDirection'
  | 'role'
  | 'auditAction'
  | 'auditDecision'
  | 'caseClosureReason';

/** The label of a domain code (console/src/i18n/README.md); the code itself when no label exists. */
export function useCodes(): (kind: CodeKind, code: string | number | null | undefined) => string {
  const { t } = useTranslation('codes');
  return (kind, code) => {
    if (code === null || code === undefined || code === '') return '—';
    const key = String(code);
    return t(`${kind}.${key}`, { defaultValue: key });
  };
}
