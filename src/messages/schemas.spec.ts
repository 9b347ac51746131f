import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSchemas, SCHEMA_DIR, serialise } from '../../scripts/schemas';
import { MESSAGE_TYPES } from './message-types';

type Schema = Record<string, unknown>;

const files = buildSchemas();

function walk(node: unknown, visit: (schema: Schema) => void): void {
  if (Array.isArray(node)) node.forEach((item) => walk(item, visit));
  else if (typeof node === 'object' && node !== null) {
    visit(node as Schema);
    Object.values(node).forEach((value) => walk(value, visit));
  }
}

describe('published JSON Schemas (scripts/schemas.ts)', () => {
  it('has one file per message type plus the envelope', () => {
    expect(Object.keys(files).sort()).toEqual(
      ['envelope.schema.json', ...MESSAGE_TYPES.map((type) => `${type}.schema.json`)].sort(),
    );
  });

  describe.each(Object.entries(files))('%s', (_file, schema) => {
    it('is self-contained: every $ref resolves inside the file', () => {
      const definitions = (schema.definitions ?? {}) as Record<string, unknown>;
      walk(schema, (node) => {
        if (typeof node.$ref === 'string') {
          expect(node.$ref).toMatch(/^#\/definitions\//);
          expect(Object.keys(definitions)).toContain(node.$ref.slice('#/definitions/'.length));
        }
      });
    });

    it('forbids unknown properties on every object, as the validator does', () => {
      walk(schema, (node) => {
        if (node.properties !== undefined) expect(node.additionalProperties).toBe(false);
      });
    });

    it('uses only standard formats', () => {
      walk(schema, (node) => {
        if (typeof node.format === 'string')
          expect(['date', 'date-time', 'email', 'uuid']).toContain(node.format);
      });
    });
  });

  it('marks optional fields as optional and the rest as required', () => {
    const referral = files['REFERRAL_REQUEST.schema.json'];
    expect(referral.required).toEqual(
      expect.arrayContaining(['person', 'age', 'riskSummary', 'exploitationTypes', 'requestedSop']),
    );
    expect(referral.required).not.toContain('placement');
    const person = (referral.definitions as Record<string, Schema>).PersonDto;
    expect(person.required).toEqual(expect.arrayContaining(['givenName', 'familyName', 'languages']));
    expect(person.required).not.toContain('dateOfBirth');
  });

  it('requires the nullable envelope fields while allowing null', () => {
    const envelope = files['envelope.schema.json'];
    expect(envelope.required).toEqual(expect.arrayContaining(['caseRef', 'inReplyTo', 'sealed']));
    expect(envelope.required).not.toContain('consent');
    const properties = envelope.properties as Record<string, Schema>;
    expect(properties.caseRef.anyOf).toContainEqual(expect.objectContaining({ type: 'null' }));
    expect(properties.inReplyTo.anyOf).toContainEqual({ type: 'null' });
  });

  it('resolves nested @Type arrays to their class', () => {
    const result = files['RISK_ASSESSMENT_RESULT.schema.json'];
    expect((result.properties as Record<string, Schema>).factors.items).toEqual({
      $ref: '#/definitions/RiskFactorDto',
    });
  });

  it('matches the files in docs/schemas (run `npm run schemas` after changing a DTO)', () => {
    for (const [file, schema] of Object.entries(files)) {
      const path = join(SCHEMA_DIR, file);
      expect(existsSync(path)).toBe(true);
      expect(readFileSync(path, 'utf8')).toBe(serialise(schema));
    }
  });
});
