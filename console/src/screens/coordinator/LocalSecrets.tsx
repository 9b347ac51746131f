import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api, call, type Schemas } from '../../api/client';
import { useAction } from '../../api/useAction';
import { useLoad } from '../../api/useLoad';
import { allPages } from '../../api/usePages';
import { DataTable } from '../../components/DataTable';
import { When } from '../../components/format';
import { announce } from '../../components/live';
import { Problem } from '../../components/Problem';

type Revealed = Schemas['LocalSecretValueView'];

/**
 * Local secrets of the case (docs/data-at-rest.md, "Local secrets"): a shelter's address, a safe-house
 * phone number, kept on this node and never sent. Listed by label; a value is shown only after its reader
 * states why, and the read is audited with that reason.
 */
export function LocalSecrets({ caseRef }: { caseRef: string }) {
  const { t } = useTranslation();
  const list = useLoad(
    // Every page: a case keeps a few secrets, listed whole by label.
    () =>
      allPages((after) =>
        call(() =>
          api.GET('/cases/{caseRef}/local-secrets', {
            params: { path: { caseRef }, query: { after, limit: 500 } },
          }),
        ),
      ),
    [caseRef],
  );
  const [adding, setAdding] = useState(false);
  const [reading, setReading] = useState<string | null>(null);
  const [revealed, setRevealed] = useState<Revealed | null>(null);
  const secrets = list.data ?? [];
  return (
    <section className="panel" aria-labelledby="secrets-title">
      <h2 id="secrets-title">{t('localSecrets.title', 'Local secrets')}</h2>
      <p className="muted">
        {t(
          'localSecrets.help',
          'Kept on this node only and never sent: a message that holds one of these values is refused. Each read is audited with its reason.',
        )}
      </p>
      <Problem error={list.error} />
      <DataTable
        count={secrets.length}
        empty={t('localSecrets.none', 'No local secret is kept on this case.')}
        columns={[
          t('localSecrets.label', 'What it is'),
          t('localSecrets.recorded', 'Recorded'),
          t('localSecrets.value', 'Value'),
        ]}
      >
        {secrets.map((s) => (
          <tr key={s.id}>
            <td>{s.label}</td>
            <td>
              <When at={s.recordedAt} /> · {s.recordedBy}
            </td>
            <td>
              {revealed?.id === s.id ? (
                <>
                  <output aria-label={t('localSecrets.value', 'Value')}>{revealed.value}</output>{' '}
                  <button type="button" onClick={() => setRevealed(null)}>
                    {t('localSecrets.hide', 'Hide')}
                  </button>
                </>
              ) : (
                <button
                  type="button"
                  onClick={() => {
                    setRevealed(null);
                    setReading(s.id);
                  }}
                >
                  {t('localSecrets.read', 'Read…')}
                </button>
              )}
            </td>
          </tr>
        ))}
      </DataTable>
      {reading && (
        <ReadForm
          caseRef={caseRef}
          secretId={reading}
          onCancel={() => setReading(null)}
          onRead={(secret) => {
            setReading(null);
            setRevealed(secret);
          }}
        />
      )}
      {!adding && !reading && (
        <button type="button" onClick={() => setAdding(true)}>
          {t('localSecrets.add', 'Keep a local secret')}
        </button>
      )}
      {adding && (
        <AddForm
          caseRef={caseRef}
          onCancel={() => setAdding(false)}
          onDone={() => {
            setAdding(false);
            announce(t('localSecrets.saved', 'Local secret kept on this node.'));
            list.reload();
          }}
        />
      )}
    </section>
  );
}

function ReadForm({
  caseRef,
  secretId,
  onRead,
  onCancel,
}: {
  caseRef: string;
  secretId: string;
  onRead: (secret: Revealed) => void;
  onCancel: () => void;
}) {
  const { t } = useTranslation();
  const { busy, error, run } = useAction();
  const [reason, setReason] = useState('');
  function onSubmit(event: FormEvent): void {
    event.preventDefault();
    void run(async () =>
      onRead(
        await call(() =>
          api.POST('/cases/{caseRef}/local-secrets/{secretId}/read', {
            params: { path: { caseRef, secretId } },
            body: { reason },
          }),
        ),
      ),
    );
  }
  return (
    <form className="panel" aria-labelledby="secret-read-title" onSubmit={onSubmit}>
      <h4 id="secret-read-title">{t('localSecrets.readTitle', 'Why do you read it?')}</h4>
      <div className="field">
        <label htmlFor="secret-reason">
          {t('localSecrets.reason', 'Reason (kept in the audit log; never write the secret itself)')}
        </label>
        <textarea
          id="secret-reason"
          required
          minLength={10}
          maxLength={500}
          value={reason}
          onChange={(e) => setReason(e.target.value)}
        />
      </div>
      <Problem error={error} />
      <div className="actions">
        <button type="submit" className="primary" disabled={busy}>
          {t('localSecrets.show', 'Show the value')}
        </button>
        <button type="button" onClick={onCancel}>
          {t('common.cancel', 'Cancel')}
        </button>
      </div>
    </form>
  );
}

function AddForm({
  caseRef,
  onDone,
  onCancel,
}: {
  caseRef: string;
  onDone: () => void;
  onCancel: () => void;
}) {
  const { t } = useTranslation();
  const { busy, error, run } = useAction();
  const [label, setLabel] = useState('');
  const [value, setValue] = useState('');
  function onSubmit(event: FormEvent): void {
    event.preventDefault();
    void run(async () => {
      await call(() =>
        api.POST('/cases/{caseRef}/local-secrets', {
          params: { path: { caseRef } },
          body: { label, value },
        }),
      );
      onDone();
    });
  }
  return (
    <form className="panel" aria-labelledby="secret-add-title" onSubmit={onSubmit}>
      <h4 id="secret-add-title">{t('localSecrets.add', 'Keep a local secret')}</h4>
      <div className="field">
        <label htmlFor="secret-label">{t('localSecrets.label', 'What it is')}</label>
        <input
          id="secret-label"
          required
          maxLength={200}
          value={label}
          onChange={(e) => setLabel(e.target.value)}
        />
      </div>
      <div className="field">
        <label htmlFor="secret-value">{t('localSecrets.value', 'Value')}</label>
        <input
          id="secret-value"
          required
          maxLength={500}
          autoComplete="off"
          value={value}
          onChange={(e) => setValue(e.target.value)}
        />
      </div>
      <Problem error={error} />
      <div className="actions">
        <button type="submit" className="primary" disabled={busy}>
          {t('common.save', 'Save')}
        </button>
        <button type="button" onClick={onCancel}>
          {t('common.cancel', 'Cancel')}
        </button>
      </div>
    </form>
  );
}
