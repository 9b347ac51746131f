import type { RJSFSchema, ValidatorType } from '@rjsf/utils';
import { createPrecompiledValidator } from '@rjsf/validator-ajv8';
import { forms } from 'virtual:trm-forms';

export interface LoadedForm {
  schema: RJSFSchema;
  validator: ValidatorType;
}

const cache = new Map<string, Promise<LoadedForm | null>>();

/**
 * A form's schema (a message type's payload schema from docs/schemas, or a request DTO of docs/openapi.json)
 * with its validator, compiled at build time (forms-plugin.ts): no code is evaluated in the browser.
 */
export function loadForm(name: string): Promise<LoadedForm | null> {
  let loaded = cache.get(name);
  if (!loaded) {
    const load = forms[name];
    loaded = load
      ? load().then((module) => {
          const schema = module.schema as RJSFSchema;
          return { schema, validator: createPrecompiledValidator(module.default, schema) };
        })
      : Promise.resolve(null);
    cache.set(name, loaded);
  }
  return loaded;
}

/** The names of the forms that exist (message types with a payload schema, DTOs). */
export const FORM_NAMES = Object.keys(forms);
