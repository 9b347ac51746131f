import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { OpenAPIObject } from '@nestjs/swagger';
import { MESSAGE_TYPES, MessageType } from '../messages/message-types';

type Schema = Record<string, unknown>;

const COMPONENTS = '#/components/schemas/';

/**
 * The published payload schemas (docs/schemas, kept equal to the DTOs by src/messages/schemas.spec.ts),
 * found from here whether the node runs from src/ (ts-node) or from dist/src/ (the build, the image).
 */
function schemaDir(): string {
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) {
    const candidate = join(dir, 'docs', 'schemas');
    if (existsSync(join(candidate, 'envelope.schema.json'))) return candidate;
  }
  throw new Error('docs/schemas not found above ' + __dirname);
}

/** REFERRAL_REQUEST → ReferralRequestPayload: the component holding that type's payload schema. */
export function payloadComponentName(type: MessageType): string {
  return `${type
    .toLowerCase()
    .split('_')
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join('')}Payload`;
}

/**
 * A payload's nested definitions keep their DTO names with a `Payload` prefix: the API has DTOs of the same
 * name and another shape (src/risk's RiskFactorDto is not the payload's).
 */
const definitionName = (name: string): string => `Payload${name}`;

/** The draft-07 file made an OpenAPI 3.0 schema: no `$schema`, definitions as components, refs repointed. */
function asComponent(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(asComponent);
  if (typeof node !== 'object' || node === null) return node;
  const out: Schema = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === '$schema' || key === 'definitions') continue;
    if (key === '$ref' && typeof value === 'string' && value.startsWith('#/definitions/')) {
      out.$ref = COMPONENTS + definitionName(value.slice('#/definitions/'.length));
    } else out[key] = asComponent(value);
  }
  return out;
}

/** Every message type's payload schema and the definitions they use, as OpenAPI components. */
export function payloadComponents(): Record<string, Schema> {
  const dir = schemaDir();
  const components: Record<string, Schema> = {};
  for (const type of MESSAGE_TYPES) {
    const file = JSON.parse(readFileSync(join(dir, `${type}.schema.json`), 'utf8')) as Schema;
    components[payloadComponentName(type)] = asComponent(file) as Schema;
    for (const [name, definition] of Object.entries((file.definitions ?? {}) as Record<string, Schema>)) {
      components[definitionName(name)] = asComponent(definition) as Schema;
    }
  }
  return components;
}

/** What an auditor not granted the case reads instead of the payload (docs/audit.md, pseudonyms). */
const PSEUDONYMISED_PAYLOAD = 'PseudonymisedPayload';

/**
 * `payload` typed by the message's `type`. The payload itself carries no `type` (the envelope does, and the
 * request beside it), so the discriminator cannot sit on the payload: each of these components becomes a
 * `oneOf` of one variant per message type, `<Component>_<TYPE>`, whose `type` is that one value and whose
 * `payload` is that type's schema, discriminated by `type`. Generated clients get a union that narrows the
 * payload by the type.
 */
const BY_TYPE: ReadonlyArray<{ component: string; payload: (type: MessageType) => Schema }> = [
  { component: 'SendMessageDto', payload: (type) => ({ $ref: COMPONENTS + payloadComponentName(type) }) },
  {
    component: 'AgencySubmissionDto',
    payload: (type) => ({ $ref: COMPONENTS + payloadComponentName(type) }),
  },
  {
    // A view also shows messages to an auditor not granted the case, pseudonymised: those payloads no longer
    // match their type's schema (numbers, dates and booleans become pseudonym strings), hence anyOf.
    component: 'MessageView',
    payload: (type) => ({
      nullable: true,
      description: `the ${type} payload; pseudonymised for an auditor not granted the case`,
      anyOf: [
        { $ref: COMPONENTS + payloadComponentName(type) },
        { $ref: COMPONENTS + PSEUDONYMISED_PAYLOAD },
      ],
    }),
  },
];

/** Adds the payload schemas to the document and types every `payload` by its message's `type`. */
export function declarePayloads(document: OpenAPIObject): OpenAPIObject {
  const schemas = (document.components ??= {}).schemas ?? {};
  Object.assign(schemas, payloadComponents());
  schemas[PSEUDONYMISED_PAYLOAD] = {
    type: 'object',
    additionalProperties: true,
    description:
      "a payload as an auditor not granted the case reads it: its members, every personal value replaced by a stable pseudonym 'pseud:<8 hex>'; codes and process flags stay",
  };
  for (const { component, payload } of BY_TYPE) {
    const base = schemas[component] as Schema | undefined;
    if (!base) throw new Error(`openapi: no ${component} to type its payload`);
    const mapping: Record<string, string> = {};
    for (const type of MESSAGE_TYPES) {
      const name = `${component}_${type}`;
      mapping[type] = COMPONENTS + name;
      schemas[name] = {
        ...base,
        properties: {
          ...(base.properties as Record<string, Schema>),
          type: { type: 'string', enum: [type] },
          payload: payload(type),
        },
      };
    }
    schemas[component] = {
      oneOf: Object.values(mapping).map(($ref) => ({ $ref })),
      discriminator: { propertyName: 'type', mapping },
    };
  }
  document.components.schemas = schemas;
  return document;
}
