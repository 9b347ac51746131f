// Generates the published JSON Schemas (docs/schemas/) from the class-validator DTOs of src/messages, so the
// wire contract other countries code against can never drift from what this node enforces.
// Run: npm run schemas (ts-node --transpile-only scripts/schemas.ts).
import 'reflect-metadata';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { MetadataStorage } from 'class-transformer/types/MetadataStorage';
import { validationMetadatasToSchemas } from 'class-validator-jsonschema';
import { PAYLOAD_CLASSES } from '../src/messages/catalogue';
import { EnvelopeDto } from '../src/messages/envelope.dto';
import { MESSAGE_TYPES } from '../src/messages/message-types';

// class-transformer does not export its metadata storage from the package root, and the subpath ships no
// typings; without it class-validator-jsonschema cannot see @Type and emits `{}` for nested arrays.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { defaultMetadataStorage } = require('class-transformer/cjs/storage') as {
  defaultMetadataStorage: MetadataStorage;
};

type Schema = Record<string, unknown>;

const REF_PREFIX = '#/definitions/';
export const SCHEMA_DIR = resolve(__dirname, '..', 'docs', 'schemas');

function isSchema(value: unknown): value is Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Smooths what class-validator-jsonschema emits. `@IsObject()` beside `@ValidateNested()` yields
 * `{ type: 'object', $ref }`; draft-07 ignores siblings of `$ref`, so the redundant one goes.
 */
function tidy(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(tidy);
  if (!isSchema(node)) return node;
  const out: Schema = {};
  for (const [key, value] of Object.entries(node)) out[key] = tidy(value);
  if (typeof out.$ref === 'string' && out.type === 'object') delete out.type;
  // `format: base64` is not a JSON Schema format (strict validators such as ajv refuse the schema); say it the
  // standard way and keep it checkable.
  if (out.format === 'base64') {
    delete out.format;
    out.contentEncoding = 'base64';
    out.pattern = '^[A-Za-z0-9+/]*={0,2}$';
  }
  return out;
}

function refsOf(node: unknown, found: Set<string>): Set<string> {
  if (Array.isArray(node)) node.forEach((item) => refsOf(item, found));
  else if (isSchema(node)) {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string' && value.startsWith(REF_PREFIX)) {
        found.add(value.slice(REF_PREFIX.length));
      } else refsOf(value, found);
    }
  }
  return found;
}

/** The root schema plus every definition it reaches, so each file validates on its own. */
function selfContained(
  rootName: string,
  all: Record<string, Schema>,
  title: string,
  description: string,
): Schema {
  const definitions: Record<string, Schema> = {};
  const pending = [...refsOf(all[rootName], new Set())];
  while (pending.length > 0) {
    const name = pending.pop()!;
    if (definitions[name] || name === rootName) continue;
    const definition = all[name];
    if (!definition) throw new Error(`schemas: ${rootName} references ${name}, which has no schema`);
    definitions[name] = definition;
    pending.push(...refsOf(definition, new Set()));
  }
  const sorted = Object.fromEntries(Object.entries(definitions).sort(([a], [b]) => a.localeCompare(b)));
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title,
    description,
    ...all[rootName],
    ...(Object.keys(sorted).length > 0 ? { definitions: sorted } : {}),
  };
}

/** File name → schema, for every message type's payload and for the envelope. */
export function buildSchemas(): Record<string, Schema> {
  const generated = validationMetadatasToSchemas({
    refPointerPrefix: REF_PREFIX,
    classTransformerMetadataStorage: defaultMetadataStorage,
  });
  const all: Record<string, Schema> = {};
  for (const [name, schema] of Object.entries(generated)) {
    // Every message DTO is validated with whitelist + forbidNonWhitelisted: unknown fields are rejected.
    all[name] = { ...(tidy(schema) as Schema), additionalProperties: false };
  }

  const files: Record<string, Schema> = {
    'envelope.schema.json': selfContained(
      EnvelopeDto.name,
      all,
      'TRM v1 envelope',
      'The AMQP body of every TRM v1 message. Cross-field rules (legal basis, caseRef, inReplyTo) are in PROTOCOL.md.',
    ),
  };
  for (const type of MESSAGE_TYPES) {
    files[`${type}.schema.json`] = selfContained(
      PAYLOAD_CLASSES[type].name,
      all,
      `TRM v1 ${type} payload`,
      `The payload of a ${type} message: the plaintext sealed inside the envelope's \`sealed\`.`,
    );
  }
  return files;
}

export function serialise(schema: Schema): string {
  return `${JSON.stringify(schema, null, 2)}\n`;
}

function main(): void {
  const files = buildSchemas();
  mkdirSync(SCHEMA_DIR, { recursive: true });
  // A type removed from the catalogue must not leave its schema published.
  for (const stale of readdirSync(SCHEMA_DIR).filter((f) => f.endsWith('.schema.json') && !(f in files))) {
    rmSync(join(SCHEMA_DIR, stale));
  }
  for (const [file, schema] of Object.entries(files))
    writeFileSync(join(SCHEMA_DIR, file), serialise(schema));
  console.log(`schemas: wrote ${Object.keys(files).length} files to ${SCHEMA_DIR}`);
}

if (require.main === module) main();
