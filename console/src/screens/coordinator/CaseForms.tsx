import { useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, call, type Schemas } from '../../api/client';
import { ApiError } from '../../api/errors';
import { Problem } from '../../components/Problem';
import { SchemaForm, type Form } from '../../forms/SchemaForm';
import { toErrorSchema } from '../../forms/schema-tools';
import { dtoSchema } from '../../forms/schemas';

interface DtoFormProps<T> {
  id: string;
  title: string;
  schema: object;
  initial: Partial<T>;
  submitLabel: string;
  send: (data: T) => Promise<unknown>;
  onDone: (done: boolean) => void;
}

/** A form generated from the request DTO in docs/openapi.json: a new field there needs no UI code. */
function DtoForm<T>({ id, title, schema, initial, submitLabel, send, onDone }: DtoFormProps<T>) {
  const { t } = useTranslation();
  const [data, setData] = useState<unknown>(initial);
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const ref = useRef<Form | null>(null);
  async function submit(): Promise<void> {
    if (ref.current && !ref.current.validateForm()) return;
    setBusy(true);
    setError(undefined);
    try {
      await send(data as T);
      onDone(true);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }
  return (
    <section className="panel" aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`}>{title}</h3>
      <SchemaForm
        id={id}
        formRef={ref}
        schema={schema}
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
  const schema = useMemo(() => dtoSchema('RecordConsentDto'), []);
  return (
    <DtoForm<ConsentBody>
      id="consent"
      title={t('caseFile.consents.formTitle', 'Record a consent')}
      schema={schema}
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
  const schema = useMemo(() => dtoSchema('RecordAssessmentDto'), []);
  const inThreeMonths = new Date(Date.now() + 90 * 86_400_000).toISOString();
  return (
    <DtoForm<AssessmentBody>
      id="assessment"
      title={t('caseFile.risk.formTitle', 'Record a risk assessment')}
      schema={schema}
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
  const schema = useMemo(() => dtoSchema('RecordOverrideDto'), []);
  return (
    <DtoForm<OverrideBody>
      id="override"
      title={t('caseFile.risk.overrideTitle', 'Override a HIGH risk for one message type')}
      schema={schema}
      initial={{ messageType: 'RETURN_PLAN' as OverrideBody['messageType'] }}
      submitLabel={t('caseFile.risk.overrideSave', 'Record override')}
      send={(body) =>
        call(() => api.POST('/cases/{caseRef}/risk-overrides', { params: { path: { caseRef } }, body }))
      }
      onDone={onDone}
    />
  );
}
