import { Validator, type OutputUnit, type Schema } from '@cfworker/json-schema';
import type {
  CustomValidator,
  ErrorTransformer,
  RJSFSchema,
  UiSchema,
  ValidationData,
  ValidatorType,
} from '@rjsf/utils';
import processRawValidationErrors from '@rjsf/validator-ajv8/lib/processRawValidationErrors.js';

/**
 * rjsf's validator without code generation. Ajv compiles every schema to a function with `new Function`,
 * which the node's Content-Security-Policy forbids (no 'unsafe-eval'), so no form could validate or submit.
 * @cfworker/json-schema interprets the schema instead; its errors are put in Ajv's shape so that rjsf's own
 * error processing (field paths, titles, the error schema shown at each field) stays the one it ships.
 */

/** Ajv's error object, as far as rjsf's processing reads it. */
interface AjvLikeError {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
  schemaPath: string;
  message: string;
}

/** Keywords that only say "something below failed": the failures below are reported on their own. */
const WRAPPERS = new Set(['properties', 'items', 'prefixItems', 'allOf', '$ref', 'if', 'then', 'else']);

const pointer = (location: string): string =>
  location
    .replace(/^#/, '')
    .split('/')
    .map((token) => decodeURIComponent(token).replace(/~1/g, '/').replace(/~0/g, '~'))
    .join('/');

function ajvMessage(unit: OutputUnit, missing: string | undefined): string {
  const numbers = /\((\d+) [<>] (\d+)\)/.exec(unit.error);
  switch (unit.keyword) {
    case 'required':
      return `must have required property '${missing}'`;
    case 'minLength':
      return numbers?.[1] === '0' ? 'is required' : `must NOT have fewer than ${numbers?.[2]} characters`;
    case 'maxLength':
      return `must NOT have more than ${numbers?.[2]} characters`;
    case 'minItems':
      return `must NOT have fewer than ${numbers?.[2]} items`;
    case 'maxItems':
      return `must NOT have more than ${numbers?.[2]} items`;
    case 'enum':
    case 'const':
    case 'oneOf':
    case 'anyOf':
      return 'must be one of the allowed values';
    case 'format':
      return `must match format ${/format "([^"]+)"/.exec(unit.error)?.[1] ?? ''}`.trim();
    case 'pattern':
      return 'must match the expected pattern';
    case 'type':
      return `must be ${/type "([^"]+)"/.exec(unit.error)?.[1] ?? 'of another type'}`;
    default:
      return unit.error.replace(/^Instance /, 'must ').replace(/\.$/, '');
  }
}

function toAjv(units: OutputUnit[]): AjvLikeError[] {
  return (
    units
      .filter((u) => !WRAPPERS.has(u.keyword))
      // A oneOf/anyOf reports why each branch failed too: the branch's own errors are noise at a field.
      .filter((u) => !/\/(oneOf|anyOf)\/\d+/.test(u.keywordLocation))
      .map((unit) => {
        const missing = unit.keyword === 'required' ? /property "([^"]+)"/.exec(unit.error)?.[1] : undefined;
        return {
          instancePath: pointer(unit.instanceLocation),
          keyword: unit.keyword,
          params: missing === undefined ? {} : { missingProperty: missing },
          schemaPath: unit.keywordLocation,
          message: ajvMessage(unit, missing),
        };
      })
  );
}

const draftOf = (schema: RJSFSchema): '4' | '7' | '2019-09' | '2020-12' => {
  const declared = String(schema.$schema ?? '');
  if (declared.includes('2020-12')) return '2020-12';
  if (declared.includes('2019-09')) return '2019-09';
  if (declared.includes('draft-04')) return '4';
  return '7';
};

const validators = new WeakMap<object, Validator>();
function validatorFor(schema: RJSFSchema): Validator {
  let found = validators.get(schema);
  if (!found) {
    found = new Validator(schema as Schema, draftOf(schema), false);
    validators.set(schema, found);
  }
  return found;
}

class CspSafeValidator implements ValidatorType {
  rawValidation<Result = AjvLikeError>(schema: RJSFSchema, formData?: unknown) {
    try {
      return { errors: toAjv(validatorFor(schema).validate(formData).errors) as Result[] };
    } catch (error) {
      return { errors: [] as Result[], validationError: error as Error };
    }
  }

  validateFormData(
    formData: unknown,
    schema: RJSFSchema,
    customValidate?: CustomValidator,
    transformErrors?: ErrorTransformer,
    uiSchema?: UiSchema,
  ): ValidationData<unknown> {
    const raw = this.rawValidation<never>(schema, formData);
    return processRawValidationErrors(this, raw, formData, schema, customValidate, transformErrors, uiSchema);
  }

  /** rjsf asks this of sub-schemas (which oneOf branch matches): their `#/definitions/…` refs are the root's. */
  isValid(schema: RJSFSchema, formData: unknown, rootSchema: RJSFSchema): boolean {
    try {
      const withRoot = {
        ...schema,
        definitions: { ...rootSchema.definitions, ...schema.definitions },
        $defs: { ...rootSchema.$defs, ...schema.$defs },
      } as RJSFSchema;
      return new Validator(withRoot as Schema, draftOf(rootSchema), true).validate(formData).valid;
    } catch {
      return false;
    }
  }

  reset(): void {
    // Validators are cached by schema object in a WeakMap: nothing to clear.
  }
}

export const cspSafeValidator = new CspSafeValidator();
