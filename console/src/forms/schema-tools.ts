import type { ErrorSchema, RJSFSchema } from '@rjsf/utils';
import type { FieldProblem } from '../api/errors';
import type { CodeKind } from '../i18n/labels';

type Json = Record<string, unknown>;

/** Enum properties whose values are domain codes with labels (by property name, wherever they appear). */
const CODE_PROPERTIES: Record<string, CodeKind> = {
  scopes: 'scope',
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
  kind: 'guardianKind',
  evidence: 'ageEvidence',
  purpose: 'riskAssessmentPurpose',
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
 * Prepares a JSON Schema for the form: every property gets a translated title (its name when there is no
 * label), and enums of known codes get their labels (as `oneOf` of `const`s, so the values sent are the codes).
 * Works on any schema, so a new field in docs/schemas needs no UI code.
 */
export function labelSchema(schema: unknown, labels: Labeller, name?: string): unknown {
  if (Array.isArray(schema)) return schema.map((s) => labelSchema(s, labels));
  if (!schema || typeof schema !== 'object') return schema;
  const s = { ...(schema as Json) };
  if (s.properties && typeof s.properties === 'object') {
    s.properties = Object.fromEntries(
      Object.entries(s.properties as Json).map(([key, value]) => [key, labelSchema(value, labels, key)]),
    );
  }
  for (const key of [
    'items',
    'additionalProperties',
    'definitions',
    'components',
    'schemas',
    'allOf',
    'anyOf',
    'oneOf',
  ]) {
    if (s[key] && typeof s[key] === 'object') {
      if (key === 'definitions' || key === 'schemas' || key === 'components')
        s[key] = Object.fromEntries(
          Object.entries(s[key] as Json).map(([k, v]) => [k, labelSchema(v, labels)]),
        );
      else s[key] = labelSchema(s[key], labels, key === 'items' ? name : undefined);
    }
  }
  let kind = name ? CODE_PROPERTIES[name] : undefined;
  // An account's role is lower case (`coordinator`), a country's role upper case (`ORIGIN`).
  if (
    kind === 'countryRole' &&
    Array.isArray(s.enum) &&
    s.enum.every((v) => typeof v === 'string' && v === v.toLowerCase())
  )
    kind = 'role';
  if (kind && Array.isArray(s.enum) && s.enum.every((v) => typeof v === 'string')) {
    s.oneOf = (s.enum as string[]).map((v) => ({ const: v, title: labels.code(kind, v) }));
    delete s.enum;
  }
  if (name && !s.$ref && s.title === undefined) s.title = labels.field(name);
  // OpenAPI 3.0's `nullable` is not JSON Schema: an optional property is enough for a form.
  delete s.nullable;
  delete s.example;
  return s;
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
