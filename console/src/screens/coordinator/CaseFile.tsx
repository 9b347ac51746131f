import { lazy, Suspense, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { api, call, callRaw, type Schemas } from '../../api/client';
import { useLoad } from '../../api/useLoad';
import { allPages } from '../../api/usePages';
import { DataTable } from '../../components/DataTable';
import { Badge, Decision, When } from '../../components/format';
import { announce } from '../../components/live';
import { Loading, Problem } from '../../components/Problem';
import { useCodes } from '../../i18n/labels';
import { CaseFacts } from './CaseFacts';
import { LocalSecrets } from './LocalSecrets';
import { Lanes } from './Lanes';

const ConsentForm = lazy(() => import('./CaseForms').then((m) => ({ default: m.ConsentForm })));
const AssessmentForm = lazy(() => import('./CaseForms').then((m) => ({ default: m.AssessmentForm })));
const OverrideForm = lazy(() => import('./CaseForms').then((m) => ({ default: m.OverrideForm })));
const WorkflowForm = lazy(() => import('./CaseForms').then((m) => ({ default: m.WorkflowForm })));
type WorkflowChange = 'roles' | 'manager' | 'guardian' | 'ageStatus' | 'phase' | 'close';

type CaseFileView = Schemas['CaseFileView'];
type Workflow = {
  self: string;
  status: string;
  countries: Array<{ country: string; role: string | null; self: boolean }>;
  phases: Array<{ sop: number; name: string; status: string }>;
  child: boolean;
  returnChecklist: Record<string, unknown> & { eligible?: boolean | null; complete?: boolean };
  timeline: Array<{
    at: string;
    kind: string;
    what: string;
    actor?: string;
    decision?: string | null;
    reasonCode?: string | null;
  }>;
};

interface PendingOverride {
  id: string;
  messageType: string;
  status?: string;
  requestedBy?: string;
  requestedAt?: string;
  overriddenBy?: string;
  reason?: string;
  confirmedBy?: string | null;
  confirmedAt?: string | null;
}

/** Overrides pending a second coordinator's confirmation, when the case view carries them (four-eyes). */
function overridesOf(file: unknown): PendingOverride[] {
  const f = file as Record<string, unknown> & { workflow?: Record<string, unknown> };
  const list = f.overrides ?? f.riskOverrides ?? f.workflow?.overrides ?? f.workflow?.riskOverrides;
  return Array.isArray(list) ? (list as PendingOverride[]) : [];
}

export function CaseFile() {
  const { caseRef = '' } = useParams();
  const { t } = useTranslation();
  const label = useCodes();
  const file = useLoad(
    () => call(() => api.GET('/cases/{caseRef}', { params: { path: { caseRef } } })),
    [caseRef],
  );
  const data = file.data as CaseFileView | undefined;
  // A fact recorded may change the assessments (a threat makes them due for review): the risk panel reloads.
  const [factsChanged, setFactsChanged] = useState(0);
  const workflow = data?.workflow as unknown as Workflow | undefined;
  // An erased case takes no change (409): nothing offers one, and it has no local secret left.
  const erased = Boolean(data?.case.erasedAt);
  const open = data?.case.status === 'OPEN' && !erased;
  return (
    <section aria-labelledby="case-title">
      <div className="screen-head">
        <h1 id="case-title">
          {t('caseFile.title', 'Case file')} {caseRef}
        </h1>
        <div className="actions">
          {open && (
            <Link className="button-link" to={`/cases/${encodeURIComponent(caseRef)}/compose`}>
              {t('caseFile.compose', 'Compose a message')}
            </Link>
          )}
          <button type="button" onClick={file.reload}>
            {t('common.refresh', 'Refresh')}
          </button>
        </div>
      </div>
      {file.loading && !data && <Loading />}
      <Problem error={file.error} />
      {data && workflow && (
        <>
          <div className="panel">
            <dl className="facts">
              <dt>{t('caseFile.status', 'Status')}</dt>
              <dd>
                <Badge kind="caseStatus" code={data.case.status} />
              </dd>
              <dt>{t('caseFile.owner', 'Opened by')}</dt>
              <dd>{data.case.ownerCountry}</dd>
              <dt>{t('caseFile.countries', 'Countries')}</dt>
              <dd>
                {workflow.countries
                  .map(
                    (c) =>
                      `${c.country}${c.role ? ` (${label('countryRole', c.role)})` : ''}${c.self ? ` · ${t('caseFile.thisNode', 'this node')}` : ''}`,
                  )
                  .join(', ')}
              </dd>
              <dt>{t('caseFile.age', 'Age')}</dt>
              <dd>
                {label('ageStatus', data.case.ageStatus as unknown as string | null)}
                {workflow.child && <> · {t('caseFile.child', 'protected as a child')}</>}
              </dd>
              <dt>{t('caseFile.identification', 'Identification')}</dt>
              <dd>
                {label('identificationStatus', data.case.identificationStatus as unknown as string | null)}
              </dd>
              <dt>{t('caseFile.opened', 'Opened')}</dt>
              <dd>
                <When at={data.case.openedAt} />
              </dd>
              <dt>{t('caseFile.useRestrictions', 'Use restrictions')}</dt>
              <dd data-testid="use-restrictions">
                {Object.keys(data.restrictions).length === 0
                  ? t('caseFile.noUseRestrictions', 'none')
                  : Object.entries(data.restrictions)
                      .map(
                        ([from, values]) =>
                          `${from}: ${values.map((v) => label('useRestriction', v)).join(', ')}`,
                      )
                      .join(' · ')}
              </dd>
            </dl>
            {data.case.restrictedAt && (
              <p className="problem" role="note">
                {t(
                  'caseFile.restricted',
                  'Consent was withdrawn: personal data is withheld and only an emergency alert can leave.',
                )}
              </p>
            )}
            {data.case.erasedAt && (
              <p className="problem" role="note" data-testid="case-erased">
                {t(
                  'caseFile.erased',
                  'The case was erased: its personal data is gone; its facts, message records and audit trail remain.',
                )}{' '}
                <When at={data.case.erasedAt} />
              </p>
            )}
          </div>
          {open && <Changes caseRef={caseRef} reload={file.reload} />}
          <PhaseStrip phases={workflow.phases} />
          <div className="grid-2">
            <ReturnChecklist checklist={workflow.returnChecklist} />
            <Expectations caseRef={caseRef} />
          </div>
          <CaseFacts
            caseRef={caseRef}
            facts={data.facts}
            open={open}
            erased={erased}
            reload={() => {
              file.reload();
              setFactsChanged((n) => n + 1);
            }}
          />
          {!erased && <LocalSecrets caseRef={caseRef} />}
          <Consents
            caseRef={caseRef}
            countries={workflow.countries.filter((c) => !c.self).map((c) => c.country)}
            open={open}
            erased={erased}
          />
          <Risk
            key={factsChanged}
            caseRef={caseRef}
            overrides={overridesOf(data)}
            reload={file.reload}
            open={open}
          />
          <section className="panel" aria-labelledby="lanes-title">
            <h2 id="lanes-title">{t('caseFile.timeline', 'Timeline: one lane per country')}</h2>
            <Lanes
              self={workflow.self}
              countries={workflow.countries.map((c) => c.country)}
              messages={data.messages}
            />
          </section>
          <ChangeLog entries={workflow.timeline.filter((e) => e.kind !== 'MESSAGE')} />
        </>
      )}
    </section>
  );
}

function PhaseStrip({ phases }: { phases: Workflow['phases'] }) {
  const { t } = useTranslation();
  const label = useCodes();
  return (
    <section className="panel" aria-labelledby="phases-title">
      <h2 id="phases-title">{t('caseFile.phases', 'SOP phases')}</h2>
      <ol className="phase-strip">
        {phases.map((p) => (
          <li key={p.sop} className={`phase-${p.status.toLowerCase()}`}>
            <span className="sop-num">{t('common.sop', 'SOP {{n}}', { n: p.sop })}</span>
            <span>{label('sop', p.sop) === String(p.sop) ? p.name : label('sop', p.sop)}</span>
            <br />
            <Badge kind="phaseStatus" code={p.status} />
          </li>
        ))}
      </ol>
    </section>
  );
}

const CHECKLIST = [
  ['requestForAssistance', 'Request for assistance sent'],
  ['requestConfirmation', 'Request confirmed'],
  ['reintegrationRequest', 'Reintegration requested'],
  ['reintegrationConfirmation', 'Reintegration confirmed'],
] as const;

function ReturnChecklist({ checklist }: { checklist: Workflow['returnChecklist'] }) {
  const { t } = useTranslation();
  const label = useCodes();
  return (
    <section className="panel" aria-labelledby="checklist-title">
      <h2 id="checklist-title">{t('caseFile.checklist', 'Return checklist')}</h2>
      <ul className="checklist">
        {CHECKLIST.map(([key, text]) => {
          const step = checklist[key] as
            { type?: string; status?: string; at?: string; counterpart?: string } | null | undefined;
          return (
            <li key={key} className={step ? 'check-yes' : 'check-no'}>
              {t(`caseFile.check.${key}`, text)}
              {step ? (
                <>
                  {': '}
                  {label('messageType', step.type)} · {step.counterpart} ·{' '}
                  <Badge kind="messageStatus" code={step.status} /> · <When at={step.at} />
                </>
              ) : (
                <span className="muted"> — {t('caseFile.check.notYet', 'not yet')}</span>
              )}
            </li>
          );
        })}
        <li className={checklist.eligible ? 'check-yes' : 'check-no'}>
          {t('caseFile.check.eligible', 'Eligibility decision')}:{' '}
          {checklist.eligible === true
            ? t('caseFile.check.eligibleYes', 'eligible for return')
            : checklist.eligible === false
              ? t('caseFile.check.eligibleNo', 'not eligible')
              : t('caseFile.check.notYet', 'not yet')}
        </li>
        {typeof checklist.estimatedDeparture === 'string' && (
          <li>
            {t('caseFile.check.departure', 'Estimated departure')}: <When at={checklist.estimatedDeparture} />
          </li>
        )}
      </ul>
      <p>
        <strong>
          {checklist.complete
            ? t('caseFile.check.complete', 'Checklist complete.')
            : t('caseFile.check.incomplete', 'Checklist not complete yet.')}
        </strong>
      </p>
    </section>
  );
}

function Expectations({ caseRef }: { caseRef: string }) {
  const { t } = useTranslation();
  const label = useCodes();
  const list = useLoad(
    () =>
      allPages((after) =>
        call(() =>
          api.GET('/cases/{caseRef}/expectations', {
            params: { path: { caseRef }, query: { after, limit: 500 } },
          }),
        ),
      ),
    [caseRef],
  );
  return (
    <section className="panel" aria-labelledby="expectations-title">
      <h2 id="expectations-title">{t('caseFile.expectations', 'Expectations')}</h2>
      <Problem error={list.error} />
      {list.data && (
        <DataTable
          count={list.data.length}
          empty={t('caseFile.noExpectations', 'No answer is expected.')}
          columns={[
            t('worklist.col.request', 'Request'),
            t('worklist.col.between', 'From → to'),
            t('worklist.col.due', 'Due'),
            t('worklist.col.status', 'Status'),
          ]}
        >
          {list.data.map((e) => (
            <tr key={e.id} className={e.status === 'OVERDUE' ? 'row-overdue' : undefined}>
              <td>{label('messageType', e.requestType)}</td>
              <td>
                {e.owedBy} → {e.owedTo}
              </td>
              <td>
                <When at={e.dueAt} />
              </td>
              <td>
                <Badge kind="expectationStatus" code={e.status} />
                {e.answerType && (
                  <span className="muted"> · {label('messageType', e.answerType as unknown as string)}</span>
                )}
              </td>
            </tr>
          ))}
        </DataTable>
      )}
    </section>
  );
}

function Consents({
  caseRef,
  countries,
  open,
  erased,
}: {
  caseRef: string;
  countries: string[];
  open: boolean;
  erased: boolean;
}) {
  const { t } = useTranslation();
  const label = useCodes();
  const list = useLoad(
    // Every page: a case has a few consent records, and the panel shows them whole.
    () =>
      allPages((after) =>
        call(() =>
          api.GET('/cases/{caseRef}/consents', {
            params: { path: { caseRef }, query: { after, limit: 500 } },
          }),
        ),
      ),
    [caseRef],
  );
  const [adding, setAdding] = useState(false);
  const [error, setError] = useState<unknown>();
  const [result, setResult] = useState<string | null>(null);
  async function withdraw(consentId: string): Promise<void> {
    if (
      !window.confirm(
        t(
          'caseFile.consents.confirmWithdraw',
          'Withdraw this consent? Every country that received data of the case is told.',
        ),
      )
    )
      return;
    setError(undefined);
    try {
      const r = await call(() =>
        api.POST('/cases/{caseRef}/consents/{consentId}/withdraw', {
          params: { path: { caseRef, consentId } },
        }),
      );
      const text = t(
        'caseFile.consents.withdrawn',
        'Consent withdrawn. Told: {{told}}. Could not be told: {{untold}}.',
        {
          told: r.notified.map((n) => n.country).join(', ') || '—',
          untold: r.notNotified.map((n) => `${n.country} (${n.reasonCode})`).join(', ') || '—',
        },
      );
      setResult(text);
      announce(text);
      list.reload();
    } catch (e) {
      setError(e);
    }
  }
  return (
    <section className="panel" aria-labelledby="consents-title">
      <div className="screen-head">
        <h2 id="consents-title">{t('caseFile.consents.title', 'Consent records')}</h2>
        {open && !adding && (
          <button type="button" onClick={() => setAdding(true)}>
            {t('caseFile.consents.record', 'Record consent')}
          </button>
        )}
      </div>
      <Problem error={list.error ?? error} />
      {result && (
        <p className="success" role="status">
          {result}
        </p>
      )}
      {adding && (
        <Suspense fallback={<Loading />}>
          <ConsentForm
            caseRef={caseRef}
            countries={countries}
            onDone={(recorded) => {
              setAdding(false);
              if (recorded) {
                announce(t('caseFile.consents.recorded', 'Consent recorded.'));
                list.reload();
              }
            }}
          />
        </Suspense>
      )}
      {list.data && (
        <DataTable
          count={list.data.length}
          empty={t('caseFile.consents.none', 'No consent recorded.')}
          columns={[
            t('caseFile.consents.scopes', 'Scopes'),
            t('caseFile.consents.recipients', 'Recipients'),
            t('caseFile.consents.givenBy', 'Given by'),
            t('caseFile.consents.given', 'Given'),
            t('caseFile.consents.expires', 'Expires'),
            t('caseFile.consents.state', 'State'),
            <span className="sr-only">{t('common.actions', 'Actions')}</span>,
          ]}
        >
          {list.data.map((c) => (
            <tr key={c.consentId}>
              <td>{c.scopes.map((s) => label('scope', s)).join(', ')}</td>
              <td>{c.recipients.join(', ')}</td>
              <td>{label('givenBy', c.givenBy)}</td>
              <td>
                <When at={c.givenAt} />
              </td>
              <td>
                <When at={c.expiresAt as unknown as string | null} />
              </td>
              <td>
                {c.live ? (
                  <span className="badge badge-allow">{t('caseFile.consents.live', 'live')}</span>
                ) : c.withdrawnAt ? (
                  <span className="badge badge-deny">
                    {t('caseFile.consents.withdrawnState', 'withdrawn')}
                  </span>
                ) : (
                  <span className="badge">{t('caseFile.consents.notLive', 'not live')}</span>
                )}
              </td>
              <td>
                {!c.withdrawnAt && !erased && (
                  <button type="button" className="danger" onClick={() => void withdraw(c.consentId)}>
                    {t('caseFile.consents.withdraw', 'Withdraw')}
                    <span className="sr-only"> {c.scopes.join(', ')}</span>
                  </button>
                )}
              </td>
            </tr>
          ))}
        </DataTable>
      )}
    </section>
  );
}

function Risk({
  caseRef,
  overrides,
  reload,
  open,
}: {
  caseRef: string;
  overrides: PendingOverride[];
  reload: () => void;
  open: boolean;
}) {
  const { t } = useTranslation();
  const label = useCodes();
  const list = useLoad(
    // Every page: a case has a few assessments, and the panel shows them whole.
    () =>
      allPages((after) =>
        call(() =>
          api.GET('/cases/{caseRef}/risk-assessments', {
            params: { path: { caseRef }, query: { after, limit: 500 } },
          }),
        ),
      ),
    [caseRef],
  );
  const [form, setForm] = useState<'assessment' | 'override' | null>(null);
  const [error, setError] = useState<unknown>();
  async function confirm(id: string): Promise<void> {
    setError(undefined);
    try {
      await callRaw(
        'POST',
        `/cases/${encodeURIComponent(caseRef)}/risk-overrides/${encodeURIComponent(id)}/confirm`,
        {},
      );
      announce(t('caseFile.risk.confirmed', 'Override confirmed.'));
      reload();
    } catch (e) {
      setError(e);
    }
  }
  return (
    <section className="panel" aria-labelledby="risk-title">
      <div className="screen-head">
        <h2 id="risk-title">{t('caseFile.risk.title', 'Risk assessments')}</h2>
        {open && (
          <div className="actions">
            <button type="button" onClick={() => setForm('assessment')}>
              {t('caseFile.risk.record', 'Record an assessment')}
            </button>
            <button type="button" onClick={() => setForm('override')}>
              {t('caseFile.risk.override', 'Override for one message type')}
            </button>
          </div>
        )}
      </div>
      <Problem error={list.error ?? error} />
      <Suspense fallback={<Loading />}>
        {form === 'assessment' && (
          <AssessmentForm
            caseRef={caseRef}
            onDone={(done) => {
              setForm(null);
              if (done) {
                announce(t('caseFile.risk.recorded', 'Assessment recorded.'));
                list.reload();
              }
            }}
          />
        )}
        {form === 'override' && (
          <OverrideForm
            caseRef={caseRef}
            onDone={(done) => {
              setForm(null);
              if (done) {
                announce(t('caseFile.risk.overridden', 'Override recorded.'));
                reload();
              }
            }}
          />
        )}
      </Suspense>
      {list.data && (
        <DataTable
          count={list.data.length}
          empty={t('caseFile.risk.none', 'No risk assessment yet.')}
          columns={[
            t('caseFile.risk.by', 'Country'),
            t('caseFile.risk.level', 'Level'),
            t('caseFile.risk.governs', 'Governs'),
            t('caseFile.risk.factors', 'Factors present'),
            t('caseFile.risk.assessed', 'Assessed'),
            t('caseFile.risk.validUntil', 'Valid until'),
            t('caseFile.risk.review', 'Review'),
          ]}
        >
          {list.data.map((a) => (
            <tr key={a.id}>
              <td>{a.country}</td>
              <td>
                <Badge kind="riskLevel" code={a.level} />
                {!a.complete && (
                  <span className="muted"> · {t('caseFile.risk.incomplete', 'incomplete')}</span>
                )}
              </td>
              <td>{a.current ? <strong>{t('caseFile.risk.current', 'governs now')}</strong> : '—'}</td>
              <td>
                {(a.factors ?? [])
                  .filter((f) => f.status === 'PRESENT')
                  .map((f) => label('riskFactor', f.code))
                  .join('; ') || '—'}
              </td>
              <td>
                <When at={a.assessedAt} />
              </td>
              <td>
                <When at={a.validUntil} />
              </td>
              <td>{a.reviewRequiredAt ? <When at={a.reviewRequiredAt as unknown as string} /> : '—'}</td>
            </tr>
          ))}
        </DataTable>
      )}
      {overrides.length > 0 && (
        <>
          <h3>{t('caseFile.risk.overrides', 'Overrides')}</h3>
          <ul>
            {overrides.map((o) => {
              const pending = o.status ? o.status.startsWith('PENDING') : !o.confirmedAt;
              return (
                <li key={o.id}>
                  {label('messageType', o.messageType)}
                  {o.reason && <> — {o.reason}</>}{' '}
                  <span className="muted">
                    ({o.requestedBy ?? o.overriddenBy}
                    {o.requestedAt && (
                      <>
                        , <When at={o.requestedAt} />
                      </>
                    )}
                    )
                  </span>{' '}
                  {pending ? (
                    <>
                      <span className="badge badge-active">
                        {t('caseFile.risk.pending', 'waiting for a second coordinator')}
                      </span>{' '}
                      <button type="button" onClick={() => void confirm(o.id)}>
                        {t('caseFile.risk.confirm', 'Confirm override')}
                      </button>
                    </>
                  ) : (
                    <span className="badge badge-allow">
                      {t('caseFile.risk.confirmedBy', 'confirmed by {{who}}', { who: o.confirmedBy ?? '—' })}
                    </span>
                  )}
                </li>
              );
            })}
          </ul>
        </>
      )}
    </section>
  );
}

function ChangeLog({ entries }: { entries: Workflow['timeline'] }) {
  const { t } = useTranslation();
  const label = useCodes();
  if (entries.length === 0) return null;
  return (
    <section className="panel" aria-labelledby="changes-title">
      <h2 id="changes-title">{t('caseFile.changes', 'Changes and decisions')}</h2>
      <DataTable
        count={entries.length}
        columns={[
          t('caseFile.when', 'When'),
          t('caseFile.what', 'What'),
          t('caseFile.who', 'Who'),
          t('caseFile.decision', 'Decision'),
        ]}
      >
        {entries.map((e, i) => (
          <tr key={i}>
            <td>
              <When at={e.at} />
            </td>
            <td>{label('auditAction', e.what)}</td>
            <td>{e.actor ?? '—'}</td>
            <td>
              <Decision decision={e.decision} reasonCode={e.reasonCode} />
            </td>
          </tr>
        ))}
      </DataTable>
    </section>
  );
}

function Changes({ caseRef, reload }: { caseRef: string; reload: () => void }) {
  const { t } = useTranslation();
  const [change, setChange] = useState<WorkflowChange | null>(null);
  const buttons: Array<[WorkflowChange, string]> = [
    ['roles', t('caseFile.workflow.rolesButton', 'Set countries and roles')],
    ['guardian', t('caseFile.workflow.guardianButton', 'Set guardian')],
    ['manager', t('caseFile.workflow.managerButton', 'Set case manager')],
    ['ageStatus', t('caseFile.workflow.ageButton', 'Set age status')],
    ['phase', t('caseFile.workflow.phaseButton', 'Set a SOP phase')],
    ['close', t('caseFile.workflow.closeButton', 'Close the case')],
  ];
  return (
    <section className="panel" aria-labelledby="changes-actions-title">
      <h2 id="changes-actions-title">{t('caseFile.workflow.title', 'Update the case')}</h2>
      <div className="actions">
        {buttons.map(([key, text]) => (
          <button
            key={key}
            type="button"
            aria-pressed={change === key}
            onClick={() => setChange(change === key ? null : key)}
          >
            {text}
          </button>
        ))}
      </div>
      {change && (
        <Suspense fallback={<Loading />}>
          <WorkflowForm
            key={change}
            caseRef={caseRef}
            change={change}
            onDone={(done) => {
              setChange(null);
              if (done) {
                announce(t('caseFile.workflow.saved', 'The case was updated.'));
                reload();
              }
            }}
          />
        </Suspense>
      )}
    </section>
  );
}
