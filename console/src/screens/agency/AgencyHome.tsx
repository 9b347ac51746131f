import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { api, call } from '../../api/client';
import { useLoad } from '../../api/useLoad';
import { allPages } from '../../api/usePages';
import { Badge, CodeWithLabel, When } from '../../components/format';
import { Loading, Problem } from '../../components/Problem';
import { useCodes } from '../../i18n/labels';

/** An agency sees the cases granted to it and its own submissions, nothing more. */
export function AgencyHome() {
  const { t } = useTranslation();
  const label = useCodes();
  const cases = useLoad(
    () =>
      allPages((after) => call(() => api.GET('/agency/cases', { params: { query: { after, limit: 500 } } }))),
    [],
  );
  const submissions = useLoad(
    () =>
      allPages((after) =>
        call(() => api.GET('/agency/submissions', { params: { query: { after, limit: 500 } } })),
      ),
    [],
  );
  const granted = cases.data ?? [];
  return (
    <section aria-labelledby="agency-title">
      <h1 id="agency-title">{t('agency.title', 'Granted cases and submissions')}</h1>
      <section className="panel" aria-labelledby="granted-title">
        <h2 id="granted-title">{t('agency.granted', 'Cases granted to your agency')}</h2>
        {cases.loading && <Loading />}
        <Problem error={cases.error} />
        {cases.data && granted.length === 0 && (
          <p className="empty">{t('agency.noCases', 'No case is granted to your agency.')}</p>
        )}
        {granted.length > 0 && (
          <table>
            <thead>
              <tr>
                <th scope="col">{t('agency.case', 'Case')}</th>
                <th scope="col">{t('agency.grantedAt', 'Granted')}</th>
                <th scope="col">
                  <span className="sr-only">{t('common.actions', 'Actions')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {granted.map((c) => (
                <tr key={c.caseRef}>
                  <th scope="row">{c.caseRef}</th>
                  <td>
                    <When at={c.grantedAt} />
                  </td>
                  <td>
                    <Link to={`/agency/cases/${encodeURIComponent(c.caseRef)}/submit`}>
                      {t('agency.submitOn', 'Submit a message on {{caseRef}}', { caseRef: c.caseRef })}
                    </Link>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section className="panel" aria-labelledby="submissions-title">
        <h2 id="submissions-title">{t('agency.submissions', 'Your submissions')}</h2>
        {submissions.loading && <Loading />}
        <Problem error={submissions.error} />
        {submissions.data && submissions.data.length === 0 && (
          <p className="empty">{t('agency.noSubmissions', 'No submission yet.')}</p>
        )}
        {submissions.data && submissions.data.length > 0 && (
          <table>
            <thead>
              <tr>
                <th scope="col">{t('agency.when', 'Sent')}</th>
                <th scope="col">{t('agency.case', 'Case')}</th>
                <th scope="col">{t('agency.type', 'Type')}</th>
                <th scope="col">{t('agency.to', 'To')}</th>
                <th scope="col">{t('agency.status', 'Status')}</th>
              </tr>
            </thead>
            <tbody>
              {submissions.data.map((s) => (
                <tr key={s.id}>
                  <td>
                    <Link to={`/agency/submissions/${encodeURIComponent(s.id)}`}>
                      <When at={s.createdAt} />
                    </Link>
                  </td>
                  <td>{(s.caseRef as unknown as string | null) ?? '—'}</td>
                  <td>{label('messageType', s.type)}</td>
                  <td>{s.counterpart}</td>
                  <td>
                    <Badge kind="messageStatus" code={s.status} />{' '}
                    {typeof s.reasonCode === 'string' && (
                      <CodeWithLabel kind="reasonCode" code={s.reasonCode} />
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </section>
  );
}
