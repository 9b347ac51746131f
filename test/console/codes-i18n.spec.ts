import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { codeKind } from '../../console/src/forms/schema-tools';
import { AgencyRefusalCode } from '../../src/agencies/agency-contract';
import { STORED_DATA_UNREADABLE } from '../../src/api/stored-data-error.filter';
import { AUDIT_ACTIONS, AUDIT_DECISIONS } from '../../src/audit/audit-actions';
import { AuditErrorCode } from '../../src/audit/audit.errors';
import { AccessErrorCode } from '../../src/auth/access.errors';
import { AUTH_FAILURES } from '../../src/auth/access.policy';
import { ROLES } from '../../src/auth/roles';
import { GUARDIAN_KINDS } from '../../src/cases/case.entity';
import { CaseErrorCode } from '../../src/cases/case.errors';
import { ERASURE_TRIGGERS, LEGAL_HOLD_REASONS } from '../../src/cases/retention.policy';
import {
  ASYLUM_STATUSES,
  CaseFactRule,
  IDENTIFICATION_SOURCES,
  THREAT_TARGETS,
} from '../../src/cases/case-facts.policy';
import {
  AGE_EVIDENCE,
  CASE_STATUSES,
  COUNTRY_ROLES,
  PHASE_STATUSES,
} from '../../src/cases/case-lifecycle.policy';
import { ConsentErrorCode } from '../../src/consent/consent.errors';
import { DirectoryRefusalCode } from '../../src/directory/directory-change.policy';
import { EXPECTATION_DIRECTIONS } from '../../src/expectations/expectation.entity';
import { EXPECTATION_STATUSES } from '../../src/expectations/expectation-rules';
import { CONSENT_GIVERS, CONSENT_SCOPES, LEGAL_BASES } from '../../src/messages/envelope.dto';
import { MESSAGE_TYPES, SOPS } from '../../src/messages/message-types';
import {
  ACKNOWLEDGEMENT_OUTCOMES,
  ASSISTANCE_STEP_STATUSES,
  ASSISTANCE_STEPS,
  DANGERS,
  SEARCH_OUTCOMES,
  TRAVEL_DOCUMENT_OUTCOMES,
} from '../../src/messages/payloads/assistance.dto';
import { CASE_CLOSURE_REASONS } from '../../src/messages/payloads/case.dto';
import { RISK_LEVELS } from '../../src/messages/payloads/common.dto';
import {
  AGE_STATUSES,
  DOCUMENT_KINDS,
  EXPLOITATION_TYPES,
  IDENTIFICATION_STATUSES,
  SEXES,
  VERIFICATION_OUTCOMES,
} from '../../src/messages/payloads/identification.dto';
import {
  BEST_INTERESTS_OUTCOMES,
  FAMILY_TRACING_OUTCOMES,
  RISK_ASSESSMENT_PURPOSES,
  RISK_FACTOR_CODE_RE,
  RISK_FACTOR_STATUSES,
  TRAVEL_MODES,
} from '../../src/messages/payloads/return.dto';
import {
  APPEARANCE_MODES,
  CLAIM_AGAINST,
  CLAIM_STATUSES,
  PROCEEDINGS_EVENTS,
  PROTECTION_MEASURES,
  RELEASE_KINDS,
} from '../../src/messages/payloads/proceedings.dto';
import { RejectionCode } from '../../src/messages/rejection-codes';
import { RiskErrorCode } from '../../src/risk/risk.errors';
import { CANCELLED_BY_WITHDRAWAL } from '../../src/transfers/consent-withdrawal.service';
import { DIRECTIONS, MESSAGE_STATUSES } from '../../src/transfers/message-record.entity';
import { TransferErrorCode } from '../../src/transfers/transfer.errors';
import { USE_RESTRICTIONS, UseRestrictionRule } from '../../src/transfers/use-restriction.policy';

/**
 * Every code the node shows a person (message types, reason codes, risk factors, scopes, SOP phases…) has a
 * label in each language of the console, and no language labels a code that no longer exists. The lists
 * come from src/, so a new code fails here until someone writes its five labels.
 */

const I18N_DIR = join(__dirname, '..', '..', 'console', 'src', 'i18n');
const LANGUAGES = ['en', 'fr', 'it', 'mk', 'sq'] as const;
const SRC = join(__dirname, '..', '..', 'src');

/** RF-01 … RF-20, from the payload's own pattern so the two cannot drift apart. */
const RISK_FACTORS = Array.from({ length: 99 }, (_, i) => `RF-${String(i + 1).padStart(2, '0')}`).filter(
  (c) => RISK_FACTOR_CODE_RE.test(c),
);

/**
 * Reason codes that are written as literals where they are decided (login refusals, rate limits, checkpoint
 * conflicts, the access policy's own reasons) rather than listed in an enum: found in the sources, so a new
 * one is caught too.
 */
function literalReasonCodes(): string[] {
  const found = new Set<string>();
  const patterns = [
    /reasonCode:[^\n]*/g, // `reasonCode: x ? 'A' : 'B'`
    /\brefuse\('[A-Z][A-Z0-9_]+'/g,
    /\breason: '[A-Z][A-Z0-9_]+'/g,
    /\berror: '[A-Z][A-Z0-9_]+'/g,
  ];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      // examples.ts holds sample payloads: their `reason` is a closure reason, not a refusal.
      else if (name.endsWith('.ts') && !name.endsWith('.spec.ts') && name !== 'examples.ts') {
        const text = readFileSync(path, 'utf8');
        for (const pattern of patterns)
          for (const match of text.match(pattern) ?? [])
            for (const code of match.match(/'[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+'|'[A-Z]{4,}'/g) ?? [])
              found.add(code.slice(1, -1));
      }
    }
  };
  walk(SRC);
  return [...found];
}

type Labels = Record<string, Record<string, unknown>>;
const labels = (language: string): Labels =>
  JSON.parse(readFileSync(join(I18N_DIR, `codes.${language}.json`), 'utf8')) as Labels;

const REASONS = [
  ...Object.values(RejectionCode),
  ...Object.values(AgencyRefusalCode),
  ...Object.values(CaseErrorCode),
  ...Object.values(CaseFactRule),
  ...Object.values(AccessErrorCode),
  ...Object.values(RiskErrorCode),
  ...Object.values(AuditErrorCode),
  ...Object.values(ConsentErrorCode),
  ...Object.values(DirectoryRefusalCode),
  ...Object.values(TransferErrorCode),
  ...Object.values(UseRestrictionRule),
  ...AUTH_FAILURES,
  CANCELLED_BY_WITHDRAWAL,
  STORED_DATA_UNREADABLE,
  ...LEGAL_HOLD_REASONS,
  ...ERASURE_TRIGGERS,
  ...literalReasonCodes(),
];

/** Kind → the codes it must label; the kinds are console/src/i18n/README.md's. */
const EXPECTED: Record<string, readonly (string | number)[]> = {
  messageType: MESSAGE_TYPES,
  reasonCode: REASONS,
  scope: CONSENT_SCOPES,
  givenBy: CONSENT_GIVERS,
  guardianKind: GUARDIAN_KINDS,
  legalBasis: LEGAL_BASES,
  riskFactor: RISK_FACTORS,
  riskFactorStatus: RISK_FACTOR_STATUSES,
  riskLevel: RISK_LEVELS,
  riskAssessmentPurpose: RISK_ASSESSMENT_PURPOSES,
  sop: SOPS,
  phaseStatus: PHASE_STATUSES,
  caseStatus: CASE_STATUSES,
  identificationStatus: IDENTIFICATION_STATUSES,
  ageStatus: AGE_STATUSES,
  ageEvidence: AGE_EVIDENCE,
  countryRole: COUNTRY_ROLES,
  messageStatus: MESSAGE_STATUSES,
  direction: [...DIRECTIONS, ...EXPECTATION_DIRECTIONS],
  expectationStatus: EXPECTATION_STATUSES,
  role: ROLES,
  auditAction: Object.keys(AUDIT_ACTIONS),
  decision: AUDIT_DECISIONS,
  closeReason: CASE_CLOSURE_REASONS,
  exploitationType: EXPLOITATION_TYPES,
  sex: SEXES,
  documentKind: DOCUMENT_KINDS,
  danger: DANGERS,
  alertOutcome: ACKNOWLEDGEMENT_OUTCOMES,
  verificationOutcome: VERIFICATION_OUTCOMES,
  familyTracingOutcome: FAMILY_TRACING_OUTCOMES,
  travelMode: TRAVEL_MODES,
  bestInterestsOutcome: BEST_INTERESTS_OUTCOMES,
  asylumStatus: ASYLUM_STATUSES,
  threatTarget: THREAT_TARGETS,
  identificationSource: IDENTIFICATION_SOURCES,
  searchOutcome: SEARCH_OUTCOMES,
  assistanceStep: ASSISTANCE_STEPS,
  assistanceStepStatus: ASSISTANCE_STEP_STATUSES,
  travelDocumentOutcome: TRAVEL_DOCUMENT_OUTCOMES,
  appearanceMode: APPEARANCE_MODES,
  protectionMeasure: PROTECTION_MEASURES,
  proceedingsEvent: PROCEEDINGS_EVENTS,
  releaseKind: RELEASE_KINDS,
  claimAgainst: CLAIM_AGAINST,
  claimStatus: CLAIM_STATUSES,
  useRestriction: USE_RESTRICTIONS,
  // Any participant a directory may name: no list in src/, so English's list is the reference (below).
  country: Object.keys(labels('en').country ?? {}),
};

const SCHEMAS = join(__dirname, '..', '..', 'docs', 'schemas');
/** Enums that are protocol constants, never shown to a person as a choice: the envelope's cipher suite. */
const NOT_LABELLED = new Set(['alg']);

/** Every string enum of the message schemas: `file property: values`, as the console's forms meet them. */
function schemaEnums(): { where: string; property: string; values: string[] }[] {
  const found: { where: string; property: string; values: string[] }[] = [];
  const walk = (node: unknown, file: string, property: string): void => {
    if (Array.isArray(node)) return node.forEach((n) => walk(n, file, property));
    if (!node || typeof node !== 'object') return;
    const s = node as Record<string, unknown>;
    if (Array.isArray(s.enum) && s.enum.every((v) => typeof v === 'string'))
      found.push({ where: `${file} ${property}`, property, values: s.enum as string[] });
    for (const [key, value] of Object.entries(s)) {
      // Below `properties` the keys are property names; an array's `items` keeps its property's name.
      if (key === 'properties' && value && typeof value === 'object')
        for (const [name, child] of Object.entries(value)) walk(child, file, name);
      else walk(value, file, property);
    }
  };
  for (const file of readdirSync(SCHEMAS).filter((f) => f.endsWith('.schema.json')))
    walk(JSON.parse(readFileSync(join(SCHEMAS, file), 'utf8')), file, '');
  return found;
}

const sorted = (codes: Iterable<string | number>): string[] => [...new Set([...codes].map(String))].sort();

describe('labels of the domain codes (console/src/i18n/codes.<language>.json)', () => {
  it('finds the literal reason codes in the sources (the scan works)', () => {
    expect(literalReasonCodes()).toEqual(
      expect.arrayContaining(['WRONG_PASSWORD', 'LOGIN_RATE_LIMIT', 'EQUIVOCATION', 'ROLE_NOT_ALLOWED']),
    );
    expect(RISK_FACTORS).toHaveLength(20);
  });

  it('names the countries of the demo and the tests, and every country by its ISO code', () => {
    expect(EXPECTED.country).toEqual(expect.arrayContaining(['FR', 'IT', 'MK', 'AL', 'RS', 'HR']));
    expect(EXPECTED.country.filter((c) => !/^[A-Z]{2}$/.test(String(c)))).toEqual([]);
  });

  it('labels every string enum of the message schemas (the forms): each maps to a kind holding its values', () => {
    const enums = schemaEnums();
    // The scan works: it meets the enums of the payloads, inside arrays and nested groups too.
    expect(enums.map((e) => e.where)).toEqual(
      expect.arrayContaining([
        'REFERRAL_REQUEST.schema.json exploitationTypes',
        'REFERRAL_REQUEST.schema.json status',
        'IDENTITY_VERIFICATION_REQUEST.schema.json kind',
        'RETURN_PLAN.schema.json outcome',
      ]),
    );
    const unlabelled = enums
      .filter((e) => !NOT_LABELLED.has(e.property))
      .flatMap(({ where, property, values }) => {
        const kind = codeKind(property, values);
        if (!kind) return [`${where}: no kind`];
        const known = new Set((EXPECTED[kind] ?? []).map(String));
        return values.filter((v) => !known.has(v)).map((v) => `${where}: ${kind}.${v}`);
      });
    expect(unlabelled).toEqual([]);
  });

  it('picks the kind of an enum whose property name several schemas share by its values', () => {
    expect(codeKind('status', AGE_STATUSES)).toBe('ageStatus');
    expect(codeKind('status', RISK_FACTOR_STATUSES)).toBe('riskFactorStatus');
    // The case forms' `status` (SetIdentificationDto, SetPhaseDto: a phase is never set back to NOT_STARTED).
    expect(codeKind('status', IDENTIFICATION_STATUSES)).toBe('identificationStatus');
    expect(
      codeKind(
        'status',
        PHASE_STATUSES.filter((s) => s !== 'NOT_STARTED'),
      ),
    ).toBe('phaseStatus');
    expect(codeKind('kind', DOCUMENT_KINDS)).toBe('documentKind');
    expect(codeKind('kind', GUARDIAN_KINDS)).toBe('guardianKind');
    expect(codeKind('outcome', ACKNOWLEDGEMENT_OUTCOMES)).toBe('alertOutcome');
    expect(codeKind('outcome', VERIFICATION_OUTCOMES)).toBe('verificationOutcome');
    expect(codeKind('outcome', FAMILY_TRACING_OUTCOMES)).toBe('familyTracingOutcome');
    expect(codeKind('outcome', BEST_INTERESTS_OUTCOMES)).toBe('bestInterestsOutcome');
    expect(codeKind('outcome', SEARCH_OUTCOMES)).toBe('searchOutcome');
    expect(codeKind('outcome', TRAVEL_DOCUMENT_OUTCOMES)).toBe('travelDocumentOutcome');
    expect(codeKind('status', CASE_STATUSES)).toBeUndefined();
    expect(codeKind('role', COUNTRY_ROLES)).toBe('countryRole');
    expect(codeKind('role', ROLES)).toBe('role');
  });

  describe.each(LANGUAGES)('%s', (language) => {
    const file = labels(language);

    it('has exactly the kinds of codes the node has', () => {
      expect(Object.keys(file).sort()).toEqual(Object.keys(EXPECTED).sort());
    });

    it.each(Object.keys(EXPECTED))('labels every %s code, and no code that does not exist', (kind) => {
      expect(sorted(Object.keys(file[kind] ?? {}))).toEqual(sorted(EXPECTED[kind]));
    });

    it('has no empty label and no label left as its code', () => {
      const bad = Object.entries(file).flatMap(([kind, entries]) =>
        Object.entries(entries)
          .filter(([code, label]) => typeof label !== 'string' || label.trim() === '' || label === code)
          .map(([code]) => `${kind}.${code}`),
      );
      expect(bad).toEqual([]);
    });
  });

  it('is translated: no language but English repeats the English label of a message type or reason', () => {
    const en = labels('en');
    const untranslated = LANGUAGES.filter((l) => l !== 'en').flatMap((language) => {
      const file = labels(language);
      return (['messageType', 'reasonCode', 'riskFactor', 'scope'] as const).flatMap((kind) =>
        Object.entries(file[kind])
          .filter(([code, label]) => label === en[kind][code])
          .map(([code]) => `${language}:${kind}.${code}`),
      );
    });
    expect(untranslated).toEqual([]);
  });

  it('writes Macedonian in Cyrillic', () => {
    const mk = labels('mk');
    const latinOnly = Object.entries(mk).flatMap(([kind, entries]) =>
      Object.entries(entries)
        .filter(([, label]) => !/[\u0400-\u04FF]/.test(String(label)))
        .map(([code]) => `${kind}.${code}`),
    );
    expect(latinOnly).toEqual([]);
  });
});
