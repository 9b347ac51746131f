import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { api, call, download, type Schemas } from '../../api/client';
import { usePages } from '../../api/usePages';
import { CasePicker } from '../../components/CasePicker';
import { CountrySelect } from '../../components/CountrySelect';
import { DataTable, NextPage } from '../../components/DataTable';
import { Decision, When } from '../../components/format';
import { announce } from '../../components/live';
import { Problem } from '../../components/Problem';
import { useCodeList, useCodes, type CodeKind } from '../../i18n/labels';

type Entry = Schemas['AuditEntryView'];

interface Filters {
  caseRef: string;
  country: string;
  messageType: string;
  decision: '' | 'ALLOW' | 'DENY';
  actor: string;
  action: string;
  from: string;
  to: string;
  order: 'asc' | 'desc';
}

const EMPTY: Filters = {
  caseRef: '',
  country: '',
  messageType: '',
  decision: '',
  actor: '',
  action: '',
  from: '',
  to: '',
  order: 'asc',
};

function filterQuery(f: Filters): Record<string, string> {
  const q: Record<string, string> = {};
  if (f.caseRef.trim()) q.caseRef = f.caseRef.trim().toUpperCase();
  if (f.country.trim()) q.country = f.country.trim().toUpperCase();
  if (f.messageType) q.messageType = f.messageType;
  if (f.decision) q.decision = f.decision;
  if (f.actor.trim()) q.actor = f.actor.trim();
  if (f.action.trim()) q.action = f.action.trim();
  if (f.from) q.from = new Date(`${f.from}T00:00:00`).toISOString();
  if (f.to) q.to = new Date(`${f.to}T23:59:59.999`).toISOString();
  return q;
}

/** Audit entries with the filters of GET /audit/entries (kept in the screen's state, never in the URL). */
export function AuditEntries() {
  const { t } = useTranslation();
  const label = useCodes();
  const [filters, setFilters] = useState<Filters>(EMPTY);
  const messageTypes = useCodeList('messageType');
  const actions = useCodeList('auditAction');
  const {
    rows: entries,
    next,
    busy,
    error,
    setError,
    load,
  } = usePages<Entry>(
    async (after) => {
      const page = await call(() =>
        api.GET('/audit/entries', {
          params: {
            query: {
              ...filterQuery(filters),
              order: filters.order,
              limit: 50,
              ...(after ? { after } : {}),
            } as never,
          },
        }),
      );
      return { items: page.entries, next: (page.nextCursor as unknown as string | null) ?? null };
    },
    (added) => announce(t('audit.loaded', '{{count}} entries loaded', { count: added })),
  );

  async function exportAs(format: 'csv' | 'jsonl'): Promise<void> {
    setError(undefined);
    try {
      const query = new URLSearchParams({ ...filterQuery(filters), format });
      await download(
        `/audit/export?${query.toString()}`,
        `audit-${new Date().toISOString().slice(0, 10)}.${format}`,
      );
      announce(t('audit.exported', 'Export downloaded.'));
    } catch (e) {
      setError(e);
    }
  }

  const set = (key: keyof Filters) => (e: { target: { value: string } }) =>
    setFilters((f) => ({ ...f, [key]: e.target.value }));
  const text = (key: keyof Filters, caption: string, extra: Record<string, unknown> = {}) => (
    <div className="field">
      <label htmlFor={`a-${key}`}>{caption}</label>
      <input id={`a-${key}`} value={filters[key]} onChange={set(key)} autoComplete="off" {...extra} />
    </div>
  );
  const codeSelect = (key: keyof Filters, caption: string, codes: string[], kind: CodeKind) => (
    <div className="field">
      <label htmlFor={`a-${key}`}>{caption}</label>
      <select id={`a-${key}`} value={filters[key]} onChange={set(key)}>
        <option value="">{t('cases.any', 'Any')}</option>
        {codes.map((c) => (
          <option key={c} value={c}>
            {label(kind, c)}
          </option>
        ))}
      </select>
    </div>
  );
  const submit = (e: FormEvent): void => {
    e.preventDefault();
    void load(null);
  };
  return (
    <section aria-labelledby="audit-title">
      <h1 id="audit-title">{t('audit.title', 'Audit entries')}</h1>
      <form
        className="panel form-inline"
        role="search"
        aria-label={t('audit.search', 'Filter audit entries')}
        onSubmit={submit}
      >
        <CasePicker
          id="a-caseRef"
          label={t('audit.caseRef', 'Case reference')}
          value={filters.caseRef}
          onChange={(caseRef) => setFilters((f) => ({ ...f, caseRef }))}
          none={t('cases.any', 'Any')}
        />
        <CountrySelect
          id="a-country"
          label={t('audit.countryChoice', 'Country')}
          value={filters.country}
          onChange={(country) => setFilters((f) => ({ ...f, country }))}
        />
        {codeSelect('messageType', t('audit.messageType', 'Message type'), messageTypes, 'messageType')}
        <div className="field">
          <label htmlFor="a-decision">{t('audit.decision', 'Decision')}</label>
          <select id="a-decision" value={filters.decision} onChange={set('decision')}>
            <option value="">{t('cases.any', 'Any')}</option>
            <option value="ALLOW">{label('decision', 'ALLOW')}</option>
            <option value="DENY">{label('decision', 'DENY')}</option>
          </select>
        </div>
        {text('actor', t('audit.actor', 'Actor'))}
        {codeSelect('action', t('audit.actionChoice', 'Action'), actions, 'auditAction')}
        <div className="field">
          <label htmlFor="a-from">{t('audit.from', 'From')}</label>
          <input id="a-from" type="date" value={filters.from} onChange={set('from')} />
        </div>
        <div className="field">
          <label htmlFor="a-to">{t('audit.to', 'Until')}</label>
          <input id="a-to" type="date" value={filters.to} onChange={set('to')} />
        </div>
        <div className="field">
          <label htmlFor="a-order">{t('audit.order', 'Order')}</label>
          <select id="a-order" value={filters.order} onChange={set('order')}>
            <option value="desc">{t('audit.newest', 'Newest first')}</option>
            <option value="asc">{t('audit.oldest', 'Oldest first')}</option>
          </select>
        </div>
        <div className="actions">
          <button type="submit" className="primary" disabled={busy}>
            {t('audit.apply', 'Apply filters')}
          </button>
          <button type="button" onClick={() => void exportAs('csv')}>
            {t('audit.exportCsv', 'Export CSV')}
          </button>
          <button type="button" onClick={() => void exportAs('jsonl')}>
            {t('audit.exportJson', 'Export JSON lines')}
          </button>
        </div>
      </form>
      <Problem error={error} />
      {entries && (
        <div className="panel">
          <DataTable
            count={entries.length}
            empty={t('audit.none', 'No entry matches.')}
            columns={[
              t('audit.col.seq', 'No.'),
              t('audit.col.at', 'When'),
              t('audit.col.action', 'Action'),
              t('audit.col.actor', 'Actor'),
              t('audit.col.case', 'Case'),
              t('audit.col.message', 'Message'),
              t('audit.col.decision', 'Decision'),
            ]}
          >
            {entries.map((e) => {
              const caseRef = e.caseRef as unknown as string | null;
              const type = e.messageType as unknown as string | null;
              const reason = e.reasonCode as unknown as string | null;
              return (
                <tr key={e.seq}>
                  <td>{e.seq}</td>
                  <td>
                    <When at={e.at} />
                  </td>
                  <td>
                    {label('auditAction', e.action)}
                    {label('auditAction', e.action) !== e.action && (
                      <span className="muted"> · {e.action}</span>
                    )}
                  </td>
                  <td>{e.actor}</td>
                  <td>
                    {caseRef ? (
                      <Link to={`/audit/cases/${encodeURIComponent(caseRef)}`}>{caseRef}</Link>
                    ) : (
                      '—'
                    )}
                  </td>
                  <td>
                    {type ? label('messageType', type) : '—'}
                    {typeof e.counterpart === 'string' && <span className="muted"> · {e.counterpart}</span>}
                  </td>
                  <td>
                    <Decision decision={e.decision} reasonCode={reason} />
                  </td>
                </tr>
              );
            })}
          </DataTable>
          <NextPage next={next} busy={busy} onNext={(after) => void load(after)} />
        </div>
      )}
    </section>
  );
}
