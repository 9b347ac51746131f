import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { nodeDown, probeHealth } from '../api/client';
import { useStore } from '../api/store';

/** Says plainly that the node is not answering (never a blank page), and checks every few seconds. */
export function NodeDownBanner() {
  const { t } = useTranslation();
  const since = useStore(nodeDown);
  useEffect(() => {
    if (!since) return;
    const timer = setInterval(() => void probeHealth(), 5000);
    return () => clearInterval(timer);
  }, [since]);
  if (!since) return null;
  return (
    <div role="alert" className="banner banner-down">
      <strong>{t('nodeDown.title', 'This node is not answering.')}</strong>{' '}
      {t(
        'nodeDown.body',
        'Your screen and drafts are kept. The console checks again every few seconds; nothing is sent until the node is back.',
      )}{' '}
      <button type="button" onClick={() => void probeHealth()}>
        {t('nodeDown.retry', 'Check now')}
      </button>
    </div>
  );
}
