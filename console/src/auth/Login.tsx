import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { login, logout, type Principal } from '../api/client';
import { ApiError } from '../api/errors';
import { Problem } from '../components/Problem';
import { useAction } from '../api/useAction';

/** The name and password form, shared by the login page and the dialog that opens when a session ends. */
export function LoginForm({ onDone, fixedName }: { onDone: (p: Principal) => void; fixedName?: string }) {
  const { t } = useTranslation();
  const [name, setName] = useState(fixedName ?? '');
  const [password, setPassword] = useState('');
  const { busy, error, run } = useAction();
  const id = useId();
  async function submit(event: FormEvent): Promise<void> {
    event.preventDefault();
    await run(async () => {
      const principal = await login(name.trim(), password);
      setPassword('');
      onDone(principal);
    });
  }
  return (
    <form onSubmit={(e) => void submit(e)} className="form login-form" data-draft="off" noValidate>
      <div className="field">
        <label htmlFor={`${id}-name`}>{t('login.name', 'Account name')}</label>
        <input
          id={`${id}-name`}
          name="username"
          autoComplete="username"
          value={name}
          onChange={(e) => setName(e.target.value)}
          required
        />
      </div>
      <div className="field">
        <label htmlFor={`${id}-password`}>{t('login.password', 'Password')}</label>
        <input
          id={`${id}-password`}
          name="password"
          type="password"
          autoComplete="current-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          required
          autoFocus={!!fixedName}
        />
      </div>
      {error instanceof ApiError && error.status === 401 ? (
        <p role="alert" className="problem">
          {t('login.refused', 'The name or the password is not right, or the account is locked or disabled.')}
        </p>
      ) : (
        <Problem error={error} />
      )}
      <button type="submit" className="primary" disabled={busy || !name || !password}>
        {busy ? t('login.busy', 'Logging in…') : t('login.submit', 'Log in')}
      </button>
    </form>
  );
}

export function LoginPage({ reason }: { reason: 'start' | 'idle' | 'logout' }) {
  const { t } = useTranslation();
  return (
    <main id="main" className="login-page" tabIndex={-1}>
      <h1>{t('login.title', 'Log in to the TRM console')}</h1>
      {reason === 'idle' && (
        <p role="status" className="notice">
          {t('login.idleEnded', 'You were logged out after a period without activity.')}
        </p>
      )}
      {reason === 'logout' && (
        <p role="status" className="notice">
          {t('login.loggedOut', 'You are logged out.')}
        </p>
      )}
      <LoginForm onDone={() => undefined} />
    </main>
  );
}

/**
 * Opens over the current screen when the node answered 401 (session expired): the screen and its draft
 * stay underneath, and the call that was refused is retried after logging in again.
 */
export function SessionExpiredDialog({ name }: { name: string }) {
  const { t } = useTranslation();
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    // The name is known: the password is what she types next.
    dialog?.querySelector<HTMLInputElement>('input[type="password"]')?.focus();
  }, []);
  return (
    <dialog
      ref={ref}
      className="dialog"
      aria-labelledby="session-expired-title"
      onCancel={(e) => e.preventDefault()}
    >
      <h2 id="session-expired-title">{t('login.expiredTitle', 'Your session has ended')}</h2>
      <p>
        {t(
          'login.expiredBody',
          'Log in again to go on: what you were doing is kept, and the last action is retried after you log in.',
        )}
      </p>
      <LoginForm
        fixedName={name}
        onDone={(p) => {
          if (p.name !== name) window.location.hash = '#/';
        }}
      />
      <button type="button" onClick={() => logout()}>
        {t('login.abandon', 'Log out instead')}
      </button>
    </dialog>
  );
}
