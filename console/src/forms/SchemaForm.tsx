import Form, { getDefaultRegistry } from '@rjsf/core';
import {
  ariaDescribedByIds,
  englishStringTranslator,
  TranslatableString,
  type ErrorSchema,
  type UiSchema,
  type WidgetProps,
} from '@rjsf/utils';
import { useEffect, useMemo, useState, type ReactNode, type RefObject } from 'react';
import { useTranslation } from 'react-i18next';
import { api, call } from '../api/client';
import { useLoad } from '../api/useLoad';
import { CountryOptions } from '../components/format';
import { Loading } from '../components/Problem';
import { useCodeList, useCodes } from '../i18n/labels';
import { humanize, labelsFor } from './schema-tools';
import { loadForm, type LoadedForm } from './schemas';

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

const { CheckboxesWidget } = getDefaultRegistry().widgets;

/** rjsf's checkboxes, named as one group (as a fieldset is) for screen readers and tests. */
function GroupedCheckboxes(props: WidgetProps) {
  return (
    <div role="group" aria-label={`${props.label}${props.required ? '*' : ''}`}>
      <CheckboxesWidget {...props} />
    </div>
  );
}

/**
 * A country of the directory, chosen rather than typed (`'ui:widget': 'directoryCountry'`), for a field the
 * node can only send to a participant (a consent's recipients).
 */
function DirectoryCountry(props: WidgetProps) {
  const directory = useLoad(() => call(() => api.GET('/directory')), []);
  const codes = (
    (directory.data as { participants?: Array<{ code: string }> } | undefined)?.participants ?? []
  ).map((p) => p.code);
  const value = typeof props.value === 'string' ? props.value : '';
  return (
    <select
      id={props.id}
      className="form-control"
      value={value}
      required={props.required}
      disabled={props.disabled || props.readonly}
      aria-describedby={ariaDescribedByIds(props.id)}
      onChange={(e) => props.onChange(e.target.value || undefined)}
      onBlur={() => props.onBlur(props.id, value)}
      onFocus={() => props.onFocus(props.id, value)}
    >
      <option value="" />
      {value && !codes.includes(value) && <option value={value}>{value}</option>}
      <CountryOptions codes={codes} />
    </select>
  );
}

/** A risk factor code, chosen by its meaning (schema-tools gives risk factor codes this widget). */
function RiskFactor(props: WidgetProps) {
  const codes = useCodeList('riskFactor');
  const label = useCodes();
  const value = typeof props.value === 'string' ? props.value : '';
  return (
    <select
      id={props.id}
      className="form-control"
      value={value}
      required={props.required}
      disabled={props.disabled || props.readonly}
      aria-describedby={ariaDescribedByIds(props.id)}
      onChange={(e) => props.onChange(e.target.value || undefined)}
      onBlur={() => props.onBlur(props.id, value)}
      onFocus={() => props.onFocus(props.id, value)}
    >
      <option value="" />
      {codes.map((code) => (
        <option key={code} value={code}>
          {code} · {label('riskFactor', code)}
        </option>
      ))}
    </select>
  );
}

const WIDGETS = {
  CheckboxesWidget: GroupedCheckboxes,
  directoryCountry: DirectoryCountry,
  riskFactor: RiskFactor,
};

type UiTree = Record<string, unknown>;
const isTree = (v: unknown): v is UiTree => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The screen's uiSchema over the generated labels, merged key by key so both keep what they say. */
function mergeUi(base: UiTree, over: UiTree): UiTree {
  const out: UiTree = { ...base };
  for (const [key, value] of Object.entries(over))
    out[key] = isTree(value) && isTree(out[key]) ? mergeUi(out[key], value) : value;
  return out;
}

export interface SchemaFormProps {
  id: string;
  /** A message type (its docs/schemas payload schema) or a request DTO of docs/openapi.json. */
  form: string;
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
 * A form generated from a JSON Schema, checked in the browser by its precompiled validator and at the node by
 * the same schema; the node's field errors show at their fields.
 */
export function SchemaForm(props: SchemaFormProps) {
  const { t, i18n } = useTranslation();
  const code = useCodes();
  const [loaded, setLoaded] = useState<LoadedForm | null | undefined>(undefined);
  useEffect(() => {
    let live = true;
    setLoaded(undefined);
    void loadForm(props.form).then((f) => live && setLoaded(f));
    return () => {
      live = false;
    };
  }, [props.form]);
  const labels = useMemo(
    () =>
      loaded ? labelsFor(loaded.schema, { field: (name) => t(`field.${name}`, humanize(name)), code }) : {},
    [loaded, i18n.language],
  );
  if (loaded === undefined) return <Loading />;
  if (loaded === null)
    return (
      <p className="problem">{t('form.missing', 'No form is known for {{name}}.', { name: props.form })}</p>
    );
  return (
    <Form
      ref={props.formRef}
      className="rjsf form"
      idPrefix={props.id}
      schema={loaded.schema}
      uiSchema={mergeUi({ ...labels, 'ui:submitButtonOptions': { norender: true } }, props.uiSchema ?? {})}
      formData={props.formData}
      validator={loaded.validator}
      widgets={WIDGETS}
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
