import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api, call } from '../../api/client';
import { useAction } from '../../api/useAction';
import { useLoad } from '../../api/useLoad';
import { CasePicker } from '../../components/CasePicker';
import { When } from '../../components/format';
import { announce } from '../../components/live';
import { Loading, Problem } from '../../components/Problem';
import { useCodes } from '../../i18n/labels';

/** The hold reasons the API accepts (docs/retention.md): codes, labelled in codes.<lang>.json. */
const HOLD_REASONS = [
  'CRIMINAL_PROCEEDINGS',
  'CIVIL_PROCEEDINGS',
  'COMPENSATION_CLAIM',
  'ASYLUM_OR_RESIDENCE_PROCEEDINGS',
  'COMPLAINT_OR_INQUIRY',
  'AUDIT',
] as const;
type HoldReason = (typeof HOLD_REASONS)[number];

/**
 * A case's retention (docs/retention.md): when its period ends, its legal hold, a pending erasure. An admin
 * sets or lifts a hold, asks for an erasure, or confirms another admin's (four eyes).
 */
export function Retention() {
  const { t } = useTranslation();
  const [caseRef, setCaseRef] = useState('');
  return (
    <section aria-labelledby="retention-title">
      <h1 id="retention-title">{t('retention.title', 'Retention and erasure')}</h1>
      <div className="panel form-inline">
        <CasePicker
          id="retention-case"
          label={t('retention.case', 'Case')}
          value={caseRef}
          onChange={setCaseRef}
        />
      </div>
      {caseRef && <RetentionOf key={caseRef} caseRef={caseRef} />}
    </section>
  );
}

function RetentionOf({ caseRef }: { caseRef: string }) {
  const { t } = useTranslation();
  const code = useCodes();
  const params = { params: { path: { caseRef } } };
  const state = useLoad(() => call(() => api.GET('/cases/{caseRef}/retention', params)), [caseRef]);
  const [reason, setReason] = useState<HoldReason | ''>('');
  const { busy, error, run } = useAction();
  const s = state.data;

  const act = (work: () => Promise<unknown>, done: string): void =>
    void run(async () => {
      await work();
      announce(done);
      state.reload();
    });
  const hold = (e: FormEvent): void => {
    e.preventDefault();
    if (!reason) return;
    act(
      () => call(() => api.PUT('/cases/{caseRef}/legal-hold', { ...params, body: { reason } })),
      t('retention.held', 'Legal hold set.'),
    );
  };
  const erase = (
    path: '/cases/{caseRef}/erasure' | '/cases/{caseRef}/erasure/confirm',
    ask: string,
  ): void => {
    if (!window.confirm(ask)) return;
    act(() => call(() => api.POST(path, params)), t('retention.done', 'Done.'));
  };

  return (
    <section className="panel" aria-labelledby="retention-of-title">
      <h2 id="retention-of-title">{caseRef}</h2>
      {state.loading && !s && <Loading />}
      <Problem error={state.error ?? error} />
      {s && (
        <>
          <dl className="facts">
            <dt>{t('retention.endsAt', 'Retention ends')}</dt>
            <dd>{s.retentionEndsAt ? <When at={s.retentionEndsAt} /> : t('retention.never', 'never')}</dd>
            <dt>{t('retention.hold', 'Legal hold')}</dt>
            <dd>
              {s.legalHold ? (
                <>
                  {code('reasonCode', s.legalHold.reason)} ({s.legalHold.by}, <When at={s.legalHold.since} />)
                </>
              ) : (
                t('retention.noHold', 'none')
              )}
            </dd>
            <dt>{t('retention.erasure', 'Erasure')}</dt>
            <dd>
              {s.erasedAt ? (
                <>
                  {t('retention.erased', 'erased')} <When at={s.erasedAt} />
                </>
              ) : s.erasureRequest ? (
                <>
                  {t('retention.requested', 'asked by {{by}}, awaiting a second admin', {
                    by: s.erasureRequest.by,
                  })}
                </>
              ) : (
                t('retention.notRequested', 'not requested')
              )}
            </dd>
          </dl>
          {!s.erasedAt && (
            <div className="form-inline">
              {s.legalHold ? (
                <button
                  type="button"
                  disabled={busy}
                  onClick={() =>
                    act(
                      () => call(() => api.DELETE('/cases/{caseRef}/legal-hold', params)),
                      t('retention.lifted', 'Legal hold lifted.'),
                    )
                  }
                >
                  {t('retention.lift', 'Lift the legal hold')}
                </button>
              ) : (
                <form className="form-inline" onSubmit={hold}>
                  <div className="field">
                    <label htmlFor="hold-reason">{t('retention.reason', 'Reason for a legal hold')}</label>
                    <select
                      id="hold-reason"
                      value={reason}
                      onChange={(e) => setReason(e.target.value as HoldReason | '')}
                    >
                      <option value="">{t('retention.chooseReason', 'Choose a reason')}</option>
                      {HOLD_REASONS.map((r) => (
                        <option key={r} value={r}>
                          {code('reasonCode', r)}
                        </option>
                      ))}
                    </select>
                  </div>
                  <button type="submit" className="primary" disabled={!reason || busy}>
                    {t('retention.setHold', 'Set the legal hold')}
                  </button>
                </form>
              )}
              {!s.legalHold &&
                (s.erasureRequest ? (
                  <button
                    type="button"
                    className="danger"
                    disabled={busy}
                    onClick={() =>
                      erase(
                        '/cases/{caseRef}/erasure/confirm',
                        t(
                          'retention.confirmAsk',
                          'Erase {{caseRef}} now? Its personal data cannot be recovered.',
                          {
                            caseRef,
                          },
                        ),
                      )
                    }
                  >
                    {t('retention.confirm', 'Confirm the erasure')}
                  </button>
                ) : (
                  <button
                    type="button"
                    className="danger"
                    disabled={busy}
                    onClick={() =>
                      erase(
                        '/cases/{caseRef}/erasure',
                        t('retention.requestAsk', 'Ask to erase {{caseRef}}? A second admin must confirm.', {
                          caseRef,
                        }),
                      )
                    }
                  >
                    {t('retention.request', 'Ask to erase the case')}
                  </button>
                ))}
            </div>
          )}
        </>
      )}
    </section>
  );
}
