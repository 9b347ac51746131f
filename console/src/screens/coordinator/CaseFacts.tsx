import { useState, type FormEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { api, call, type Schemas } from '../../api/client';
import { useAction } from '../../api/useAction';
import { DataTable } from '../../components/DataTable';
import { Badge, When } from '../../components/format';
import { announce } from '../../components/live';
import { Problem } from '../../components/Problem';
import { useCodes } from '../../i18n/labels';

type Facts = Schemas['CaseFactsView'];

const ASYLUM_STATUSES = ['PENDING', 'GRANTED', 'REFUSED'] as const;
const THREAT_TARGETS = ['VICTIM', 'FAMILY', 'WITNESS', 'PROFESSIONAL', 'OTHER'] as const;
const IDENTIFICATION_STATUSES = [
  'PRESUMED_VICTIM',
  'IDENTIFICATION_IN_PROGRESS',
  'IDENTIFIED_VICTIM',
  'NOT_IDENTIFIED',
] as const;

type FormName = 'asylum' | 'identification' | 'reflection' | 'extension' | 'threat' | 'reopen';

const today = (): string => new Date().toISOString().slice(0, 10);

/**
 * The facts on the case that the gates read (docs/consent-policy.md, "Facts on the case"): the asylum claim,
 * the identification history, the reflection period with its days left, the threats reported, the
 * reopenings; and a form to record each. Only this node's coordinators record them; none travels.
 */
export function CaseFacts({
  caseRef,
  facts,
  open,
  erased,
  reload,
}: {
  caseRef: string;
  facts: Facts;
  open: boolean;
  /** An erased case is not reopened (docs/retention.md). */
  erased: boolean;
  reload: () => void;
}) {
  const { t } = useTranslation();
  const label = useCodes();
  const [form, setForm] = useState<FormName | null>(null);
  const done = (message: string) => {
    setForm(null);
    announce(message);
    reload();
  };
  const asylum = facts.asylum.current;
  const reflection = facts.reflection;
  const formButton = (name: FormName, text: string) =>
    form === null && (
      <button type="button" onClick={() => setForm(name)}>
        {text}
      </button>
    );
  return (
    <section className="panel" aria-labelledby="facts-title">
      <h2 id="facts-title">{t('caseFacts.title', 'Case facts')}</h2>
      <p className="muted">
        {t(
          'caseFacts.help',
          'Recorded by this country for its own gates; nothing here is sent to another country.',
        )}
      </p>

      <h3 id="facts-asylum">{t('caseFacts.asylum.title', 'Asylum claim')}</h3>
      {asylum ? (
        <dl className="facts" aria-labelledby="facts-asylum">
          <dt>{t('caseFacts.asylum.status', 'Status')}</dt>
          <dd>
            <Badge kind="asylumStatus" code={asylum.status} />
          </dd>
          <dt>{t('caseFacts.asylum.lodgedOn', 'Lodged on')}</dt>
          <dd>
            <When at={asylum.lodgedOn} dateOnly />
          </dd>
          <dt>{t('caseFacts.asylum.decidedOn', 'Decided on')}</dt>
          <dd>{asylum.decidedOn ? <When at={asylum.decidedOn} dateOnly /> : '—'}</dd>
        </dl>
      ) : (
        <p>{t('caseFacts.asylum.none', 'No asylum claim is recorded.')}</p>
      )}
      {asylum?.status === 'PENDING' && (
        <p className="problem" role="note">
          {t(
            'caseFacts.asylum.blocks',
            'While the claim is pending: no family tracing, no return plan, no identity verification with the country of origin, no travel document asked of it.',
          )}
        </p>
      )}
      {facts.asylum.history.length > 1 && (
        <ol aria-label={t('caseFacts.asylum.history', 'Asylum claim history')}>
          {facts.asylum.history.map((c) => (
            <li key={c.id}>
              {label('asylumStatus', c.status)} · <When at={c.recordedAt} /> · {c.recordedBy}
            </li>
          ))}
        </ol>
      )}
      {open && formButton('asylum', t('caseFacts.asylum.record', 'Record the asylum claim'))}
      {form === 'asylum' && (
        <AsylumForm
          caseRef={caseRef}
          onCancel={() => setForm(null)}
          onDone={() => done(t('caseFacts.saved', 'Saved.'))}
        />
      )}

      <h3 id="facts-identification">{t('caseFacts.identification.title', 'Identification history')}</h3>
      <DataTable
        count={facts.identification.length}
        empty={t('caseFacts.identification.none', 'No identification status recorded yet.')}
        columns={[
          t('caseFacts.col.when', 'When'),
          t('caseFacts.col.who', 'Who'),
          t('caseFacts.identification.change', 'From → to'),
          t('caseFacts.identification.source', 'Source'),
          t('caseFacts.col.reason', 'Reason'),
        ]}
      >
        {facts.identification.map((i) => (
          <tr key={i.id}>
            <td>
              <When at={i.recordedAt} />
            </td>
            <td>{i.recordedBy}</td>
            <td>
              {label('identificationStatus', i.from)} → {label('identificationStatus', i.to)}
            </td>
            <td>{label('identificationSource', i.source)}</td>
            <td>{i.reason ?? '—'}</td>
          </tr>
        ))}
      </DataTable>
      {open &&
        formButton(
          'identification',
          t('caseFacts.identification.record', 'Change the identification status'),
        )}
      {form === 'identification' && (
        <IdentificationForm
          caseRef={caseRef}
          onCancel={() => setForm(null)}
          onDone={() => done(t('caseFacts.saved', 'Saved.'))}
        />
      )}

      <h3 id="facts-reflection">{t('caseFacts.reflection.title', 'Reflection and recovery period')}</h3>
      {reflection ? (
        <>
          <dl className="facts" aria-labelledby="facts-reflection">
            <dt>{t('caseFacts.reflection.start', 'Start')}</dt>
            <dd>
              <When at={reflection.startOn} dateOnly />
            </dd>
            <dt>{t('caseFacts.reflection.end', 'Ends before')}</dt>
            <dd>
              <When at={reflection.endOn} dateOnly />
            </dd>
            <dt>{t('caseFacts.reflection.length', 'Length')}</dt>
            <dd>{t('caseFacts.reflection.days', '{{n}} days', { n: reflection.days })}</dd>
            <dt>{t('caseFacts.reflection.left', 'Days left')}</dt>
            <dd>
              <strong>
                {reflection.active
                  ? t('caseFacts.reflection.daysLeft', '{{n}} days left', { n: reflection.daysLeft })
                  : reflection.daysLeft > 0
                    ? t('caseFacts.reflection.notStarted', 'not started yet')
                    : t('caseFacts.reflection.over', 'over')}
              </strong>
            </dd>
          </dl>
          {reflection.extensions.length > 0 && (
            <ul aria-label={t('caseFacts.reflection.extensions', 'Extensions')}>
              {reflection.extensions.map((x) => (
                <li key={x.id}>
                  {t('caseFacts.reflection.extension', '+{{n}} days', { n: x.days })}: {x.reason} ·{' '}
                  <When at={x.recordedAt} /> · {x.recordedBy}
                </li>
              ))}
            </ul>
          )}
        </>
      ) : (
        <p>{t('caseFacts.reflection.none', 'No reflection period is recorded.')}</p>
      )}
      {open &&
        (reflection
          ? formButton('extension', t('caseFacts.reflection.extend', 'Extend the period'))
          : formButton('reflection', t('caseFacts.reflection.record', 'Record the start of the period')))}
      {form === 'reflection' && (
        <ReflectionForm
          caseRef={caseRef}
          onCancel={() => setForm(null)}
          onDone={() => done(t('caseFacts.saved', 'Saved.'))}
        />
      )}
      {form === 'extension' && (
        <ExtensionForm
          caseRef={caseRef}
          onCancel={() => setForm(null)}
          onDone={() => done(t('caseFacts.saved', 'Saved.'))}
        />
      )}

      <h3 id="facts-threats">{t('caseFacts.threats.title', 'Threats reported')}</h3>
      <DataTable
        count={facts.threats.length}
        empty={t('caseFacts.threats.none', 'No threat is recorded.')}
        columns={[
          t('caseFacts.threats.reportedOn', 'Reported on'),
          t('caseFacts.threats.reportedBy', 'Reported by (role or agency)'),
          t('caseFacts.threats.against', 'Against'),
          t('caseFacts.threats.kind', 'Kind'),
        ]}
      >
        {facts.threats.map((x) => (
          <tr key={x.id}>
            <td>
              <When at={x.reportedOn} dateOnly />
              {x.duringReflectionPeriod && (
                <span className="muted">
                  {' '}
                  · {t('caseFacts.threats.during', 'during the reflection period')}
                </span>
              )}
            </td>
            <td>{x.reportedBy}</td>
            <td>{x.against.map((a) => label('threatTarget', a)).join(', ')}</td>
            <td>{x.kind}</td>
          </tr>
        ))}
      </DataTable>
      {open && formButton('threat', t('caseFacts.threats.record', 'Record a threat'))}
      {form === 'threat' && (
        <ThreatForm
          caseRef={caseRef}
          onCancel={() => setForm(null)}
          onDone={() =>
            done(
              t(
                'caseFacts.threats.saved',
                'Threat recorded: the risk assessment is due for review, and a return waits for a new one.',
              ),
            )
          }
        />
      )}

      {(facts.reopenings.length > 0 || (!open && !erased)) && (
        <h3 id="facts-reopenings">{t('caseFacts.reopen.title', 'Reopenings')}</h3>
      )}
      {facts.reopenings.length > 0 && (
        <ul aria-labelledby="facts-reopenings">
          {facts.reopenings.map((r) => (
            <li key={r.id}>
              <When at={r.recordedAt} /> · {r.recordedBy}: {r.reason}
            </li>
          ))}
        </ul>
      )}
      {!open && !erased && formButton('reopen', t('caseFacts.reopen.record', 'Reopen the case'))}
      {form === 'reopen' && (
        <ReopenForm
          caseRef={caseRef}
          onCancel={() => setForm(null)}
          onDone={() => done(t('caseFacts.reopen.saved', 'The case is open again.'))}
        />
      )}
    </section>
  );
}

interface FormProps {
  caseRef: string;
  onDone: () => void;
  onCancel: () => void;
}

/** A small form: its fields, submit and cancel, the node's refusal shown with its code. */
function FactForm({
  id,
  title,
  submit,
  submitLabel,
  onCancel,
  children,
}: {
  id: string;
  title: string;
  submit: () => Promise<void>;
  submitLabel: string;
  onCancel: () => void;
  children: ReactNode;
}) {
  const { t } = useTranslation();
  const { busy, error, run } = useAction();
  function onSubmit(event: FormEvent): void {
    event.preventDefault();
    void run(submit);
  }
  return (
    <form className="panel" aria-labelledby={`${id}-title`} onSubmit={onSubmit}>
      <h4 id={`${id}-title`}>{title}</h4>
      {children}
      <Problem error={error} />
      <div className="actions">
        <button type="submit" className="primary" disabled={busy}>
          {submitLabel}
        </button>
        <button type="button" onClick={onCancel}>
          {t('common.cancel', 'Cancel')}
        </button>
      </div>
    </form>
  );
}

function Field({ id, text, children }: { id: string; text: string; children: ReactNode }) {
  return (
    <div className="field">
      <label htmlFor={id}>{text}</label>
      {children}
    </div>
  );
}

function AsylumForm({ caseRef, onDone, onCancel }: FormProps) {
  const { t } = useTranslation();
  const label = useCodes();
  const [status, setStatus] = useState<(typeof ASYLUM_STATUSES)[number]>('PENDING');
  const [lodgedOn, setLodgedOn] = useState(today());
  const [decidedOn, setDecidedOn] = useState('');
  return (
    <FactForm
      id="asylum-form"
      title={t('caseFacts.asylum.record', 'Record the asylum claim')}
      submitLabel={t('common.save', 'Save')}
      onCancel={onCancel}
      submit={async () => {
        await call(() =>
          api.POST('/cases/{caseRef}/facts/asylum-claim', {
            params: { path: { caseRef } },
            body: { status, lodgedOn, ...(status !== 'PENDING' && decidedOn ? { decidedOn } : {}) },
          }),
        );
        onDone();
      }}
    >
      <Field id="asylum-status" text={t('caseFacts.asylum.status', 'Status')}>
        <select
          id="asylum-status"
          value={status}
          onChange={(e) => setStatus(e.target.value as typeof status)}
        >
          {ASYLUM_STATUSES.map((s) => (
            <option key={s} value={s}>
              {label('asylumStatus', s)}
            </option>
          ))}
        </select>
      </Field>
      <Field id="asylum-lodged" text={t('caseFacts.asylum.lodgedOn', 'Lodged on')}>
        <input
          id="asylum-lodged"
          type="date"
          required
          max={today()}
          value={lodgedOn}
          onChange={(e) => setLodgedOn(e.target.value)}
        />
      </Field>
      {status !== 'PENDING' && (
        <Field id="asylum-decided" text={t('caseFacts.asylum.decidedOn', 'Decided on')}>
          <input
            id="asylum-decided"
            type="date"
            required
            max={today()}
            value={decidedOn}
            onChange={(e) => setDecidedOn(e.target.value)}
          />
        </Field>
      )}
    </FactForm>
  );
}

function IdentificationForm({ caseRef, onDone, onCancel }: FormProps) {
  const { t } = useTranslation();
  const label = useCodes();
  const [status, setStatus] = useState<(typeof IDENTIFICATION_STATUSES)[number]>('IDENTIFIED_VICTIM');
  const [reason, setReason] = useState('');
  return (
    <FactForm
      id="identification-form"
      title={t('caseFacts.identification.record', 'Change the identification status')}
      submitLabel={t('common.save', 'Save')}
      onCancel={onCancel}
      submit={async () => {
        await call(() =>
          api.PUT('/cases/{caseRef}/identification', {
            params: { path: { caseRef } },
            body: { status, reason },
          }),
        );
        onDone();
      }}
    >
      <Field id="identification-status" text={t('caseFacts.identification.status', 'New status')}>
        <select
          id="identification-status"
          value={status}
          onChange={(e) => setStatus(e.target.value as typeof status)}
        >
          {IDENTIFICATION_STATUSES.map((s) => (
            <option key={s} value={s}>
              {label('identificationStatus', s)}
            </option>
          ))}
        </select>
      </Field>
      <Field id="identification-reason" text={t('caseFacts.col.reason', 'Reason')}>
        <textarea
          id="identification-reason"
          required
          maxLength={500}
          value={reason}
          onChange={(e) => setReason(e.target.value)}
        />
      </Field>
    </FactForm>
  );
}

function ReflectionForm({ caseRef, onDone, onCancel }: FormProps) {
  const { t } = useTranslation();
  const [startOn, setStartOn] = useState(today());
  return (
    <FactForm
      id="reflection-form"
      title={t('caseFacts.reflection.record', 'Record the start of the period')}
      submitLabel={t('common.save', 'Save')}
      onCancel={onCancel}
      submit={async () => {
        await call(() =>
          api.POST('/cases/{caseRef}/facts/reflection-period', {
            params: { path: { caseRef } },
            body: { startOn },
          }),
        );
        onDone();
      }}
    >
      <Field id="reflection-start" text={t('caseFacts.reflection.start', 'Start')}>
        <input
          id="reflection-start"
          type="date"
          required
          max={today()}
          value={startOn}
          onChange={(e) => setStartOn(e.target.value)}
        />
      </Field>
      <p className="muted">
        {t('caseFacts.reflection.setting', "Its length is this country's reflection period (node setting).")}
      </p>
    </FactForm>
  );
}

function ExtensionForm({ caseRef, onDone, onCancel }: FormProps) {
  const { t } = useTranslation();
  const [days, setDays] = useState(30);
  const [reason, setReason] = useState('');
  return (
    <FactForm
      id="extension-form"
      title={t('caseFacts.reflection.extend', 'Extend the period')}
      submitLabel={t('common.save', 'Save')}
      onCancel={onCancel}
      submit={async () => {
        await call(() =>
          api.POST('/cases/{caseRef}/facts/reflection-period/extensions', {
            params: { path: { caseRef } },
            body: { days, reason },
          }),
        );
        onDone();
      }}
    >
      <Field id="extension-days" text={t('caseFacts.reflection.extensionDays', 'Days added')}>
        <input
          id="extension-days"
          type="number"
          required
          min={1}
          max={365}
          value={days}
          onChange={(e) => setDays(Number(e.target.value))}
        />
      </Field>
      <Field id="extension-reason" text={t('caseFacts.col.reason', 'Reason')}>
        <textarea
          id="extension-reason"
          required
          minLength={10}
          maxLength={500}
          value={reason}
          onChange={(e) => setReason(e.target.value)}
        />
      </Field>
    </FactForm>
  );
}

function ThreatForm({ caseRef, onDone, onCancel }: FormProps) {
  const { t } = useTranslation();
  const label = useCodes();
  const [reportedBy, setReportedBy] = useState('');
  const [reportedOn, setReportedOn] = useState(today());
  const [against, setAgainst] = useState<string[]>([]);
  const [kind, setKind] = useState('');
  const toggle = (target: string) =>
    setAgainst((list) => (list.includes(target) ? list.filter((x) => x !== target) : [...list, target]));
  return (
    <FactForm
      id="threat-form"
      title={t('caseFacts.threats.record', 'Record a threat')}
      submitLabel={t('common.save', 'Save')}
      onCancel={onCancel}
      submit={async () => {
        await call(() =>
          api.POST('/cases/{caseRef}/facts/threats', {
            params: { path: { caseRef } },
            body: { reportedBy, reportedOn, against: against as Schemas['RecordThreatDto']['against'], kind },
          }),
        );
        onDone();
      }}
    >
      <Field id="threat-by" text={t('caseFacts.threats.reportedBy', 'Reported by (role or agency)')}>
        <input
          id="threat-by"
          required
          maxLength={200}
          aria-describedby="threat-by-help"
          value={reportedBy}
          onChange={(e) => setReportedBy(e.target.value)}
        />
      </Field>
      <p id="threat-by-help" className="muted">
        {t('caseFacts.threats.noNames', 'A role or an agency, never a person’s name.')}
      </p>
      <Field id="threat-on" text={t('caseFacts.threats.reportedOn', 'Reported on')}>
        <input
          id="threat-on"
          type="date"
          required
          max={today()}
          value={reportedOn}
          onChange={(e) => setReportedOn(e.target.value)}
        />
      </Field>
      <fieldset>
        <legend>{t('caseFacts.threats.against', 'Against')}</legend>
        {THREAT_TARGETS.map((target) => (
          <label key={target} className="checkbox">
            <input type="checkbox" checked={against.includes(target)} onChange={() => toggle(target)} />{' '}
            {label('threatTarget', target)}
          </label>
        ))}
      </fieldset>
      <Field id="threat-kind" text={t('caseFacts.threats.kind', 'Kind')}>
        <input
          id="threat-kind"
          required
          maxLength={200}
          value={kind}
          onChange={(e) => setKind(e.target.value)}
        />
      </Field>
    </FactForm>
  );
}

function ReopenForm({ caseRef, onDone, onCancel }: FormProps) {
  const { t } = useTranslation();
  const [reason, setReason] = useState('');
  return (
    <FactForm
      id="reopen-form"
      title={t('caseFacts.reopen.record', 'Reopen the case')}
      submitLabel={t('caseFacts.reopen.submit', 'Reopen')}
      onCancel={onCancel}
      submit={async () => {
        await call(() =>
          api.POST('/cases/{caseRef}/reopen', { params: { path: { caseRef } }, body: { reason } }),
        );
        onDone();
      }}
    >
      <Field id="reopen-reason" text={t('caseFacts.col.reason', 'Reason')}>
        <textarea
          id="reopen-reason"
          required
          minLength={10}
          maxLength={500}
          value={reason}
          onChange={(e) => setReason(e.target.value)}
        />
      </Field>
      <p className="muted">
        {t(
          'caseFacts.reopen.help',
          'Reopened on this node only: each other country reopens its own part of the case.',
        )}
      </p>
    </FactForm>
  );
}
