declare module 'virtual:trm-forms' {
  import type { ValidatorFunctions } from '@rjsf/validator-ajv8';
  export const forms: Record<string, () => Promise<{ default: ValidatorFunctions; schema: object }>>;
}
