import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, call } from '../api/client';
import { useLoad } from '../api/useLoad';
import { useCodes } from '../i18n/labels';
import { Problem } from './Problem';

/**
 * A case chosen from the node's case list (newest activity first), narrowed by any part of its reference:
 * the node knows its references, so nobody has to type one whole. The list is the case rows' own facts.
 */
export function CasePicker(props: {
  id: string;
  label: string;
  value: string;
  onChange: (caseRef: string) => void;
  /** The first option's text: "Choose a case" unless the choice may be left empty ("Any"). */
  none?: string;
}) {
  const { t } = useTranslation();
  const code = useCodes();
  const [find, setFind] = useState('');
  const hint = useId();
  const part = find.trim().toUpperCase();
  const list = useLoad(
    () =>
      call(() => api.GET('/cases', { params: { query: { ...(part ? { caseRef: part } : {}), limit: 50 } } })),
    [part],
  );
  const items = list.data?.items ?? [];
  return (
    <>
      <div className="field">
        <label htmlFor={`${props.id}-find`}>{t('casePicker.find', 'Narrow the cases by reference')}</label>
        <input
          id={`${props.id}-find`}
          type="search"
          value={find}
          onChange={(e) => setFind(e.target.value)}
          placeholder="000123"
          aria-describedby={hint}
          autoComplete="off"
        />
        <span id={hint} className="muted">
          {t('casePicker.hint', 'Cases listed: {{count}}, newest activity first', { count: items.length })}
        </span>
      </div>
      <div className="field">
        <label htmlFor={props.id}>{props.label}</label>
        <select id={props.id} value={props.value} onChange={(e) => props.onChange(e.target.value)}>
          <option value="">{props.none ?? t('casePicker.choose', 'Choose a case')}</option>
          {props.value && !items.some((c) => c.caseRef === props.value) && (
            <option value={props.value}>{props.value}</option>
          )}
          {items.map((c) => (
            <option key={c.caseRef} value={c.caseRef}>
              {c.caseRef} · {code('caseStatus', c.status)} ·{' '}
              {c.countries.map((x) => x.country).join(', ') || c.ownerCountry}
            </option>
          ))}
        </select>
      </div>
      <Problem error={list.error} />
    </>
  );
}
