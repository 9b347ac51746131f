import { useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { api, call, type Schemas } from '../../api/client';
import { ApiError } from '../../api/errors';
import { useAction } from '../../api/useAction';
import type { CheckResult } from '../../api/pending';
import { useLoad } from '../../api/useLoad';
import { allPages } from '../../api/usePages';
import { Badge, CodeWithLabel, CountryOptions } from '../../components/format';
import { announce } from '../../components/live';
import { Loading, Problem, ReasonList } from '../../components/Problem';
import { SchemaForm, type Form } from '../../forms/SchemaForm';
import { toErrorSchema, withoutEmptyGroups } from '../../forms/schema-tools';
import { useCodes } from '../../i18n/labels';

type Sent = Schemas['SentMessageView'];
type UseRestriction = NonNullable<Schemas['SendMessageDto']['restrictions']>[number];
/** The node's use restrictions (src/transfers/use-restriction.policy.ts); none is the default. */
const USE_RESTRICTIONS: UseRestriction[] = [
  'NO_ONWARD_SHARING',
  'NO_IMMIGRATION_ENFORCEMENT',
  'ASSISTANCE_ONLY',
];
const FINAL = new Set(['DELIVERED', 'REJECTED', 'ACCEPTED']);

/**
 * Compose: only the types the case's lifecycle allows now and the countries each may go to (from the node),
 * the payload form generated from the type's JSON Schema, a dry run ("Check") that says what the consent,
 * risk and lifecycle gates would refuse and why, then Send and the delivery status.
 */
export function Compose() {
  const { caseRef = '' } = useParams();
  const { t } = useTranslation();
  const label = useCodes();
  const options = useLoad(
    () => call(() => api.GET('/cases/{caseRef}/compose-options', { params: { path: { caseRef } } })),
    [caseRef],
  );
  const file = useLoad(
    () => call(() => api.GET('/cases/{caseRef}', { params: { path: { caseRef } } })),
    [caseRef],
  );
  const [type, setType] = useState('');
  const [to, setTo] = useState('');
  const [legalBasis, setLegalBasis] = useState<'CONSENT' | 'VITAL_INTEREST'>('CONSENT');
  const [inReplyTo, setInReplyTo] = useState('');
  const [redact, setRedact] = useState(false);
  const [restrictions, setRestrictions] = useState<UseRestriction[]>([]);
  const [language, setLanguage] = useState('');
  const [payload, setPayload] = useState<unknown>({});
  const [check, setCheck] = useState<CheckResult | null>(null);
  const [sent, setSent] = useState<Sent | null>(null);
  const { busy, error, setError, run } = useAction();
  const formRef = useRef<Form | null>(null);

  // The free text's language (docs/protocol.md, "Language of the free text"): this node's first by default;
  // the receiver's directory entry says which it reads.
  const directory = useLoad(() => call(() => api.GET('/directory')), []);
  const entry = (code: string | undefined) =>
    (directory.data?.participants ?? []).find((p) => p.code === code);
  const self = (file.data?.workflow as { self?: string } | undefined)?.self;
  const iso6391 = (l: string) => /^[a-z]{2}$/.test(l);
  const ownLanguages = (entry(self)?.languages ?? []).filter(iso6391);
  const receiverLanguages = (entry(to)?.languages ?? []).filter(iso6391);
  const writtenIn = language || ownLanguages[0] || '';
  const languageChoices = [...new Set([...ownLanguages, ...receiverLanguages])];
  const notRead = Boolean(
    to && writtenIn && receiverLanguages.length > 0 && !receiverLanguages.includes(writtenIn),
  );

  const choices = options.data?.options ?? [];
  const recipients = choices.find((o) => o.type === type)?.to ?? [];
  useEffect(() => {
    setCheck(null);
    setError(undefined);
    setLegalBasis('CONSENT');
  }, [type]);
  useEffect(() => {
    if (recipients.length === 1) setTo(recipients[0]);
    else if (!recipients.includes(to)) setTo('');
  }, [type, options.data]);

  // The delivery status, followed until final.
  useEffect(() => {
    if (!sent || FINAL.has(sent.status)) return;
    const timer = setTimeout(() => {
      void call(() => api.GET('/messages/{id}', { params: { path: { id: sent.id } } })).then(
        (s) => {
          setSent({ ...sent, ...s });
          if (FINAL.has(s.status))
            announce(
              t('compose.statusNow', 'Message status: {{status}}', {
                status: label('messageStatus', s.status),
              }),
            );
        },
        () => undefined,
      );
    }, 1500);
    return () => clearTimeout(timer);
  }, [sent, t, label]);

  // An answer goes in reply to the request it answers: the expectation this country owes says which.
  const owed = useLoad(
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
  useEffect(() => {
    const request = (owed.data ?? []).find(
      (e) =>
        e.direction === 'OWED' &&
        (e.status === 'OPEN' || e.status === 'OVERDUE') &&
        e.owedTo === to &&
        e.expectedTypes.includes(type),
    );
    setInReplyTo(request ? request.requestMessageId : '');
  }, [owed.data, type, to]);

  // What a message may answer: what this node received, and what it sent that makes it owe a further step
  // (a return's arrival owes the follow-up's report: the report goes in reply to the arrival).
  const inbound = useMemo(() => {
    const owedSteps = new Set(
      (owed.data ?? []).filter((e) => e.direction === 'OWED').map((e) => e.requestMessageId),
    );
    return (file.data?.messages ?? []).filter(
      (m) => (m.direction === 'INBOUND' || owedSteps.has(m.id)) && !m.type.startsWith('DELIVERY_'),
    );
  }, [file.data, owed.data]);
  const body = (): Record<string, unknown> => ({
    type,
    to,
    legalBasis,
    ...(inReplyTo ? { inReplyTo } : {}),
    ...(redact ? { redact: true } : {}),
    ...(restrictions.length > 0 ? { restrictions } : {}),
    ...(language ? { language } : {}),
    payload: withoutEmptyGroups(payload ?? {}),
  });
  const fieldErrors =
    error instanceof ApiError
      ? error.fields
      : check
        ? check.fields.map((f) => ({ ...f, message: f.message ?? f.constraints?.join('; ') }))
        : [];

  async function runCheck(): Promise<void> {
    await run(async () => {
      try {
        const result = (await call(() =>
          api.POST('/cases/{caseRef}/messages/check', {
            params: { path: { caseRef } },
            body: body() as Schemas['SendMessageDto'],
          }),
        )) as unknown as CheckResult;
        setCheck(result);
        announce(
          result.wouldSend
            ? t('compose.checkOk', 'The node would send this message.')
            : t('compose.checkRefused', 'The node would refuse this message: {{count}} reason(s).', {
                count: result.reasons.length + result.fields.length,
              }),
        );
      } catch (e) {
        setCheck(null);
        throw e;
      }
    });
  }

  async function send(): Promise<void> {
    if (formRef.current && !formRef.current.validateForm()) return;
    await run(async () => {
      const result = (await call(() =>
        api.POST('/cases/{caseRef}/messages', {
          params: { path: { caseRef } },
          body: body() as Schemas['SendMessageDto'],
        }),
      )) as Sent;
      setSent(result);
      setCheck(null);
      announce(
        t('compose.sent', 'Sent: the message is {{status}}.', {
          status: label('messageStatus', result.status),
        }),
      );
    });
  }

  if (sent)
    return (
      <section aria-labelledby="compose-title">
        <h1 id="compose-title">{t('compose.sentTitle', 'Message sent')}</h1>
        <div className="panel">
          <p>
            {label('messageType', sent.type)} → {sent.counterpart}:{' '}
            <Badge kind="messageStatus" code={sent.status} />
            {typeof sent.reasonCode === 'string' && (
              <>
                {' '}
                <CodeWithLabel kind="reasonCode" code={sent.reasonCode} />
              </>
            )}
          </p>
          {sent.redacted.length > 0 && (
            <p>
              {t('compose.redacted', 'Left out because the consent does not cover them:')}{' '}
              {sent.redacted.join(', ')}
            </p>
          )}
          {!FINAL.has(sent.status) && (
            <p className="muted">{t('compose.following', 'Following its delivery…')}</p>
          )}
          <div className="actions">
            <Link to={`/cases/${encodeURIComponent(caseRef)}`}>
              {t('compose.backToCase', 'Back to the case file')}
            </Link>
            <button
              type="button"
              onClick={() => {
                setSent(null);
                setType('');
                setPayload({});
              }}
            >
              {t('compose.another', 'Compose another message')}
            </button>
          </div>
        </div>
      </section>
    );

  return (
    <section aria-labelledby="compose-title">
      <h1 id="compose-title">
        {t('compose.title', 'Compose')} · {caseRef}
      </h1>
      <p>
        <Link to={`/cases/${encodeURIComponent(caseRef)}`}>
          {t('compose.backToCase', 'Back to the case file')}
        </Link>
      </p>
      {options.loading && <Loading />}
      <Problem error={options.error} />
      {options.data && choices.length === 0 && (
        <p className="notice">{t('compose.nothingAllowed', 'The case allows no message now.')}</p>
      )}
      {choices.length > 0 && (
        <div className="panel">
          <div className="compose-meta">
            <div className="field">
              <label htmlFor="compose-type">{t('compose.type', 'Message type')}</label>
              <select id="compose-type" value={type} onChange={(e) => setType(e.target.value)}>
                <option value="">{t('compose.chooseType', 'Choose…')}</option>
                {choices.map((o) => (
                  <option key={o.type} value={o.type}>
                    {label('messageType', o.type)}
                  </option>
                ))}
              </select>
            </div>
            <div className="field">
              <label htmlFor="compose-to">{t('compose.to', 'To')}</label>
              <select id="compose-to" value={to} onChange={(e) => setTo(e.target.value)} disabled={!type}>
                <option value="">{t('compose.chooseTo', 'Choose…')}</option>
                <CountryOptions codes={recipients} />
              </select>
            </div>
            <div className="field">
              <label htmlFor="compose-language">{t('compose.language', 'Language of the free text')}</label>
              <select
                id="compose-language"
                value={writtenIn}
                onChange={(e) => setLanguage(e.target.value)}
                aria-describedby={notRead ? 'compose-language-warning' : undefined}
              >
                {languageChoices.map((l) => (
                  <option key={l} value={l}>
                    {l}
                  </option>
                ))}
              </select>
              {notRead && (
                <p id="compose-language-warning" className="problem" role="note">
                  {t(
                    'compose.languageNotRead',
                    '{{country}} does not list {{language}} among the languages it reads ({{reads}}): its coordinators may need a translation.',
                    { country: to, language: writtenIn, reads: receiverLanguages.join(', ') },
                  )}
                </p>
              )}
            </div>
            <div className="field">
              <label htmlFor="compose-basis">{t('compose.legalBasis', 'Legal basis')}</label>
              <select
                id="compose-basis"
                value={legalBasis}
                onChange={(e) => setLegalBasis(e.target.value as 'CONSENT' | 'VITAL_INTEREST')}
              >
                <option value="CONSENT">{label('legalBasis', 'CONSENT')}</option>
                {type === 'EMERGENCY_ALERT' && (
                  <option value="VITAL_INTEREST">{label('legalBasis', 'VITAL_INTEREST')}</option>
                )}
              </select>
            </div>
            <div className="field">
              <label htmlFor="compose-reply">{t('compose.inReplyTo', 'In reply to')}</label>
              <select id="compose-reply" value={inReplyTo} onChange={(e) => setInReplyTo(e.target.value)}>
                <option value="">{t('compose.noReply', '(not a reply)')}</option>
                {inbound.map((m) => (
                  <option key={m.id} value={m.id}>
                    {label('messageType', m.type)} {m.direction === 'INBOUND' ? '·' : '→'} {m.counterpart} ·{' '}
                    {new Date(m.createdAt).toLocaleString()}
                  </option>
                ))}
              </select>
            </div>
            <div className="field">
              <span>
                <input
                  id="compose-redact"
                  type="checkbox"
                  checked={redact}
                  onChange={(e) => setRedact(e.target.checked)}
                />{' '}
                <label htmlFor="compose-redact">
                  {t('compose.redact', 'Leave out what the consent does not cover')}
                </label>
              </span>
            </div>
            <fieldset className="field">
              <legend>
                {t('compose.useRestrictions', 'Use restrictions on the data (the recipient enforces them)')}
              </legend>
              {USE_RESTRICTIONS.map((value) => (
                <span key={value}>
                  <input
                    id={`compose-restriction-${value}`}
                    type="checkbox"
                    checked={restrictions.includes(value)}
                    onChange={(e) =>
                      setRestrictions((now) =>
                        e.target.checked ? [...now, value] : now.filter((r) => r !== value),
                      )
                    }
                  />{' '}
                  <label htmlFor={`compose-restriction-${value}`}>
                    {label('useRestriction', value)}
                  </label>{' '}
                </span>
              ))}
            </fieldset>
          </div>
        </div>
      )}
      {type && (
        <div className="panel">
          <h2>{t('compose.payload', 'Content')}</h2>
          <SchemaForm
            id="payload"
            formRef={formRef}
            form={type}
            formData={payload}
            onChange={(d) => {
              setPayload(d);
            }}
            onSubmit={() => void send()}
            extraErrors={toErrorSchema(fieldErrors, 'payload.')}
            disabled={busy}
          >
            {check && <CheckView result={check} />}
            <Problem error={error} />
            <div className="actions">
              <button type="button" onClick={() => void runCheck()} disabled={busy || !to}>
                {t('compose.check', 'Check')}
              </button>
              <button type="submit" className="primary" disabled={busy || !to}>
                {t('compose.send', 'Send')}
              </button>
            </div>
          </SchemaForm>
        </div>
      )}
    </section>
  );
}

function CheckView({ result }: { result: CheckResult }) {
  const { t } = useTranslation();
  return (
    <div className={`check-result ${result.wouldSend ? 'success' : 'problem'}`} role="status">
      <p>
        <strong>
          {result.wouldSend
            ? t('compose.checkOk', 'The node would send this message.')
            : t('compose.checkNo', 'The node would refuse this message:')}
        </strong>
      </p>
      {result.reasons.length > 0 && <ReasonList reasons={result.reasons} />}
      {result.fields.length > 0 && (
        <p>
          {t('compose.checkFields', '{{count}} field(s) need attention: see the marks at the fields.', {
            count: result.fields.length,
          })}
        </p>
      )}
      {result.redacted.length > 0 && (
        <p>
          {t('compose.redacted', 'Left out because the consent does not cover them:')}{' '}
          {result.redacted.join(', ')}
        </p>
      )}
    </div>
  );
}
