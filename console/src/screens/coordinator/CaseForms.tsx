import { useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, call, type Schemas } from '../../api/client';
import { ApiError } from '../../api/errors';
import { useAction } from '../../api/useAction';
import { Problem } from '../../components/Problem';
import { SchemaForm, type Form } from '../../forms/SchemaForm';
import { toErrorSchema } from '../../forms/schema-tools';
import type { UiSchema } from '@rjsf/utils';

interface DtoFormProps<T> {
  id: string;
  uiSchema?: UiSchema;
  title: string;
  form: string;
  initial: Partial<T>;
  submitLabel: string;
  send: (data: T) => Promise<unknown>;
  onDone: (done: boolean) => void;
}

/** A form generated from the request DTO in docs/openapi.json: a new field there needs no UI code. */
function DtoForm<T>({ id, uiSchema, title, form, initial, submitLabel, send, onDone }: DtoFormProps<T>) {
  const { t } = useTranslation();
  const [data, setData] = useState<unknown>(initial);
  const { busy, error, run } = useAction();
  const ref = useRef<Form | null>(null);
  async function submit(): Promise<void> {
    if (ref.current && !ref.current.validateForm()) return;
    await run(async () => {
      await send(data as T);
      onDone(true);
    });
  }
  return (
    <section className="panel" aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`}>{title}</h3>
      <SchemaForm
        id={id}
        formRef={ref}
        form={form}
        uiSchema={uiSchema}
        formData={data}
        onChange={setData}
        onSubmit={() => void submit()}
        extraErrors={error instanceof ApiError ? toErrorSchema(error.fields) : undefined}
      >
        <Problem error={error} />
        <div className="actions">
          <button type="submit" className="primary" disabled={busy}>
            {submitLabel}
          </button>
          <button type="button" onClick={() => onDone(false)}>
            {t('common.cancel', 'Cancel')}
          </button>
        </div>
      </SchemaForm>
    </section>
  );
}

type ConsentBody = Schemas['RecordConsentDto'];

export function ConsentForm({
  caseRef,
  countries,
  onDone,
}: {
  caseRef: string;
  countries: string[];
  onDone: (done: boolean) => void;
}) {
  const { t, i18n } = useTranslation();
  return (
    <DtoForm<ConsentBody>
      id="consent"
      // A consent names participants the node may send to: chosen from the directory.
      uiSchema={{ recipients: { items: { 'ui:widget': 'directoryCountry' } } }}
      title={t('caseFile.consents.formTitle', 'Record a consent')}
      form="RecordConsentDto"
      initial={{
        scopes: [],
        recipients: countries.slice(0, 1),
        informed: false,
        informedLanguage: i18n.language,
      }}
      submitLabel={t('caseFile.consents.save', 'Record consent')}
      send={(body) =>
        call(() => api.POST('/cases/{caseRef}/consents', { params: { path: { caseRef } }, body }))
      }
      onDone={onDone}
    />
  );
}

type AssessmentBody = Schemas['RecordAssessmentDto'];

export function AssessmentForm({ caseRef, onDone }: { caseRef: string; onDone: (done: boolean) => void }) {
  const { t } = useTranslation();
  const inThreeMonths = new Date(Date.now() + 90 * 86_400_000).toISOString();
  return (
    <DtoForm<AssessmentBody>
      id="assessment"
      title={t('caseFile.risk.formTitle', 'Record a risk assessment')}
      form="RecordAssessmentDto"
      initial={{ factors: [], complete: true, validUntil: inThreeMonths }}
      submitLabel={t('caseFile.risk.save', 'Record assessment')}
      send={(body) =>
        call(() => api.POST('/cases/{caseRef}/risk-assessments', { params: { path: { caseRef } }, body }))
      }
      onDone={onDone}
    />
  );
}

type OverrideBody = Schemas['RecordOverrideDto'];

export function OverrideForm({ caseRef, onDone }: { caseRef: string; onDone: (done: boolean) => void }) {
  const { t } = useTranslation();
  return (
    <DtoForm<OverrideBody>
      id="override"
      title={t('caseFile.risk.overrideTitle', 'Override a HIGH risk for one message type')}
      form="RecordOverrideDto"
      initial={{ messageType: 'RETURN_PLAN' as OverrideBody['messageType'] }}
      submitLabel={t('caseFile.risk.overrideSave', 'Record override')}
      send={(body) =>
        call(() => api.POST('/cases/{caseRef}/risk-overrides', { params: { path: { caseRef } }, body }))
      }
      onDone={onDone}
    />
  );
}

export type WorkflowChange = 'roles' | 'manager' | 'guardian' | 'ageStatus' | 'phase' | 'close';

/** The case's lifecycle changes, each a form generated from its request DTO. */
export function WorkflowForm({
  caseRef,
  change,
  onDone,
}: {
  caseRef: string;
  change: WorkflowChange;
  onDone: (done: boolean) => void;
}) {
  const { t } = useTranslation();
  const [sop, setSop] = useState(1);
  const path = { params: { path: { caseRef } } };
  switch (change) {
    case 'roles':
      return (
        <DtoForm<Schemas['SetRolesDto']>
          id="roles"
          title={t('caseFile.workflow.roles', 'Countries and their roles')}
          form="SetRolesDto"
          initial={{ roles: [] }}
          submitLabel={t('common.save', 'Save')}
          send={(body) => call(() => api.PUT('/cases/{caseRef}/roles', { ...path, body }))}
          onDone={onDone}
        />
      );
    case 'manager':
      return (
        <DtoForm<Schemas['SetManagerDto']>
          id="manager"
          // A case manager works in a participant: chosen from the directory (this node's when left empty).
          uiSchema={{ country: { 'ui:widget': 'directoryCountry' } }}
          title={t('caseFile.workflow.manager', 'Case manager')}
          form="SetManagerDto"
          initial={{}}
          submitLabel={t('common.save', 'Save')}
          send={(body) => call(() => api.PUT('/cases/{caseRef}/manager', { ...path, body }))}
          onDone={onDone}
        />
      );
    case 'guardian':
      return (
        <DtoForm<Schemas['SetGuardianDto']>
          id="guardian"
          title={t('caseFile.workflow.guardian', 'Guardian or legal representative')}
          form="SetGuardianDto"
          initial={{}}
          submitLabel={t('common.save', 'Save')}
          send={(body) => call(() => api.PUT('/cases/{caseRef}/guardian', { ...path, body }))}
          onDone={onDone}
        />
      );
    case 'ageStatus':
      return (
        <DtoForm<Schemas['SetAgeStatusDto']>
          id="age"
          title={t('caseFile.workflow.age', 'Age status')}
          form="SetAgeStatusDto"
          initial={{}}
          submitLabel={t('common.save', 'Save')}
          send={(body) => call(() => api.PUT('/cases/{caseRef}/age-status', { ...path, body }))}
          onDone={onDone}
        />
      );
    case 'phase':
      return (
        <>
          <div className="field">
            <label htmlFor="phase-sop">{t('cases.sop', 'SOP')}</label>
            <select id="phase-sop" value={sop} onChange={(e) => setSop(Number(e.target.value))}>
              {[1, 2, 3, 4, 5].map((n) => (
                <option key={n} value={n}>
                  {t('common.sop', 'SOP {{n}}', { n })}
                </option>
              ))}
            </select>
          </div>
          <DtoForm<Schemas['SetPhaseDto']>
            id="phase"
            title={t('caseFile.workflow.phase', 'SOP phase status')}
            form="SetPhaseDto"
            initial={{}}
            submitLabel={t('common.save', 'Save')}
            send={(body) =>
              call(() =>
                api.PUT('/cases/{caseRef}/phases/{sop}', { params: { path: { caseRef, sop } }, body }),
              )
            }
            onDone={onDone}
          />
        </>
      );
    case 'close':
      return (
        <DtoForm<Schemas['CloseCaseDto']>
          id="close"
          title={t('caseFile.workflow.close', 'Close the case')}
          form="CloseCaseDto"
          initial={{}}
          submitLabel={t('caseFile.workflow.closeSubmit', 'Close the case')}
          send={(body) => call(() => api.POST('/cases/{caseRef}/close', { ...path, body }))}
          onDone={onDone}
        />
      );
  }
}
