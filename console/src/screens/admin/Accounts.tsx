import { useState } from 'react';
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

/** Accounts: create, list, disable, unlock; agency API keys: issue (shown once), list and revoke. */
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
  const [keysOf, setKeysOf] = useState('');
  const [keysVersion, setKeysVersion] = useState(0);

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
        setKeysOf(name);
        setKeysVersion((v) => v + 1);
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
      <ApiKeys
        accounts={(list.data ?? []).filter((a) => a.role === 'agency').map((a) => a.name)}
        name={keysOf}
        onName={setKeysOf}
        version={keysVersion}
      />
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

/** An agency account's API keys, chosen from the accounts: each live key revoked from its row. */
function ApiKeys({
  accounts,
  name,
  onName,
  version,
}: {
  accounts: string[];
  name: string;
  onName: (name: string) => void;
  /** Bumped when a key was issued, to list it. */
  version: number;
}) {
  const { t } = useTranslation();
  const keys = useLoad(
    () =>
      name
        ? // Every page: an account has a handful of keys, and the admin revokes from the whole list.
          allPages((after) =>
            call(() =>
              api.GET('/admin/accounts/{name}/api-keys', {
                params: { path: { name }, query: { after, limit: 500 } },
              }),
            ),
          )
        : Promise.resolve(undefined),
    [name, version],
  );
  const { busy, error, run } = useAction();
  const revoke = (keyId: string): void => {
    if (
      !window.confirm(
        t(
          'admin.confirmRevokeKey',
          'Revoke the API key {{keyId}} of {{name}}? The system using it is refused at once.',
          { keyId, name },
        ),
      )
    )
      return;
    void run(async () => {
      await call(() =>
        api.POST('/admin/accounts/{name}/api-keys/{keyId}/revoke', { params: { path: { name, keyId } } }),
      );
      announce(t('admin.keyRevoked', 'API key revoked.'));
      keys.reload();
    });
  };
  return (
    <section className="panel" aria-labelledby="keys-title">
      <h2 id="keys-title">{t('admin.keysTitle', 'API keys of agency accounts')}</h2>
      <div className="form-inline">
        <div className="field">
          <label htmlFor="keys-account">{t('admin.keysAccount', 'Agency account')}</label>
          <select id="keys-account" value={name} onChange={(e) => onName(e.target.value)}>
            <option value="">{t('admin.chooseAccount', 'Choose an account')}</option>
            {accounts.map((a) => (
              <option key={a} value={a}>
                {a}
              </option>
            ))}
          </select>
        </div>
      </div>
      {name && keys.loading && !keys.data && <Loading />}
      <Problem error={error ?? keys.error} />
      {name &&
        keys.data &&
        (keys.data.length === 0 ? (
          <p className="empty">{t('admin.noKeys', 'This account has no API key.')}</p>
        ) : (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">{t('admin.keyId', 'Key id')}</th>
                  <th scope="col">{t('admin.keyCreated', 'Issued')}</th>
                  <th scope="col">{t('admin.state', 'State')}</th>
                  <th scope="col">{t('common.actions', 'Actions')}</th>
                </tr>
              </thead>
              <tbody>
                {keys.data.map((k) => (
                  <tr key={k.keyId}>
                    <th scope="row">
                      <code>{k.keyId}</code>
                    </th>
                    <td>
                      <When at={k.createdAt} /> <span className="muted">({k.createdBy})</span>
                    </td>
                    <td>
                      {k.revokedAt ? (
                        <span className="badge badge-deny">
                          {t('admin.keyRevokedAt', 'revoked')} <When at={k.revokedAt as unknown as string} />
                        </span>
                      ) : (
                        <span className="badge badge-allow">{t('admin.keyLive', 'live')}</span>
                      )}
                    </td>
                    <td>
                      {!k.revokedAt && (
                        <button
                          type="button"
                          className="danger"
                          disabled={busy}
                          onClick={() => revoke(k.keyId)}
                        >
                          {t('admin.revoke', 'Revoke')} <span className="sr-only">{k.keyId}</span>
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ))}
    </section>
  );
}
