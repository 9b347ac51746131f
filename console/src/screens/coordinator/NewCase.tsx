import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { api, call, type Schemas } from '../../api/client';
import { ApiError } from '../../api/errors';
import { announce } from '../../components/live';
import { Problem } from '../../components/Problem';
import { SchemaForm } from '../../forms/SchemaForm';
import { toErrorSchema } from '../../forms/schema-tools';
import { useAction } from '../../api/useAction';

/** Opens a case with what the policies need from the start (the OpenCaseDto of docs/openapi.json). */
export function NewCase() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [data, setData] = useState<unknown>({});
  const { busy, error, run } = useAction();
  async function open(): Promise<void> {
    await run(async () => {
      const created = await call(() => api.POST('/cases', { body: data as Schemas['OpenCaseDto'] }));
      announce(t('newCase.opened', 'Case {{caseRef}} opened.', { caseRef: created.caseRef }));
      navigate(`/cases/${encodeURIComponent(created.caseRef)}`);
    });
  }
  return (
    <section aria-labelledby="new-case-title">
      <h1 id="new-case-title">{t('newCase.title', 'Open a new case')}</h1>
      <div className="panel">
        <p>
          {t(
            'newCase.intro',
            'The node gives the case its transnational reference. Details of the person travel later, in the referral.',
          )}
        </p>
        <SchemaForm
          id="new-case"
          form="OpenCaseDto"
          formData={data}
          onChange={setData}
          onSubmit={() => void open()}
          extraErrors={error instanceof ApiError ? toErrorSchema(error.fields) : undefined}
        >
          <Problem error={error} />
          <button type="submit" className="primary" disabled={busy}>
            {t('newCase.open', 'Open the case')}
          </button>
        </SchemaForm>
      </div>
    </section>
  );
}
