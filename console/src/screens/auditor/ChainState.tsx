import { useTranslation } from 'react-i18next';
import { api, call } from '../../api/client';
import type { ChainState as State } from '../../api/pending';
import { useLoad } from '../../api/useLoad';
import { When } from '../../components/format';
import { Loading, Problem } from '../../components/Problem';

/** The audit chain: its head, the last verification, and whether each peer's checkpoint matched. */
export function ChainState() {
  const { t } = useTranslation();
  const state = useLoad(
    async () => (await call(() => api.GET('/audit/chain/state'))) as unknown as State,
    [],
  );
  const v = state.data?.lastVerification as Record<string, unknown> | null | undefined;
  return (
    <section aria-labelledby="chain-title">
      <div className="screen-head">
        <h1 id="chain-title">{t('chain.title', 'Audit chain state')}</h1>
        <button type="button" onClick={state.reload}>
          {t('common.refresh', 'Refresh')}
        </button>
      </div>
      {state.loading && !state.data && <Loading />}
      <Problem error={state.error} />
      {state.data && (
        <div className="grid-2">
          <section className="panel" aria-labelledby="head-title">
            <h2 id="head-title">{t('chain.head', 'Head of the chain')}</h2>
            {state.data.head ? (
              <dl className="facts">
                <dt>{t('chain.position', 'Position')}</dt>
                <dd>{String(state.data.head.seq ?? state.data.head.pos ?? '—')}</dd>
                <dt>{t('chain.hash', 'Hash')}</dt>
                <dd>
                  <code className="code">{state.data.head.hash}</code>
                </dd>
                <dt>{t('chain.sealedAt', 'Sealed')}</dt>
                <dd>
                  <When at={state.data.head.sealedAt} />
                </dd>
              </dl>
            ) : (
              <p className="empty">{t('chain.empty', 'Nothing sealed yet.')}</p>
            )}
          </section>
          <section className="panel" aria-labelledby="verification-title">
            <h2 id="verification-title">{t('chain.lastVerification', 'Last verification')}</h2>
            {v ? (
              <dl className="facts">
                <dt>{t('chain.verifiedAt', 'When')}</dt>
                <dd>
                  <When at={typeof v.at === 'string' ? v.at : null} />
                </dd>
                <dt>{t('chain.intact', 'Result')}</dt>
                <dd>
                  {v.ok === true ? (
                    <span className="badge badge-matched">{t('chain.ok', 'the chain is intact')}</span>
                  ) : (
                    <span className="badge badge-mismatch">{t('chain.broken', 'a problem was found')}</span>
                  )}
                </dd>
                {Object.entries((v.details as Record<string, unknown> | undefined) ?? {}).map(
                  ([key, value]) => (
                    <div key={key} className="contents">
                      <dt>{t(`chain.v.${key}`, key)}</dt>
                      <dd>{typeof value === 'object' ? JSON.stringify(value) : String(value)}</dd>
                    </div>
                  ),
                )}
              </dl>
            ) : (
              <p className="empty">{t('chain.neverVerified', 'Not verified yet.')}</p>
            )}
          </section>
          <section className="panel" aria-labelledby="peers-title">
            <h2 id="peers-title">{t('chain.peers', 'Peers’ checkpoints')}</h2>
            {state.data.peers.length === 0 ? (
              <p className="empty">{t('chain.noPeers', 'No checkpoint received yet.')}</p>
            ) : (
              <table>
                <thead>
                  <tr>
                    <th scope="col">{t('chain.peer', 'Peer')}</th>
                    <th scope="col">{t('chain.checkpoint', 'Last checkpoint')}</th>
                    <th scope="col">{t('chain.matched', 'Matches')}</th>
                    <th scope="col">{t('chain.checkedAt', 'Checked')}</th>
                  </tr>
                </thead>
                <tbody>
                  {state.data.peers.map((p) => (
                    <tr key={p.peer}>
                      <th scope="row">{p.peer}</th>
                      <td>{p.lastCheckpointSeq ?? '—'}</td>
                      <td>
                        {p.matched === true ? (
                          <span className="badge badge-matched">{t('chain.yes', 'matched')}</span>
                        ) : p.matched === false ? (
                          <span className="badge badge-mismatch">{t('chain.no', 'does not match')}</span>
                        ) : (
                          <span className="badge">{t('chain.unknown', 'not checked')}</span>
                        )}
                      </td>
                      <td>
                        <When at={p.checkedAt} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>
        </div>
      )}
    </section>
  );
}
