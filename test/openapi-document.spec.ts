import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import Ajv from 'ajv';
import { OPENAPI_FILE } from '../scripts/openapi';
import { payloadComponentName } from '../src/api/openapi-payloads';
import { examplePayload } from '../src/messages/examples';
import { MESSAGE_TYPES } from '../src/messages/message-types';

type Schema = Record<string, unknown>;
interface Document {
  openapi: string;
  paths: Record<string, Record<string, { operationId?: string; summary?: string }>>;
  components: { schemas: Record<string, Schema> };
}

const DOCUMENT = JSON.parse(readFileSync(OPENAPI_FILE, 'utf8')) as Document;

/**
 * The OpenAPI validator partners' tooling would use (@seriousme/openapi-schema-validator: the official OAS
 * JSON Schemas plus the references resolved). It is an ES module, which jest on Node 20 cannot require, so
 * it runs in a node of its own over the file.
 */
function validateWithOpenApiValidator(file: string): { valid: boolean; errors?: unknown } {
  const script = `
    import { Validator } from '@seriousme/openapi-schema-validator';
    import { readFileSync } from 'node:fs';
    const result = await new Validator().validate(JSON.parse(readFileSync(process.argv[1], 'utf8')));
    process.stdout.write(JSON.stringify({ valid: result.valid, errors: result.errors }));`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script, file], {
    cwd: path.resolve(__dirname, '..'),
    encoding: 'utf8',
  });
  return JSON.parse(out) as { valid: boolean; errors?: unknown };
}

describe('the OpenAPI document partners generate clients from (docs/openapi.json)', () => {
  it('is a valid OpenAPI 3.0 document for a real validator, which does refuse a broken one', () => {
    expect(DOCUMENT.openapi).toMatch(/^3\.0\./);
    expect(validateWithOpenApiValidator(OPENAPI_FILE)).toEqual({ valid: true });

    // The same document with one defect (a response without its required description) is refused: the
    // check above is a real one.
    const dir = mkdtempSync(path.join(tmpdir(), 'trm-openapi-'));
    try {
      const broken = structuredClone(DOCUMENT) as unknown as {
        paths: Record<string, Record<string, { responses: Record<string, Schema> }>>;
      };
      delete broken.paths['/cases'].post.responses.default.description;
      writeFileSync(path.join(dir, 'broken.json'), JSON.stringify(broken));
      expect(validateWithOpenApiValidator(path.join(dir, 'broken.json')).valid).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('gives every operation a unique operationId and a summary', () => {
    const operations = Object.entries(DOCUMENT.paths).flatMap(([route, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({ route: `${method} ${route}`, ...operation })),
    );
    expect(operations.length).toBeGreaterThan(40);
    expect(operations.filter((o) => !o.operationId || !o.summary).map((o) => o.route)).toEqual([]);
    const ids = operations.map((o) => o.operationId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it.each(['SendMessageDto', 'AgencySubmissionDto', 'MessageView'])(
    'types %s by its message type: a oneOf of one variant per type, discriminated by `type`',
    (component) => {
      const schema = DOCUMENT.components.schemas[component] as {
        oneOf: Array<{ $ref: string }>;
        discriminator: { propertyName: string; mapping: Record<string, string> };
      };
      expect(schema.discriminator.propertyName).toBe('type');
      expect(Object.keys(schema.discriminator.mapping)).toEqual([...MESSAGE_TYPES]);
      expect(schema.oneOf.map((v) => v.$ref)).toEqual(Object.values(schema.discriminator.mapping));
      for (const type of MESSAGE_TYPES) {
        const variant = DOCUMENT.components.schemas[`${component}_${type}`] as {
          properties: Record<string, Schema>;
        };
        expect(variant.properties.type).toEqual({ type: 'string', enum: [type] });
        expect(JSON.stringify(variant.properties.payload)).toContain(
          `"#/components/schemas/${payloadComponentName(type)}"`,
        );
      }
    },
  );

  it('holds each payload schema as published in docs/schemas', () => {
    for (const type of MESSAGE_TYPES) {
      const published = JSON.parse(
        readFileSync(path.resolve(__dirname, '..', 'docs', 'schemas', `${type}.schema.json`), 'utf8'),
      ) as Schema;
      const component = DOCUMENT.components.schemas[payloadComponentName(type)];
      expect(component.required).toEqual(published.required);
      expect(Object.keys(component.properties as Schema)).toEqual(
        Object.keys(published.properties as Schema),
      );
      expect(component.additionalProperties).toBe(false);
    }
  });

  describe('a request body checked against the document (ajv, as a generated client or server would)', () => {
    // Ajv reads OpenAPI 3.0's `nullable`; its discriminator does not take a mapping, and oneOf alone already
    // says that exactly one variant, the one of the request's type, must match.
    const schemas = structuredClone(DOCUMENT.components.schemas);
    for (const schema of Object.values(schemas)) delete schema.discriminator;
    const ajv = new Ajv({ strict: false, validateFormats: false });
    ajv.addSchema({ components: { schemas } }, 'openapi');
    const validate = ajv.compile({ $ref: 'openapi#/components/schemas/SendMessageDto' });
    const request = (type: string, payload: unknown) => ({ type, to: 'MK', legalBasis: 'CONSENT', payload });

    it.each(MESSAGE_TYPES.map((type) => [type]))('takes a %s with its own payload', (type) => {
      expect(validate(request(type, examplePayload(type)))).toBe(true);
    });

    it("refuses a payload of another type's shape, and a missing payload", () => {
      expect(validate(request('CASE_CLOSED', examplePayload('REFERRAL_REQUEST')))).toBe(false);
      expect(validate(request('REFERRAL_REQUEST', examplePayload('CASE_CLOSED')))).toBe(false);
      expect(validate({ type: 'REFERRAL_REQUEST', to: 'MK', legalBasis: 'CONSENT' })).toBe(false);
    });
  });
});
