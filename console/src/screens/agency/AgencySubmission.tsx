import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { api, call } from '../../api/client';
import { useLoad } from '../../api/useLoad';
import { Badge, CodeWithLabel, When } from '../../components/format';
import { Payload } from '../../components/Payload';
import { Loading, Problem } from '../../components/Problem';
import { useCodes } from '../../i18n/labels';

/** One submission and the replies to it (the node audits reading their payloads). */
export function AgencySubmission() {
  const { id = '' } = useParams();
  const { t } = useTranslation();
  const label = useCodes();
  const view = useLoad(
    () => call(() => api.GET('/agency/submissions/{id}', { params: { path: { id } } })),
    [id],
  );
  const s = view.data?.submission;
  return (
    <section aria-labelledby="submission-title">
      <h1 id="submission-title">{t('agency.submissionTitle', 'Submission and replies')}</h1>
      <p>
        <Link to="/">{t('agency.back', 'Back to your cases and submissions')}</Link>
      </p>
      {view.loading && <Loading />}
      <Problem error={view.error} />
      {s && (
        <div className="panel">
          <dl className="facts">
            <dt>{t('agency.case', 'Case')}</dt>
            <dd>{(s.caseRef as unknown as string | null) ?? '—'}</dd>
            <dt>{t('agency.type', 'Type')}</dt>
            <dd>{label('messageType', s.type)}</dd>
            <dt>{t('agency.to', 'To')}</dt>
            <dd>{s.counterpart}</dd>
            <dt>{t('agency.when', 'Sent')}</dt>
            <dd>
              <When at={s.createdAt} />
            </dd>
            <dt>{t('agency.status', 'Status')}</dt>
            <dd>
              <Badge kind="messageStatus" code={s.status} />{' '}
              {typeof s.reasonCode === 'string' && <CodeWithLabel kind="reasonCode" code={s.reasonCode} />}
            </dd>
          </dl>
        </div>
      )}
      {view.data && (
        <section className="panel" aria-labelledby="replies-title">
          <h2 id="replies-title">{t('agency.replies', 'Replies')}</h2>
          {view.data.replies.length === 0 && (
            <p className="empty">{t('agency.noReplies', 'No reply yet.')}</p>
          )}
          {view.data.replies.map((r) => (
            <article key={r.id} className="panel" aria-label={label('messageType', r.type)}>
              <h3>
                {label('messageType', r.type)} · {r.counterpart} · <When at={r.createdAt} />
              </h3>
              <Payload value={r.payload} />
            </article>
          ))}
        </section>
      )}
    </section>
  );
}
