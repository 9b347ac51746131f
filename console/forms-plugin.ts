import { compileSchemaValidatorsCode } from '@rjsf/validator-ajv8/compileSchemaValidators';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'vite';

type Json = Record<string, unknown>;

const docs = fileURLToPath(new URL('../docs/', import.meta.url));
/** The request bodies of docs/openapi.json that the console fills in with a generated form. */
const DTO_FORMS = [
  'OpenCaseDto',
  'RecordConsentDto',
  'RecordAssessmentDto',
  'RecordOverrideDto',
  'CreateAccountDto',
  'SetRolesDto',
  'SetManagerDto',
  'SetGuardianDto',
  'SetAgeStatusDto',
  'SetPhaseDto',
  'CloseCaseDto',
];

const DATE_TIMES = ['givenAt', 'expiresAt', 'assessedAt', 'validUntil'];

const INDEX = 'virtual:trm-forms';
const FORM = 'virtual:trm-form/';

/** Every form schema by name: the message payload schemas of docs/schemas and the DTOs of docs/openapi.json. */
function formSchemas(): Map<string, Json> {
  const forms = new Map<string, Json>();
  for (const file of readdirSync(`${docs}schemas`)) {
    const match = /^([A-Z_]+)\.schema\.json$/.exec(file);
    if (match) forms.set(match[1], JSON.parse(readFileSync(`${docs}schemas/${file}`, 'utf8')) as Json);
  }
  const openapi = JSON.parse(readFileSync(`${docs}openapi.json`, 'utf8')) as {
    components: { schemas: Record<string, Json> };
  };
  const components = openapi.components.schemas;
  // OpenAPI 3.0 is not JSON Schema: refs inlined, `nullable` and `example` dropped.
  const clean = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(clean);
    if (!value || typeof value !== 'object') return value;
    const v = value as Json;
    if (typeof v.$ref === 'string') return clean(components[v.$ref.split('/').pop() ?? '']);
    const out = { ...v };
    // A list of codes is a set (the node refuses duplicates): checkboxes in the form.
    const items = out.items as Json | undefined;
    if (out.type === 'array' && items && Array.isArray(items.enum)) out.uniqueItems = true;
    // Instants the DTOs check with IsDateTime but do not mark in the OpenAPI document.
    if (out.type === 'object' && out.properties) {
      const properties = { ...(out.properties as Record<string, Json>) };
      for (const key of DATE_TIMES)
        if (properties[key]?.type === 'string' && !properties[key].format)
          properties[key] = { ...properties[key], format: 'date-time' };
      out.properties = properties;
    }
    return Object.fromEntries(
      Object.entries(out)
        .filter(([k]) => k !== 'nullable' && k !== 'example')
        .map(([k, x]) => [k, clean(x)]),
    );
  };
  for (const name of DTO_FORMS) if (components[name]) forms.set(name, clean(components[name]) as Json);
  return forms;
}

/**
 * The forms' validators compiled at build time (ajv standalone code), so the browser never evaluates generated
 * code: the node's Content-Security-Policy has no 'unsafe-eval'. `virtual:trm-forms` maps each form's name to a
 * lazy chunk with its schema and validators; a new schema file or field is picked up by the next build.
 */
export function formsPlugin(): Plugin {
  let forms: Map<string, Json> | null = null;
  const all = (): Map<string, Json> => (forms ??= formSchemas());
  return {
    name: 'trm-forms',
    resolveId(id) {
      if (id === INDEX || id.startsWith(FORM)) return `\0${id}`;
      return null;
    },
    load(id) {
      if (id === `\0${INDEX}`) {
        const entries = [...all().keys()].map(
          (name) => `  ${JSON.stringify(name)}: () => import(${JSON.stringify(FORM + name)}),`,
        );
        return `export const forms = {\n${entries.join('\n')}\n};\n`;
      }
      if (id.startsWith(`\0${FORM}`)) {
        const name = id.slice(FORM.length + 1);
        const schema = all().get(name);
        if (!schema) throw new Error(`no form schema ${name}`);
        return esmModule(compileSchemaValidatorsCode(schema), schema);
      }
      return null;
    },
  };
}

// ajv's runtime helpers, resolved from the validator package (the project holds other ajv versions too).
const fromValidator = createRequire(createRequire(import.meta.url).resolve('@rjsf/validator-ajv8'));

/**
 * ajv's standalone code is CommonJS, and its export names (schema hashes) are not valid ES export names: the
 * code runs in a module-local `module`, its `require`s become imports, and the validators are the default export.
 */
function esmModule(code: string, schema: Json): string {
  const required = [...new Set([...code.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]))];
  // Namespace imports, so that `require(x).default` and `require(x).fullFormats` read what the module exports.
  const imports = required.map(
    (name, i) => `import * as __r${i} from ${JSON.stringify(fromValidator.resolve(name))};`,
  );
  const table = required.map((name, i) => `${JSON.stringify(name)}: __r${i}`).join(', ');
  return [
    ...imports,
    `const __modules = { ${table} };`,
    'const module = { exports: {} };',
    'const exports = module.exports;',
    'const require = (name) => __modules[name];',
    code,
    'export default module.exports;',
    `export const schema = ${JSON.stringify(schema)};`,
  ].join('\n');
}
