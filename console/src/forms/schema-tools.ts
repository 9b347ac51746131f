import type { ErrorSchema, RJSFSchema } from '@rjsf/utils';
import type { FieldProblem } from '../api/errors';
import type { CodeKind } from '../i18n/labels';

type Json = Record<string, unknown>;

/** Enum properties whose values are domain codes with labels (by property name, wherever they appear). */
const CODE_PROPERTIES: Record<string, CodeKind> = {
  scopes: 'scope',
  scopesWithdrawn: 'scope',
  scope: 'scope',
  givenBy: 'givenBy',
  level: 'riskLevel',
  riskLevel: 'riskLevel',
  messageType: 'messageType',
  type: 'messageType',
  identificationStatus: 'identificationStatus',
  ageStatus: 'ageStatus',
  role: 'countryRole',
  legalBasis: 'legalBasis',
  reason: 'closeReason',
  reasonCode: 'reasonCode',
  evidence: 'ageEvidence',
  purpose: 'riskAssessmentPurpose',
  exploitationTypes: 'exploitationType',
  sex: 'sex',
  danger: 'danger',
  mode: 'travelMode',
  documentKind: 'documentKind',
  step: 'assistanceStep',
  stepStatus: 'assistanceStepStatus',
  appearanceOptions: 'appearanceMode',
  appearanceMode: 'appearanceMode',
  protectionMeasures: 'protectionMeasure',
  protectionMeasuresRequested: 'protectionMeasure',
  event: 'proceedingsEvent',
  releaseKind: 'releaseKind',
  claimAgainst: 'claimAgainst',
  claimStatus: 'claimStatus',
};

/**
 * Property names that different schemas give to different enums (a document's `kind`, a guardian's `kind`; the
 * `status` of an age, a risk factor, an identification, a SOP phase; six messages' `outcome`): the kind is the
 * one whose code the enum holds. A code listed here belongs to that kind only.
 */
const SHARED_PROPERTIES: Record<string, ReadonlyArray<readonly [CodeKind, string]>> = {
  kind: [
    ['documentKind', 'PASSPORT'],
    ['guardianKind', 'GUARDIAN'],
  ],
  status: [
    ['ageStatus', 'DOCUMENTED_ADULT'],
    ['riskFactorStatus', 'PRESENT'],
    ['identificationStatus', 'PRESUMED_VICTIM'],
    ['phaseStatus', 'SKIPPED'],
  ],
  outcome: [
    ['alertOutcome', 'ACTION_TAKEN'],
    ['verificationOutcome', 'NOT_CONFIRMED'],
    ['familyTracingOutcome', 'FAMILY_RISK'],
    ['bestInterestsOutcome', 'RETURN_IN_BEST_INTERESTS'],
    ['searchOutcome', 'FOUND_SAFE'],
    ['travelDocumentOutcome', 'ISSUED'],
  ],
};

/** `informedLanguage` → "Informed language". */
export function humanize(name: string): string {
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export interface Labeller {
  field: (name: string) => string;
  code: (kind: CodeKind, code: string) => string;
}

/**
 * The labels of a form, as rjsf's uiSchema (the schema itself stays as compiled, see forms-plugin.ts): every
 * property gets a translated title (its name humanised when there is no label), and enums of known codes get
 * their labels while the values sent stay the codes. Works on any schema, so a new field needs no UI code.
 */
export function labelsFor(schema: unknown, labels: Labeller, root: unknown = schema, depth = 0): Json {
  const s = resolve(schema, root);
  const ui: Json = {};
  if (!s || depth > 12) return ui;
  if (s.properties && typeof s.properties === 'object') {
    for (const [key, value] of Object.entries(s.properties as Json)) {
      const property = resolve(value, root);
      const child = labelsFor(property, labels, root, depth + 1);
      child['ui:title'] = labels.field(key);
      const enumValues = enumOf(property) ?? enumOf(resolve(property?.items, root));
      const kind = codeKind(key, enumValues);
      if (kind && enumValues) {
        const names = Object.fromEntries(enumValues.map((v) => [v, labels.code(kind, v)]));
        child['ui:enumNames'] = names;
        if (property?.items) child.items = { ...(child.items as Json | undefined), 'ui:enumNames': names };
      }
      // Each item of a list of values is labelled as the list is ("Languages"), not "languages-1".
      const items = resolve(property?.items, root);
      if (property?.type === 'array' && items && items.type !== 'object')
        child.items = { 'ui:title': labels.field(key), ...(child.items as Json | undefined) };
      if (property?.type === 'array' && property.uniqueItems && enumOf(resolve(property.items, root)))
        child['ui:widget'] = 'checkboxes';
      // A risk factor is one of the node's twenty codes (RF-01 … RF-20): chosen by its meaning, not typed.
      if (key === 'code' && String(property?.pattern ?? '').startsWith('^RF-'))
        child['ui:widget'] = 'riskFactor';
      ui[key] = child;
    }
  }
  if (s.items && typeof s.items === 'object' && !Array.isArray(s.items)) {
    const items = labelsFor(s.items, labels, root, depth + 1);
    if (Object.keys(items).length) ui.items = { ...(ui.items as Json | undefined), ...items };
  }
  return ui;
}

function resolve(schema: unknown, root: unknown): Json | null {
  if (!schema || typeof schema !== 'object') return null;
  const s = schema as Json;
  if (typeof s.$ref !== 'string' || !s.$ref.startsWith('#/')) return s;
  let node: unknown = root;
  for (const part of s.$ref.slice(2).split('/'))
    node = node && typeof node === 'object' ? (node as Json)[part] : undefined;
  return node && typeof node === 'object' ? (node as Json) : null;
}

function enumOf(schema: Json | null): string[] | null {
  return schema && Array.isArray(schema.enum) && schema.enum.every((v) => typeof v === 'string')
    ? (schema.enum as string[])
    : null;
}

/** The kind of code an enum property (or list) holds, or undefined when its values are not labelled codes. */
export function codeKind(name: string, values: readonly string[] | null): CodeKind | undefined {
  if (!values) return undefined;
  const shared = SHARED_PROPERTIES[name];
  if (shared) return shared.find(([, code]) => values.includes(code))?.[0];
  const kind = CODE_PROPERTIES[name];
  // An account's role is lower case (`coordinator`), a country's role upper case (`ORIGIN`).
  if (kind === 'countryRole' && values.every((v) => v === v.toLowerCase())) return 'role';
  return kind;
}

/** The server's field errors (`person.givenName`, `factors.0.code`) as rjsf's error schema. */
export function toErrorSchema(fields: FieldProblem[], prefix = ''): ErrorSchema | undefined {
  if (fields.length === 0) return undefined;
  const root: Json = {};
  for (const field of fields) {
    let path = field.path;
    if (prefix && path.startsWith(prefix)) path = path.slice(prefix.length);
    let node = root;
    for (const part of path.split('.').filter(Boolean)) {
      node[part] = (node[part] as Json | undefined) ?? {};
      node = node[part] as Json;
    }
    const list = ((node.__errors as string[] | undefined) ?? []).concat(
      field.message || field.code || 'invalid',
    );
    node.__errors = list;
  }
  return root as ErrorSchema;
}

export type { RJSFSchema };

/**
 * The form's data as the node should get it: an optional group the user left blank (rjsf keeps it as `{}`)
 * is left out, so the node does not report its required members as missing. Arrays and values stay.
 */
export function withoutEmptyGroups(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutEmptyGroups);
  if (value === null || typeof value !== 'object') return value;
  const kept = Object.entries(value as Record<string, unknown>)
    .map(([key, member]) => [key, withoutEmptyGroups(member)] as const)
    .filter(([, member]) => member !== undefined && !isEmptyGroup(member));
  return Object.fromEntries(kept);
}

function isEmptyGroup(value: unknown): boolean {
  return (
    value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length === 0
  );
}
