import { useTranslation } from 'react-i18next';
import { api, call } from '../api/client';
import { useLoad } from '../api/useLoad';
import { CountryOptions } from './format';

/** A country chosen among the directory's participants (every role may read the directory). */
export function CountrySelect(props: {
  id: string;
  label: string;
  value: string;
  onChange: (code: string) => void;
}) {
  const { t } = useTranslation();
  const directory = useLoad(() => call(() => api.GET('/directory')), []);
  const codes = (
    (directory.data as { participants?: Array<{ code: string }> } | undefined)?.participants ?? []
  ).map((p) => p.code);
  return (
    <div className="field">
      <label htmlFor={props.id}>{props.label}</label>
      <select id={props.id} value={props.value} onChange={(e) => props.onChange(e.target.value)}>
        <option value="">{t('cases.any', 'Any')}</option>
        {props.value && !codes.includes(props.value) && <option value={props.value}>{props.value}</option>}
        <CountryOptions codes={codes} />
      </select>
    </div>
  );
}
