import { useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { api, call, type Schemas } from '../../api/client';
import { ApiError } from '../../api/errors';
import { useAction } from '../../api/useAction';
import { useLoad } from '../../api/useLoad';
import { Badge, CountryOptions } from '../../components/format';
import { announce } from '../../components/live';
import { Problem } from '../../components/Problem';
import { SchemaForm, type Form } from '../../forms/SchemaForm';
import { toErrorSchema, withoutEmptyGroups } from '../../forms/schema-tools';
import { FORM_NAMES } from '../../forms/schemas';
import { useCodes } from '../../i18n/labels';

type Body = Schemas['AgencySubmissionDto'];

/** An agency's message on a case granted to it; the node applies the coordinator's gates to it. */
export function AgencySubmit() {
  const { caseRef = '' } = useParams();
  const { t } = useTranslation();
  const label = useCodes();
  // Every message type with a payload schema, less the technical ones (the node refuses what is not allowed).
  const types = FORM_NAMES.filter(
    (x) => /^[A-Z_]+$/.test(x) && !['DELIVERY_RECEIPT', 'DELIVERY_REJECTED', 'AUDIT_CHECKPOINT'].includes(x),
  );
  const directory = useLoad(() => call(() => api.GET('/directory')), []);
  const countries = (
    (directory.data as { participants?: Array<{ code: string }> } | undefined)?.participants ?? []
  ).map((p) => p.code);
  const [type, setType] = useState('');
  const [to, setTo] = useState('');
  const [payload, setPayload] = useState<unknown>({});
  const [sent, setSent] = useState<Schemas['SentMessageView'] | null>(null);
  const { busy, error, run } = useAction();
  const ref = useRef<Form | null>(null);
  async function submit(): Promise<void> {
    if (ref.current && !ref.current.validateForm()) return;
    await run(async () => {
      const body = {
        caseRef,
        type,
        to,
        legalBasis: 'CONSENT',
        payload: withoutEmptyGroups(payload),
      } as unknown as Body;
      const result = (await call(() =>
        api.POST('/agency/submissions', { body }),
      )) as Schemas['SentMessageView'];
      setSent(result);
      announce(t('agency.sent', 'Submitted.'));
    });
  }
  return (
    <section aria-labelledby="submit-title">
      <h1 id="submit-title">{t('agency.submitTitle', 'Submit a message on {{caseRef}}', { caseRef })}</h1>
      <p>
        <Link to="/">{t('agency.back', 'Back to your cases and submissions')}</Link>
      </p>
      {sent ? (
        <div className="success" role="status">
          {label('messageType', sent.type)} → {sent.counterpart}:{' '}
          <Badge kind="messageStatus" code={sent.status} />{' '}
          <Link to={`/agency/submissions/${encodeURIComponent(sent.id)}`}>
            {t('agency.follow', 'Follow it')}
          </Link>
        </div>
      ) : (
        <>
          <div className="panel compose-meta">
            <div className="field">
              <label htmlFor="agency-type">{t('compose.type', 'Message type')}</label>
              <select id="agency-type" value={type} onChange={(e) => setType(e.target.value)}>
                <option value="">{t('compose.chooseType', 'Choose…')}</option>
                {types.map((x) => (
                  <option key={x} value={x}>
                    {label('messageType', x)}
                  </option>
                ))}
              </select>
            </div>
            <div className="field">
              <label htmlFor="agency-to">{t('compose.to', 'To')}</label>
              <select id="agency-to" value={to} onChange={(e) => setTo(e.target.value)}>
                <option value="">{t('compose.chooseTo', 'Choose…')}</option>
                <CountryOptions codes={countries} />
              </select>
            </div>
          </div>
          {type && (
            <div className="panel">
              <SchemaForm
                id="agency-payload"
                formRef={ref}
                form={type}
                formData={payload}
                onChange={setPayload}
                onSubmit={() => void submit()}
                extraErrors={error instanceof ApiError ? toErrorSchema(error.fields, 'payload.') : undefined}
              >
                <Problem error={error} />
                <button type="submit" className="primary" disabled={busy || !to}>
                  {t('agency.submit', 'Submit')}
                </button>
              </SchemaForm>
            </div>
          )}
        </>
      )}
    </section>
  );
}
