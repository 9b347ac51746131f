import { lazy, Suspense, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, call, type Schemas } from '../../api/client';
import { useLoad } from '../../api/useLoad';
import { DataTable, NextPage } from '../../components/DataTable';
import { Badge, CaseLink, When, isOverdue } from '../../components/format';
import { Loading, Problem } from '../../components/Problem';
import { useCodes } from '../../i18n/labels';

// recharts is large: loaded only with the chart.
const WorklistChart = lazy(() => import('./WorklistChart').then((m) => ({ default: m.WorklistChart })));

type PageOf<T> = { items: T[]; nextCursor: string | null };
type Expectation = Schemas['ExpectationView'];
type Row = Record<string, unknown>;

/** The next page of a worklist list, after the cursor the home page (or the page before) gave. */
const nextOf = {
  owed: (after: string) => call(() => api.GET('/worklist/owed', { params: { query: { after } } })),
  awaited: (after: string) => call(() => api.GET('/worklist/awaited', { params: { query: { after } } })),
  referrals: (after: string) =>
    call(() => api.GET('/worklist/unanswered-referrals', { params: { query: { after } } })),
  risk: async (after: string) =>
    (await call(() =>
      api.GET('/worklist/risk-review-due', { params: { query: { after } } }),
    )) as unknown as PageOf<Row>,
  consents: async (after: string) =>
    (await call(() =>
      api.GET('/worklist/consents-expiring', { params: { query: { after } } }),
    )) as unknown as PageOf<Row>,
};

/**
 * A worklist list past its first page: the lists are not small by nature, so the home page shows the first
 * page of each and a "Next page" button appends the following ones (a refresh starts again).
 */
function useMore<T>(first: T[], firstNext: string | null, fetchPage: (after: string) => Promise<PageOf<T>>) {
  const [more, setMore] = useState<{ rows: T[]; next: string | null } | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  useEffect(() => setMore(null), [first]);
  async function load(after: string): Promise<void> {
    setBusy(true);
    setError(undefined);
    try {
      const page = await fetchPage(after);
      setMore((previous) => ({ rows: [...(previous?.rows ?? []), ...page.items], next: page.nextCursor }));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }
  return { rows: [...first, ...(more?.rows ?? [])], next: more ? more.next : firstNext, busy, error, load };
}

/** The coordinator's home: what is owed and awaited by deadline (overdue first), and what needs her. */
export function Worklist() {
  const { t } = useTranslation();
  const list = useLoad(() => call(() => api.GET('/worklist')), []);
  return (
    <section aria-labelledby="worklist-title">
      <div className="screen-head">
        <h1 id="worklist-title">{t('worklist.title', 'Worklist')}</h1>
        <button type="button" onClick={list.reload}>
          {t('common.refresh', 'Refresh')}
        </button>
      </div>
      {list.loading && !list.data && <Loading />}
      <Problem error={list.error} />
      {list.data && (
        <>
          <Suspense fallback={null}>
            <WorklistChart owed={list.data.owed ?? []} awaited={list.data.awaited ?? []} />
          </Suspense>
          <ExpectationTable
            id="owed"
            title={t('worklist.owed', 'Answers owed by this country')}
            empty={t('worklist.owedEmpty', 'Nothing owed.')}
            rows={list.data.owed ?? []}
            next={list.data.nextCursors.owed}
            fetchPage={nextOf.owed}
            total={list.data.totals.owed}
          />
          <ExpectationTable
            id="awaited"
            title={t('worklist.awaited', 'Answers awaited from other countries')}
            empty={t('worklist.awaitedEmpty', 'Nothing awaited.')}
            rows={list.data.awaited ?? []}
            next={list.data.nextCursors.awaited}
            fetchPage={nextOf.awaited}
            total={list.data.totals.awaited}
          />
          <ExpectationTable
            id="referrals"
            title={t('worklist.referrals', 'Referrals received and not yet answered')}
            empty={t('worklist.referralsEmpty', 'No referral waiting for an answer.')}
            rows={list.data.unansweredReferrals ?? []}
            next={list.data.nextCursors.unansweredReferrals}
            fetchPage={nextOf.referrals}
            total={list.data.totals.unansweredReferrals}
          />
          <CaseRows
            id="risk"
            title={t('worklist.riskReview', 'Risk assessments due for review')}
            empty={t('worklist.riskReviewEmpty', 'No risk assessment due for review.')}
            rows={(list.data.riskReviewDue ?? []) as unknown as Row[]}
            next={list.data.nextCursors.riskReviewDue}
            fetchPage={nextOf.risk}
            total={list.data.totals.riskReviewDue}
          />
          <CaseRows
            id="consents"
            title={t('worklist.consents', 'Consents about to expire')}
            empty={t('worklist.consentsEmpty', 'No consent expires soon.')}
            rows={(list.data.consentsExpiring ?? []) as unknown as Row[]}
            next={list.data.nextCursors.consentsExpiring}
            fetchPage={nextOf.consents}
            total={list.data.totals.consentsExpiring}
          />
        </>
      )}
    </section>
  );
}

function ExpectationTable({
  id,
  title,
  empty,
  rows: first,
  next: firstNext,
  fetchPage,
  total,
}: {
  id: string;
  title: string;
  empty: string;
  rows: Expectation[];
  next: string | null;
  fetchPage: (after: string) => Promise<PageOf<Expectation>>;
  total: number;
}) {
  const { t } = useTranslation();
  const label = useCodes();
  const { rows, next, busy, error, load } = useMore(first, firstNext, fetchPage);
  const sorted = [...rows].sort((a, b) => {
    const ao = a.status === 'OVERDUE' || isOverdue(a.dueAt) ? 0 : 1;
    const bo = b.status === 'OVERDUE' || isOverdue(b.dueAt) ? 0 : 1;
    return ao - bo || a.dueAt.localeCompare(b.dueAt);
  });
  return (
    <section aria-labelledby={`${id}-title`} className="panel">
      <ListHeading id={id} title={title} shown={rows.length} total={total} />
      <DataTable
        count={sorted.length}
        empty={empty}
        columns={[
          t('worklist.col.due', 'Due'),
          t('worklist.col.case', 'Case'),
          t('worklist.col.request', 'Request'),
          t('worklist.col.expected', 'Expected answer'),
          t('worklist.col.between', 'From → to'),
          t('worklist.col.status', 'Status'),
          t('worklist.col.contact', 'Escalated to'),
        ]}
      >
        {sorted.map((e) => {
          const overdue = e.status === 'OVERDUE' || (e.status === 'OPEN' && isOverdue(e.dueAt));
          const contact = e.contact as {
            institution?: string;
            role?: string;
            department?: string;
          } | null;
          return (
            <tr key={e.id} className={overdue ? 'row-overdue' : undefined}>
              <td>
                <When at={e.dueAt} />
                {overdue && <span className="tag-overdue"> {t('worklist.overdue', 'overdue')}</span>}
              </td>
              <td>
                <CaseLink caseRef={e.caseRef} />
              </td>
              <td>{label('messageType', e.requestType)}</td>
              <td>{e.expectedTypes.map((x) => label('messageType', x)).join(', ')}</td>
              <td>
                {e.owedBy} → {e.owedTo}
              </td>
              <td>
                <Badge kind="expectationStatus" code={overdue ? 'OVERDUE' : e.status} />
              </td>
              <td>
                {contact ? (
                  <>
                    {contact.institution}
                    {contact.role && <span className="muted"> · {contact.role}</span>}
                    {e.escalationLevel > 0 && (
                      <span className="muted">
                        {' '}
                        ({t('worklist.level', 'level {{level}}', { level: e.escalationLevel })})
                      </span>
                    )}
                  </>
                ) : (
                  '—'
                )}
              </td>
            </tr>
          );
        })}
      </DataTable>
      <Problem error={error} />
      <NextPage next={next} busy={busy} onNext={(after) => void load(after)} />
    </section>
  );
}

/** Rows about cases whose exact members may vary: the case, a type, a country and a date when present. */
function CaseRows({
  id,
  title,
  empty,
  rows: first,
  next: firstNext,
  fetchPage,
  total,
}: {
  id: string;
  title: string;
  empty: string;
  rows: Row[];
  next: string | null;
  fetchPage: (after: string) => Promise<PageOf<Row>>;
  total: number;
}) {
  const { t } = useTranslation();
  const label = useCodes();
  const { rows, next, busy, error, load } = useMore(first, firstNext, fetchPage);
  const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
  return (
    <section aria-labelledby={`${id}-title`} className="panel">
      <ListHeading id={id} title={title} shown={rows.length} total={total} />
      <DataTable
        count={rows.length}
        empty={empty}
        columns={[
          t('worklist.col.case', 'Case'),
          t('worklist.col.what', 'What'),
          t('worklist.col.country', 'Country'),
          t('worklist.col.date', 'Date'),
        ]}
      >
        {rows.map((r, i) => {
          const caseRef = str(r.caseRef) ?? '';
          const type = str(r.type) ?? str(r.messageType) ?? str(r.requestType);
          const level = str(r.level);
          // An unanswered referral is an expectation: the country it is owed to is the one that referred.
          const country =
            str(r.from) ??
            str(r.counterpart) ??
            str(r.country) ??
            str(r.owedTo) ??
            (Array.isArray(r.recipients) ? r.recipients.join(', ') : undefined);
          const date =
            str(r.expiresAt) ??
            str(r.reviewRequiredAt) ??
            str(r.validUntil) ??
            str(r.receivedAt) ??
            str(r.createdAt) ??
            str(r.at) ??
            str(r.dueAt);
          return (
            <tr key={`${caseRef}-${i}`}>
              <td>{caseRef ? <CaseLink caseRef={caseRef} /> : '—'}</td>
              <td>
                {type
                  ? label('messageType', type)
                  : level
                    ? label('riskLevel', level)
                    : Array.isArray(r.scopes)
                      ? r.scopes.map((s) => label('scope', String(s))).join(', ')
                      : str(r.givenBy)
                        ? label('givenBy', str(r.givenBy))
                        : '—'}
              </td>
              <td>{country ?? '—'}</td>
              <td>
                <When at={date} />
              </td>
            </tr>
          );
        })}
      </DataTable>
      <Problem error={error} />
      <NextPage next={next} busy={busy} onNext={(after) => void load(after)} />
    </section>
  );
}

/** A list's title and how many it holds; when the node sent only the first ones, says so. */
function ListHeading({
  id,
  title,
  shown,
  total,
}: {
  id: string;
  title: string;
  shown: number;
  total: number;
}) {
  const { t } = useTranslation();
  return (
    <>
      <h2 id={`${id}-title`}>
        {title} <span className="count">({total})</span>
      </h2>
      {total > shown && (
        <p className="muted" role="note">
          {t('worklist.capped', 'Showing the first {{shown}} of {{total}}, earliest first.', {
            shown,
            total,
          })}
        </p>
      )}
    </>
  );
}
