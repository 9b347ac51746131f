import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api, call } from '../../api/client';
import { useAction } from '../../api/useAction';
import { useLoad } from '../../api/useLoad';
import { allPages } from '../../api/usePages';
import { CasePicker } from '../../components/CasePicker';
import { When } from '../../components/format';
import { announce } from '../../components/live';
import { Loading, Problem } from '../../components/Problem';

/**
 * Case grants, case by case: an auditor's (to read the case without pseudonyms) and an agency's (to submit
 * on it). The case, the auditor and the agency are chosen from the node's lists; a grant is revoked from
 * its row.
 */
export function Grants() {
  const { t } = useTranslation();
  const [caseRef, setCaseRef] = useState('');
  return (
    <section aria-labelledby="grants-title">
      <h1 id="grants-title">{t('grants.title', 'Case grants')}</h1>
      <div className="panel form-inline">
        <CasePicker id="grants-case" label={t('grants.case', 'Case')} value={caseRef} onChange={setCaseRef} />
      </div>
      {caseRef && <GrantsOn key={caseRef} caseRef={caseRef} />}
    </section>
  );
}

type Grantee = { grantee: 'auditor' | 'agency'; name: string };

function GrantsOn({ caseRef }: { caseRef: string }) {
  const { t } = useTranslation();
  const grants = useLoad(
    // Every page, here and below: a case has a few grants and a node a few agencies; the screen shows them whole.
    () =>
      allPages((after) =>
        call(() =>
          api.GET('/admin/cases/{caseRef}/grants', {
            params: { path: { caseRef }, query: { after, limit: 500 } },
          }),
        ),
      ),
    [caseRef],
  );
  const accounts = useLoad(
    () =>
      allPages((after) =>
        call(() => api.GET('/admin/accounts', { params: { query: { after, limit: 500 } } })),
      ),
    [],
  );
  const agencies = useLoad(
    () =>
      allPages((after) =>
        call(() => api.GET('/admin/agencies', { params: { query: { after, limit: 500 } } })),
      ),
    [],
  );
  const [chosen, setChosen] = useState('');
  const { busy, error, run } = useAction();

  const held = new Set((grants.data ?? []).map((g) => `${g.grantee}:${g.name}`));
  const auditors = (accounts.data ?? [])
    .filter((a) => a.role === 'auditor' && !a.disabled && !held.has(`auditor:${a.name}`))
    .map((a) => a.name);
  const agencyCodes = (agencies.data ?? []).map((a) => a.code).filter((c) => !held.has(`agency:${c}`));

  const grant = (e: FormEvent): void => {
    e.preventDefault();
    const [grantee, name] = chosen.split(/:(.*)/s) as ['auditor' | 'agency', string];
    void run(async () => {
      if (grantee === 'auditor')
        await call(() =>
          api.POST('/admin/accounts/{name}/case-grants', { params: { path: { name } }, body: { caseRef } }),
        );
      else
        await call(() =>
          api.POST('/admin/agencies/{code}/case-grants', {
            params: { path: { code: name } },
            body: { caseRef },
          }),
        );
      setChosen('');
      announce(t('grants.granted', 'Granted.'));
      grants.reload();
    });
  };
  const revoke = (g: Grantee): void => {
    if (
      !window.confirm(
        t('grants.confirmRevoke', 'Revoke the grant of {{name}} on {{caseRef}}?', { name: g.name, caseRef }),
      )
    )
      return;
    void run(async () => {
      if (g.grantee === 'auditor')
        await call(() =>
          api.POST('/admin/accounts/{name}/case-grants/{caseRef}/revoke', {
            params: { path: { name: g.name, caseRef } },
          }),
        );
      else
        await call(() =>
          api.POST('/admin/agencies/{code}/case-grants/{caseRef}/revoke', {
            params: { path: { code: g.name, caseRef } },
          }),
        );
      announce(t('grants.revoked', 'Revoked.'));
      grants.reload();
    });
  };

  return (
    <>
      <section className="panel" aria-labelledby="grants-on-title">
        <h2 id="grants-on-title">{t('grants.on', 'Granted on {{caseRef}}', { caseRef })}</h2>
        {grants.loading && !grants.data && <Loading />}
        <Problem error={grants.error} />
        {grants.data &&
          (grants.data.length === 0 ? (
            <p className="empty">{t('grants.none', 'Nobody was granted this case.')}</p>
          ) : (
            <div className="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">{t('grants.grantee', 'Granted to')}</th>
                    <th scope="col">{t('grants.kind', 'Kind')}</th>
                    <th scope="col">{t('grants.when', 'Granted')}</th>
                    <th scope="col">{t('common.actions', 'Actions')}</th>
                  </tr>
                </thead>
                <tbody>
                  {grants.data.map((g) => (
                    <tr key={`${g.grantee}:${g.name}`}>
                      <th scope="row">{g.name}</th>
                      <td>
                        {g.grantee === 'auditor'
                          ? t('grants.isAuditor', 'Auditor')
                          : t('grants.isAgency', 'Agency')}
                      </td>
                      <td>
                        <When at={g.grantedAt} /> <span className="muted">({g.grantedBy})</span>
                      </td>
                      <td>
                        <button type="button" className="danger" disabled={busy} onClick={() => revoke(g)}>
                          {t('grants.revoke', 'Revoke')} <span className="sr-only">{g.name}</span>
                        </button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ))}
      </section>
      <section className="panel" aria-labelledby="grant-title">
        <h2 id="grant-title">{t('grants.grantTitle', 'Grant this case')}</h2>
        <form className="form-inline" onSubmit={grant}>
          <div className="field">
            <label htmlFor="grant-to">{t('grants.to', 'Grant to')}</label>
            <select id="grant-to" value={chosen} onChange={(e) => setChosen(e.target.value)}>
              <option value="">{t('grants.chooseGrantee', 'Choose an auditor or an agency')}</option>
              <optgroup label={t('grants.auditors', 'Auditors (read the case without pseudonyms)')}>
                {auditors.map((name) => (
                  <option key={name} value={`auditor:${name}`}>
                    {name}
                  </option>
                ))}
              </optgroup>
              <optgroup label={t('grants.agencies', 'Agencies (submit on the case)')}>
                {agencyCodes.map((code) => (
                  <option key={code} value={`agency:${code}`}>
                    {code}
                  </option>
                ))}
              </optgroup>
            </select>
          </div>
          <button type="submit" className="primary" disabled={!chosen || busy}>
            {t('grants.grant', 'Grant')}
          </button>
        </form>
        <Problem error={error ?? accounts.error ?? agencies.error} />
      </section>
    </>
  );
}
