import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api, call, type Schemas } from '../../api/client';
import { ApiError } from '../../api/errors';
import { useLoad } from '../../api/useLoad';
import { allPages } from '../../api/usePages';
import { When } from '../../components/format';
import { announce } from '../../components/live';
import { Loading, Problem } from '../../components/Problem';
import { SchemaForm } from '../../forms/SchemaForm';
import { toErrorSchema } from '../../forms/schema-tools';
import { useCodes } from '../../i18n/labels';
import { useAction } from '../../api/useAction';

/** Accounts: create, list, disable, unlock; agency API keys: issue (shown once) and revoke. */
export function Accounts() {
  const { t } = useTranslation();
  const label = useCodes();
  const list = useLoad(
    () =>
      allPages((after) =>
        call(() => api.GET('/admin/accounts', { params: { query: { after, limit: 500 } } })),
      ),
    [],
  );
  const [creating, setCreating] = useState(false);
  const [error, setError] = useState<unknown>();
  const [secret, setSecret] = useState<{ title: string; value: string } | null>(null);

  async function act(run: () => Promise<unknown>, done: string): Promise<void> {
    setError(undefined);
    try {
      await run();
      announce(done);
      list.reload();
    } catch (e) {
      setError(e);
    }
  }
  const disable = (name: string) =>
    window.confirm(
      t('admin.confirmDisable', 'Disable {{name}}? Its tokens and keys stop working at once.', { name }),
    ) &&
    void act(
      () => call(() => api.POST('/admin/accounts/{name}/disable', { params: { path: { name } } })),
      t('admin.disabled', 'Account disabled.'),
    );
  const unlock = (name: string) =>
    void act(
      () => call(() => api.POST('/admin/accounts/{name}/unlock', { params: { path: { name } } })),
      t('admin.unlocked', 'Account unlocked.'),
    );
  const issueKey = (name: string) =>
    void act(
      async () => {
        const key = await call(() =>
          api.POST('/admin/accounts/{name}/api-keys', { params: { path: { name } } }),
        );
        setSecret({
          title: t('admin.keyFor', 'API key of {{name}} (key id {{keyId}})', { name, keyId: key.keyId }),
          value: key.key,
        });
      },
      t('admin.keyIssued', 'API key issued: copy it now, it is shown only once.'),
    );

  return (
    <section aria-labelledby="accounts-title">
      <div className="screen-head">
        <h1 id="accounts-title">{t('admin.title', 'Accounts')}</h1>
        {!creating && (
          <button type="button" onClick={() => setCreating(true)}>
            {t('admin.create', 'Create an account')}
          </button>
        )}
      </div>
      {secret && <ShownOnce title={secret.title} value={secret.value} onClose={() => setSecret(null)} />}
      {creating && (
        <CreateAccount
          onDone={(created) => {
            setCreating(false);
            if (created) {
              list.reload();
              if (created.password)
                setSecret({
                  title: t('admin.passwordFor', 'Generated password of {{name}}', {
                    name: created.account.name,
                  }),
                  value: created.password,
                });
            }
          }}
        />
      )}
      <Problem error={error ?? list.error} />
      {list.loading && !list.data && <Loading />}
      {list.data && (
        <div className="panel table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">{t('admin.name', 'Name')}</th>
                <th scope="col">{t('admin.role', 'Role')}</th>
                <th scope="col">{t('admin.agency', 'Agency')}</th>
                <th scope="col">{t('admin.state', 'State')}</th>
                <th scope="col">{t('admin.created', 'Created')}</th>
                <th scope="col">{t('common.actions', 'Actions')}</th>
              </tr>
            </thead>
            <tbody>
              {list.data.map((a) => (
                <tr key={a.name}>
                  <th scope="row">{a.name}</th>
                  <td>{label('role', a.role)}</td>
                  <td>{(a.agency as unknown as string | null) ?? '—'}</td>
                  <td>
                    {a.disabled ? (
                      <span className="badge badge-deny">{t('admin.isDisabled', 'disabled')}</span>
                    ) : a.locked ? (
                      <span className="badge badge-active">{t('admin.isLocked', 'locked')}</span>
                    ) : (
                      <span className="badge badge-allow">{t('admin.isActive', 'active')}</span>
                    )}
                  </td>
                  <td>
                    <When at={a.createdAt} /> <span className="muted">({a.createdBy})</span>
                  </td>
                  <td>
                    <div className="actions">
                      {a.locked && !a.disabled && (
                        <button type="button" onClick={() => unlock(a.name)}>
                          {t('admin.unlock', 'Unlock')} <span className="sr-only">{a.name}</span>
                        </button>
                      )}
                      {a.role === 'agency' && !a.disabled && (
                        <button type="button" onClick={() => issueKey(a.name)}>
                          {t('admin.issueKey', 'Issue API key')} <span className="sr-only">{a.name}</span>
                        </button>
                      )}
                      {!a.disabled && (
                        <button type="button" className="danger" onClick={() => disable(a.name)}>
                          {t('admin.disable', 'Disable')} <span className="sr-only">{a.name}</span>
                        </button>
                      )}
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <RevokeKey onRevoked={() => announce(t('admin.keyRevoked', 'API key revoked.'))} />
    </section>
  );
}

function ShownOnce({ title, value, onClose }: { title: string; value: string; onClose: () => void }) {
  const { t } = useTranslation();
  return (
    <div className="panel notice" role="status">
      <h2>{title}</h2>
      <p>{t('admin.shownOnce', 'Shown only this once: copy it now and hand it over safely.')}</p>
      <p>
        <label htmlFor="secret-value" className="sr-only">
          {title}
        </label>
        <input
          id="secret-value"
          readOnly
          value={value}
          size={Math.min(value.length + 2, 80)}
          onFocus={(e) => e.target.select()}
        />
      </p>
      <div className="actions">
        <button type="button" onClick={() => void navigator.clipboard?.writeText(value)}>
          {t('admin.copy', 'Copy')}
        </button>
        <button type="button" onClick={onClose}>
          {t('admin.done', 'Done, hide it')}
        </button>
      </div>
    </div>
  );
}

function CreateAccount({ onDone }: { onDone: (created: Schemas['CreatedAccountView'] | null) => void }) {
  const { t } = useTranslation();
  const [data, setData] = useState<unknown>({ role: 'coordinator' });
  const { busy, error, run } = useAction();
  async function submit(): Promise<void> {
    await run(async () => {
      onDone(await call(() => api.POST('/admin/accounts', { body: data as Schemas['CreateAccountDto'] })));
    });
  }
  return (
    <section className="panel" aria-labelledby="create-title">
      <h2 id="create-title">{t('admin.createTitle', 'New account')}</h2>
      <p className="muted">
        {t('admin.createHelp', 'Leave the password empty to have one generated (shown once).')}
      </p>
      <SchemaForm
        id="account"
        form="CreateAccountDto"
        formData={data}
        onChange={setData}
        onSubmit={() => void submit()}
        uiSchema={{ password: { 'ui:widget': 'password' } }}
        extraErrors={error instanceof ApiError ? toErrorSchema(error.fields) : undefined}
      >
        <Problem error={error} />
        <div className="actions">
          <button type="submit" className="primary" disabled={busy}>
            {t('admin.createSubmit', 'Create')}
          </button>
          <button type="button" onClick={() => onDone(null)}>
            {t('common.cancel', 'Cancel')}
          </button>
        </div>
      </SchemaForm>
    </section>
  );
}

function RevokeKey({ onRevoked }: { onRevoked: () => void }) {
  const { t } = useTranslation();
  const [name, setName] = useState('');
  const [keyId, setKeyId] = useState('');
  const [error, setError] = useState<unknown>();
  const [done, setDone] = useState(false);
  async function submit(e: FormEvent): Promise<void> {
    e.preventDefault();
    setError(undefined);
    setDone(false);
    try {
      await call(() =>
        api.POST('/admin/accounts/{name}/api-keys/{keyId}/revoke', {
          params: { path: { name: name.trim(), keyId: keyId.trim() } },
        }),
      );
      setDone(true);
      onRevoked();
    } catch (x) {
      setError(x);
    }
  }
  return (
    <section className="panel" aria-labelledby="revoke-title">
      <h2 id="revoke-title">{t('admin.revokeTitle', 'Revoke an API key')}</h2>
      <form className="form-inline" onSubmit={(e) => void submit(e)}>
        <div className="field">
          <label htmlFor="revoke-name">{t('admin.name', 'Name')}</label>
          <input id="revoke-name" value={name} onChange={(e) => setName(e.target.value)} autoComplete="off" />
        </div>
        <div className="field">
          <label htmlFor="revoke-key">{t('admin.keyId', 'Key id')}</label>
          <input
            id="revoke-key"
            value={keyId}
            onChange={(e) => setKeyId(e.target.value)}
            autoComplete="off"
          />
        </div>
        <button type="submit" className="danger" disabled={!name || !keyId}>
          {t('admin.revoke', 'Revoke')}
        </button>
      </form>
      {done && (
        <p className="success" role="status">
          {t('admin.keyRevoked', 'API key revoked.')}
        </p>
      )}
      <Problem error={error} />
    </section>
  );
}
