import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api, call } from '../../api/client';
import { usePages } from '../../api/usePages';
import { summaryCountries, summaryPhases, type CaseSummary } from '../../api/pending';
import { DataTable, NextPage } from '../../components/DataTable';
import { Badge, CaseLink, SopOptions, When } from '../../components/format';
import { announce } from '../../components/live';
import { Problem } from '../../components/Problem';
import { CountrySelect } from '../../components/CountrySelect';
import { useCodes } from '../../i18n/labels';

const STATUSES = ['OPEN', 'CLOSED'];
const ROLES = ['ORIGIN', 'TRANSIT', 'DESTINATION'];
const PHASE_STATUSES = ['NOT_STARTED', 'ACTIVE', 'COMPLETED', 'SKIPPED'];
const IDENTIFICATION = [
  'PRESUMED_VICTIM',
  'IDENTIFICATION_IN_PROGRESS',
  'IDENTIFIED_VICTIM',
  'NOT_IDENTIFIED',
];

interface Filters {
  caseRef: string;
  status: string;
  sop: string;
  phaseStatus: string;
  country: string;
  role: string;
  identificationStatus: string;
  openedFrom: string;
  openedTo: string;
  activityFrom: string;
  activityTo: string;
}

const EMPTY: Filters = {
  caseRef: '',
  status: '',
  sop: '',
  phaseStatus: '',
  country: '',
  role: '',
  identificationStatus: '',
  openedFrom: '',
  openedTo: '',
  activityFrom: '',
  activityTo: '',
};

/** A day from a date input as the instant the API compares with: the start of `from`, the end of `to`. */
function instant(day: string, end: boolean): string {
  return new Date(`${day}T${end ? '23:59:59.999' : '00:00:00.000'}`).toISOString();
}

function query(filters: Filters, after: string | null): Record<string, string | number> {
  const params = new Map<string, string | number>();
  for (const [key, value] of Object.entries(filters) as Array<[keyof Filters, string]>) {
    if (!value.trim()) continue;
    if (key === 'openedFrom' || key === 'activityFrom') params.set(key, instant(value, false));
    else if (key === 'openedTo' || key === 'activityTo') params.set(key, instant(value, true));
    else params.set(key, key === 'country' || key === 'caseRef' ? value.trim().toUpperCase() : value);
  }
  if (after) params.set('after', after);
  params.set('limit', 50);
  return Object.fromEntries(params);
}

/**
 * Case search. The filters stay in the screen's state (never in the address bar: a reference typed in part,
 * or any later free-text filter, must not reach server or proxy logs).
 */
export function Cases() {
  const { t } = useTranslation();
  const label = useCodes();
  const [filters, setFilters] = useState<Filters>(EMPTY);
  // On mount, the first page before any filter: the newest activity first.
  const { rows, next, busy, error, load, clear } = usePages<CaseSummary>(
    async (after) => {
      // The query goes in the API call's URL (coordinator-only, no personal data: codes, dates, references).
      const page = await call(() => api.GET('/cases', { params: { query: query(filters, after) as never } }));
      return {
        items: (page.items ?? []) as unknown as CaseSummary[],
        next: (page.nextCursor as unknown as string | null) ?? null,
      };
    },
    (_added, shown) => announce(t('cases.found', '{{count}} cases shown', { count: shown })),
  );

  const submit = (event: FormEvent): void => {
    event.preventDefault();
    void load(null);
  };
  const set = (key: keyof Filters) => (event: { target: { value: string } }) =>
    setFilters((f) => ({ ...f, [key]: event.target.value }));

  const select = (key: keyof Filters, text: string, options: string[], kind: Parameters<typeof label>[0]) => (
    <div className="field">
      <label htmlFor={`f-${key}`}>{text}</label>
      <select id={`f-${key}`} value={filters[key]} onChange={set(key)}>
        <option value="">{t('cases.any', 'Any')}</option>
        {options.map((o) => (
          <option key={o} value={o}>
            {label(kind, o)}
          </option>
        ))}
      </select>
    </div>
  );
  const date = (key: keyof Filters, text: string) => (
    <div className="field">
      <label htmlFor={`f-${key}`}>{text}</label>
      <input id={`f-${key}`} type="date" value={filters[key]} onChange={set(key)} />
    </div>
  );

  return (
    <section aria-labelledby="cases-title">
      <h1 id="cases-title">{t('cases.title', 'Cases')}</h1>
      <form
        className="panel form-inline"
        onSubmit={submit}
        role="search"
        aria-label={t('cases.search', 'Search cases')}
      >
        <div className="field">
          <label htmlFor="f-caseRef">{t('cases.caseRef', 'Case reference')}</label>
          <input
            id="f-caseRef"
            value={filters.caseRef}
            onChange={set('caseRef')}
            placeholder="TRM-FR-2026-000001"
            autoComplete="off"
          />
        </div>
        {select('status', t('cases.status', 'Status'), STATUSES, 'caseStatus')}
        <div className="field">
          <label htmlFor="f-sop">{t('cases.sop', 'SOP')}</label>
          <select id="f-sop" value={filters.sop} onChange={set('sop')}>
            <option value="">{t('cases.any', 'Any')}</option>
            <SopOptions />
          </select>
        </div>
        {select('phaseStatus', t('cases.phaseStatus', 'Phase status'), PHASE_STATUSES, 'phaseStatus')}
        <CountrySelect
          id="f-country"
          label={t('cases.countryChoice', 'Country')}
          value={filters.country}
          onChange={(country) => setFilters((f) => ({ ...f, country }))}
        />
        {select('role', t('cases.role', 'Its role'), ROLES, 'countryRole')}
        {select(
          'identificationStatus',
          t('cases.identification', 'Identification'),
          IDENTIFICATION,
          'identificationStatus',
        )}
        {date('openedFrom', t('cases.openedFrom', 'Opened from'))}
        {date('openedTo', t('cases.openedTo', 'Opened until'))}
        {date('activityFrom', t('cases.activityFrom', 'Last activity from'))}
        {date('activityTo', t('cases.activityTo', 'Last activity until'))}
        <div className="actions">
          <button type="submit" className="primary" disabled={busy}>
            {t('cases.searchButton', 'Search')}
          </button>
          <button
            type="button"
            onClick={() => {
              setFilters(EMPTY);
              clear();
            }}
          >
            {t('cases.clear', 'Clear')}
          </button>
        </div>
      </form>
      <Problem error={error} />
      {rows && (
        <div className="panel">
          <h2>
            {t('cases.results', 'Results')} <span className="count">({rows.length})</span>
          </h2>
          <DataTable
            count={rows.length}
            empty={t('cases.none', 'No case matches.')}
            columns={[
              t('cases.col.ref', 'Reference'),
              t('cases.col.status', 'Status'),
              t('cases.col.countries', 'Countries'),
              t('cases.col.phases', 'SOP phases'),
              t('cases.col.age', 'Age'),
              t('cases.col.identification', 'Identification'),
              t('cases.col.opened', 'Opened'),
              t('cases.col.activity', 'Last activity'),
            ]}
          >
            {rows.map((c) => (
              <tr key={c.caseRef}>
                <th scope="row">
                  <CaseLink caseRef={c.caseRef} />
                  {c.restricted && (
                    <span className="badge badge-deny"> {t('cases.restricted', 'restricted')}</span>
                  )}
                </th>
                <td>
                  <Badge kind="caseStatus" code={c.status} />
                </td>
                <td>
                  {summaryCountries(c)
                    .map((x) => `${x.country}${x.role ? ` (${label('countryRole', x.role)})` : ''}`)
                    .join(', ')}
                </td>
                <td>
                  {summaryPhases(c)
                    .filter((p) => p.status !== 'NOT_STARTED')
                    .map((p) => `${p.sop}: ${label('phaseStatus', p.status)}`)
                    .join(' · ') || '—'}
                </td>
                <td>{label('ageStatus', c.ageStatus)}</td>
                <td>{label('identificationStatus', c.identificationStatus)}</td>
                <td>
                  <When at={c.openedAt} dateOnly />
                </td>
                <td>
                  <When at={c.lastActivityAt} />
                </td>
              </tr>
            ))}
          </DataTable>
          <NextPage next={next} busy={busy} onNext={(after) => void load(after)} />
        </div>
      )}
    </section>
  );
}
