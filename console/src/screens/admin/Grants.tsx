import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api, call } from '../../api/client';
import { announce } from '../../components/live';
import { Problem } from '../../components/Problem';

/** Case grants: an auditor's (to read a case without pseudonyms) and an agency's (to submit on it). */
export function Grants() {
  const { t } = useTranslation();
  return (
    <section aria-labelledby="grants-title">
      <h1 id="grants-title">{t('grants.title', 'Case grants')}</h1>
      <div className="grid-2">
        <GrantForm
          id="auditor"
          title={t('grants.auditor', 'Grant an auditor a case')}
          whoLabel={t('grants.account', 'Auditor account name')}
          grant={(who, caseRef) =>
            call(() =>
              api.POST('/admin/accounts/{name}/case-grants', {
                params: { path: { name: who } },
                body: { caseRef },
              }),
            )
          }
          revoke={(who, caseRef) =>
            call(() =>
              api.POST('/admin/accounts/{name}/case-grants/{caseRef}/revoke', {
                params: { path: { name: who, caseRef } },
              }),
            )
          }
        />
        <GrantForm
          id="agency"
          title={t('grants.agency', 'Grant an agency a case')}
          whoLabel={t('grants.agencyCode', 'Agency code')}
          grant={(who, caseRef) =>
            call(() =>
              api.POST('/admin/agencies/{code}/case-grants', {
                params: { path: { code: who } },
                body: { caseRef },
              }),
            )
          }
          revoke={(who, caseRef) =>
            call(() =>
              api.POST('/admin/agencies/{code}/case-grants/{caseRef}/revoke', {
                params: { path: { code: who, caseRef } },
              }),
            )
          }
        />
      </div>
    </section>
  );
}

function GrantForm(props: {
  id: string;
  title: string;
  whoLabel: string;
  grant: (who: string, caseRef: string) => Promise<unknown>;
  revoke: (who: string, caseRef: string) => Promise<unknown>;
}) {
  const { t } = useTranslation();
  const [who, setWho] = useState('');
  const [caseRef, setCaseRef] = useState('');
  const [error, setError] = useState<unknown>();
  const [result, setResult] = useState<string | null>(null);
  async function run(kind: 'grant' | 'revoke', e?: FormEvent): Promise<void> {
    e?.preventDefault();
    setError(undefined);
    setResult(null);
    try {
      const ref = caseRef.trim().toUpperCase();
      await (kind === 'grant' ? props.grant(who.trim(), ref) : props.revoke(who.trim(), ref));
      const text = kind === 'grant' ? t('grants.granted', 'Granted.') : t('grants.revoked', 'Revoked.');
      setResult(text);
      announce(text);
    } catch (x) {
      setError(x);
    }
  }
  return (
    <section className="panel" aria-labelledby={`${props.id}-title`}>
      <h2 id={`${props.id}-title`}>{props.title}</h2>
      <form className="form" onSubmit={(e) => void run('grant', e)}>
        <div className="field">
          <label htmlFor={`${props.id}-who`}>{props.whoLabel}</label>
          <input
            id={`${props.id}-who`}
            value={who}
            onChange={(e) => setWho(e.target.value)}
            autoComplete="off"
          />
        </div>
        <div className="field">
          <label htmlFor={`${props.id}-case`}>{t('cases.caseRef', 'Case reference')}</label>
          <input
            id={`${props.id}-case`}
            value={caseRef}
            onChange={(e) => setCaseRef(e.target.value)}
            autoComplete="off"
          />
        </div>
        <div className="actions">
          <button type="submit" className="primary" disabled={!who || !caseRef}>
            {t('grants.grant', 'Grant')}
          </button>
          <button
            type="button"
            className="danger"
            disabled={!who || !caseRef}
            onClick={() => void run('revoke')}
          >
            {t('grants.revoke', 'Revoke')}
          </button>
        </div>
      </form>
      {result && (
        <p className="success" role="status">
          {result}
        </p>
      )}
      <Problem error={error} />
    </section>
  );
}
