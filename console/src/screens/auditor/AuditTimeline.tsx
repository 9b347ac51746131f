import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate, useParams } from 'react-router';
import { api, call } from '../../api/client';
import { useLoad } from '../../api/useLoad';
import { DataTable } from '../../components/DataTable';
import { Badge, Decision, When } from '../../components/format';
import { CasePicker } from '../../components/CasePicker';
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
    if (typed) navigate(`/audit/cases/${encodeURIComponent(typed)}`);
  };
  return (
    <section aria-labelledby="timeline-title">
      <h1 id="timeline-title">
        {t('auditTimeline.title', 'Case timeline')}
        {caseRef ? ` · ${caseRef}` : ''}
      </h1>
      <form className="panel form-inline" onSubmit={open}>
        <CasePicker
          id="timeline-ref"
          label={t('cases.caseRef', 'Case reference')}
          value={typed}
          onChange={setTyped}
        />
        <button type="submit" className="primary" disabled={!typed}>
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
          <DataTable
            count={timeline.data.entries.length}
            columns={[
              t('audit.col.at', 'When'),
              t('audit.col.action', 'Action'),
              t('audit.col.actor', 'Actor'),
              t('audit.col.message', 'Message'),
              t('audit.col.decision', 'Decision'),
            ]}
          >
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
                  <Decision decision={e.decision} reasonCode={e.reasonCode} />
                </td>
              </tr>
            ))}
          </DataTable>
        </section>
      )}
    </>
  );
}
