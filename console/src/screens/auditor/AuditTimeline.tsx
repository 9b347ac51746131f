import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate, useParams } from 'react-router';
import { api, call } from '../../api/client';
import { useLoad } from '../../api/useLoad';
import { Badge, CodeWithLabel, When } from '../../components/format';
import { Payload } from '../../components/Payload';
import { Loading, Problem } from '../../components/Problem';
import { useCodes } from '../../i18n/labels';
import { Lanes } from '../coordinator/Lanes';

/**
 * A case for the auditor: the audit trail's timeline and the case file's messages as lanes, exactly as the API
 * returns them (pseudonymised unless an admin granted her the case; the read is audited by the node).
 */
export function AuditTimeline() {
  const { caseRef } = useParams();
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [typed, setTyped] = useState(caseRef ?? '');
  const open = (e: FormEvent): void => {
    e.preventDefault();
    if (typed.trim()) navigate(`/audit/cases/${encodeURIComponent(typed.trim().toUpperCase())}`);
  };
  return (
    <section aria-labelledby="timeline-title">
      <h1 id="timeline-title">
        {t('auditTimeline.title', 'Case timeline')}
        {caseRef ? ` · ${caseRef}` : ''}
      </h1>
      <form className="panel form-inline" onSubmit={open}>
        <div className="field">
          <label htmlFor="timeline-ref">{t('cases.caseRef', 'Case reference')}</label>
          <input
            id="timeline-ref"
            value={typed}
            onChange={(e) => setTyped(e.target.value)}
            placeholder="TRM-FR-2026-000001"
            autoComplete="off"
          />
        </div>
        <button type="submit" className="primary">
          {t('auditTimeline.open', 'Open')}
        </button>
      </form>
      {caseRef && <TimelineOf caseRef={caseRef} />}
    </section>
  );
}

function TimelineOf({ caseRef }: { caseRef: string }) {
  const { t } = useTranslation();
  const label = useCodes();
  const timeline = useLoad(
    () => call(() => api.GET('/audit/cases/{caseRef}/timeline', { params: { path: { caseRef } } })),
    [caseRef],
  );
  const file = useLoad(
    () => call(() => api.GET('/cases/{caseRef}', { params: { path: { caseRef } } })),
    [caseRef],
  );
  const workflow = file.data?.workflow as unknown as
    { self: string; countries: Array<{ country: string }> } | undefined;
  return (
    <>
      {(timeline.loading || file.loading) && <Loading />}
      {file.data && workflow && (
        <section className="panel" aria-labelledby="a-lanes-title">
          <h2 id="a-lanes-title">{t('caseFile.timeline', 'Timeline: one lane per country')}</h2>
          <p className="muted">
            {t(
              'auditTimeline.asReturned',
              'Shown as the node returns it: pseudonymised unless an admin granted you this case.',
            )}
          </p>
          <Lanes
            self={workflow.self}
            countries={workflow.countries.map((c) => c.country)}
            messages={file.data.messages}
          />
        </section>
      )}
      {file.data && (
        <section className="panel" aria-labelledby="a-case-title">
          <h2 id="a-case-title">{t('auditTimeline.case', 'The case as the node shows it to you')}</h2>
          <dl className="facts">
            <dt>{t('caseFile.status', 'Status')}</dt>
            <dd>
              <Badge kind="caseStatus" code={file.data.case.status} />
            </dd>
            <dt>{t('caseFile.workflow.guardian', 'Guardian or legal representative')}</dt>
            <dd>
              <Payload value={file.data.case.guardian} />
            </dd>
            <dt>{t('caseFile.workflow.manager', 'Case manager')}</dt>
            <dd>
              <Payload value={file.data.case.managers} />
            </dd>
          </dl>
          <h3>{t('auditTimeline.messages', 'Messages and their content')}</h3>
          {file.data.messages
            .filter((m) => !m.type.startsWith('DELIVERY_'))
            .map((m) => (
              <article key={m.id} className="message-card" aria-label={label('messageType', m.type)}>
                <h4>
                  {label('messageType', m.type)} · {m.direction === 'OUTBOUND' ? '→' : '←'} {m.counterpart} ·{' '}
                  <When at={m.createdAt} /> · <Badge kind="messageStatus" code={m.status} />
                </h4>
                <Payload value={m.payload} />
              </article>
            ))}
        </section>
      )}
      <Problem error={file.error} />
      <Problem error={timeline.error} />
      {timeline.data && (
        <section className="panel" aria-labelledby="a-entries-title">
          <h2 id="a-entries-title">
            {t('auditTimeline.entries', 'Audit trail of the case')}{' '}
            <span className="count">({timeline.data.entries.length})</span>
          </h2>
          {timeline.data.truncated && (
            <p className="notice">
              {t(
                'auditTimeline.truncated',
                'Only the first entries are shown: use the audit entries screen to page through all.',
              )}
            </p>
          )}
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">{t('audit.col.at', 'When')}</th>
                  <th scope="col">{t('audit.col.action', 'Action')}</th>
                  <th scope="col">{t('audit.col.actor', 'Actor')}</th>
                  <th scope="col">{t('audit.col.message', 'Message')}</th>
                  <th scope="col">{t('audit.col.decision', 'Decision')}</th>
                </tr>
              </thead>
              <tbody>
                {timeline.data.entries.map((e) => (
                  <tr key={e.seq}>
                    <td>
                      <When at={e.at} />
                    </td>
                    <td>{label('auditAction', e.action)}</td>
                    <td>{e.actor}</td>
                    <td>
                      {typeof e.messageType === 'string' ? label('messageType', e.messageType) : '—'}
                      {typeof e.counterpart === 'string' && <span className="muted"> · {e.counterpart}</span>}
                    </td>
                    <td>
                      {e.decision ? <Badge kind="decision" code={e.decision} /> : '—'}{' '}
                      {typeof e.reasonCode === 'string' && (
                        <CodeWithLabel kind="reasonCode" code={e.reasonCode} />
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      )}
    </>
  );
}
