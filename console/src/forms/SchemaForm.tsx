import Form from '@rjsf/core';
import {
  englishStringTranslator,
  TranslatableString,
  type ErrorSchema,
  type RJSFSchema,
  type UiSchema,
} from '@rjsf/utils';
import { useMemo, type ReactNode, type RefObject } from 'react';
import { useTranslation } from 'react-i18next';
import { useCodes } from '../i18n/labels';
import { cspSafeValidator } from './csp-validator';
import { humanize, labelSchema } from './schema-tools';

const STRINGS: Partial<Record<TranslatableString, string>> = {
  [TranslatableString.AddItemButton]: 'form.addItem',
  [TranslatableString.AddButton]: 'form.add',
  [TranslatableString.RemoveButton]: 'form.remove',
  [TranslatableString.MoveUpButton]: 'form.moveUp',
  [TranslatableString.MoveDownButton]: 'form.moveDown',
  [TranslatableString.CopyButton]: 'form.copy',
  [TranslatableString.YesLabel]: 'form.yes',
  [TranslatableString.NoLabel]: 'form.no',
  [TranslatableString.ArrayItemTitle]: 'form.item',
  [TranslatableString.EmptyArray]: 'form.emptyArray',
};

export interface SchemaFormProps {
  id: string;
  schema: object;
  formData: unknown;
  onChange: (data: unknown) => void;
  onSubmit?: (data: unknown) => void;
  extraErrors?: ErrorSchema;
  uiSchema?: UiSchema;
  children?: ReactNode;
  disabled?: boolean;
  /** `formRef.current.validateForm()` checks the form in the browser and shows errors at the fields. */
  formRef?: RefObject<Form | null>;
}

/**
 * A form generated from a JSON Schema (docs/schemas/<TYPE>.schema.json, or a DTO of docs/openapi.json), checked
 * in the browser (csp-validator.ts: no eval, the CSP forbids it) and at the node by the same schema; the node's field errors show at their fields.
 */
export function SchemaForm(props: SchemaFormProps) {
  const { t, i18n } = useTranslation();
  const code = useCodes();
  const schema = useMemo(
    () =>
      labelSchema(props.schema, {
        field: (name) => t(`field.${name}`, humanize(name)),
        code,
      }) as RJSFSchema,
    [props.schema, i18n.language],
  );
  return (
    <Form
      ref={props.formRef}
      className="rjsf form"
      idPrefix={props.id}
      schema={schema}
      uiSchema={{ 'ui:submitButtonOptions': { norender: true }, ...props.uiSchema }}
      formData={props.formData}
      validator={cspSafeValidator}
      extraErrors={props.extraErrors}
      showErrorList={false}
      noHtml5Validate
      disabled={props.disabled}
      onChange={(e) => props.onChange(e.formData)}
      onSubmit={(e) => props.onSubmit?.(e.formData)}
      translateString={(key, params) => {
        const own = STRINGS[key];
        return own ? t(own, englishStringTranslator(key, params)) : englishStringTranslator(key, params);
      }}
    >
      {props.children ?? <span />}
    </Form>
  );
}

export { Form };
