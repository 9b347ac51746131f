import { useTranslation } from 'react-i18next';
import { ApiError, NodeDownError } from '../api/errors';
import { useCodes } from '../i18n/labels';

/** A refusal as a careful user expects it: in words (the code's label) and with the code. */
export function Problem({ error }: { error: unknown }) {
  const { t } = useTranslation();
  const label = useCodes();
  if (!error) return null;
  if (error instanceof NodeDownError)
    return (
      <div role="alert" className="problem">
        {t('problem.nodeDown', 'The node is not answering. Nothing was changed; try again when it is back.')}
      </div>
    );
  if (!(error instanceof ApiError))
    return (
      <div role="alert" className="problem">
        {t('problem.unexpected', 'Something unexpected went wrong.')}
      </div>
    );
  return (
    <div role="alert" className="problem">
      <p>
        <strong>{problemTitle(error, t)}</strong>{' '}
        {label('reasonCode', error.code) !== error.code && <>{label('reasonCode', error.code)} </>}
        <code className="code">{error.code}</code>
      </p>
      {error.message && error.message !== error.code && <p className="detail">{error.message}</p>}
      {error.reasons.length > 0 && <ReasonList reasons={error.reasons} />}
      {error.fields.length > 0 && (
        <>
          <p>{t('problem.fieldsIntro', 'These fields need attention:')}</p>
          <ul>
            {error.fields.map((f, i) => (
              <li key={i}>
                <code className="code">{f.path || t('problem.wholeForm', '(the whole form)')}</code>{' '}
                {f.message}
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}

function problemTitle(error: ApiError, t: (key: string, fallback: string) => string): string {
  switch (error.status) {
    case 400:
      return t('problem.badRequest', 'The node could not accept this input.');
    case 401:
      return t('problem.unauthorized', 'You are not logged in, or your session has ended.');
    case 403:
      return t('problem.forbidden', 'Your role may not do this.');
    case 404:
      return t('problem.notFound', 'Not found.');
    case 409:
      return t('problem.conflict', 'The case is not in a state that allows this.');
    case 422:
      return t('problem.refused', 'The node refused this.');
    case 429:
      return t('problem.tooMany', 'Too many requests: wait a moment and try again.');
    default:
      return t('problem.failed', 'The request failed.');
  }
}

export function ReasonList({ reasons }: { reasons: ApiError['reasons'] }) {
  const { t } = useTranslation();
  const label = useCodes();
  return (
    <ul className="reasons">
      {reasons.map((r, i) => (
        <li key={i}>
          <strong>{label('reasonCode', r.rule ?? r.code)}</strong>{' '}
          <code className="code">{r.rule ?? r.code}</code>
          {r.message && <span className="detail"> — {r.message}</span>}
          {r.scope && (
            <span>
              {' '}
              {t('problem.missingScope', 'Consent scope needed:')} {label('scope', r.scope)}{' '}
              <code className="code">{r.scope}</code>
            </span>
          )}
          {r.fields && r.fields.length > 0 && (
            <span>
              {' '}
              {t('problem.affectedFields', 'Fields:')}{' '}
              {r.fields.map((f) => (
                <code key={f} className="code">
                  {f}
                </code>
              ))}
            </span>
          )}
          {r.overridable && (
            <span>
              {' '}
              {t('problem.overridable', '(a coordinator may override this with a written reason)')}
            </span>
          )}
        </li>
      ))}
    </ul>
  );
}

export function Loading() {
  const { t } = useTranslation();
  return (
    <p className="loading" role="status">
      {t('common.loading', 'Loading…')}
    </p>
  );
}
