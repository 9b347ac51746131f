import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, nodeDown } from '../api/client';
import { useStore } from '../api/store';

/** How often the console asks the node whether it reaches the broker. */
const CHECK_EVERY_MS = 10_000;

/**
 * Says when the node cannot hand messages to the broker (GET /health/ready: `broker` down, or blocked by a
 * memory or disk alarm): what a coordinator sends is kept in order and leaves once the broker is back, so a
 * message shown as queued for long is explained, not a mystery. Hidden while the node itself does not answer
 * (NodeDownBanner says that).
 */
export function ExchangeHeldBanner() {
  const { t } = useTranslation();
  const down = useStore(nodeDown);
  const [broker, setBroker] = useState<'up' | 'blocked' | 'down'>('up');
  useEffect(() => {
    let stopped = false;
    const check = async (): Promise<void> => {
      // A tab in the background asks nothing: it checks again when it is looked at.
      if (document.visibilityState === 'hidden') return;
      try {
        // Through the API client: counted against the coordinator's own rate limit, not her office's address.
        const { data } = await api.GET('/health/ready', { cache: 'no-store' });
        if (!stopped && data) setBroker(data.broker);
      } catch {
        // The node is not answering: NodeDownBanner's matter.
      }
    };
    void check();
    const timer = setInterval(() => void check(), CHECK_EVERY_MS);
    const onVisible = (): void => void check();
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      stopped = true;
      clearInterval(timer);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, []);
  if (down || broker === 'up') return null;
  return (
    <div role="status" className="banner banner-held">
      <strong>{t('exchangeHeld.title', 'Messages to other countries are held.')}</strong>{' '}
      {broker === 'blocked'
        ? t(
            'exchangeHeld.blocked',
            'The message broker is not taking messages for now (it is short of memory or disk space).',
          )
        : t('exchangeHeld.down', 'This node cannot reach the message broker.')}{' '}
      {t(
        'exchangeHeld.body',
        'What you send is kept, in order, and leaves as soon as the broker takes it again: nothing is lost. Messages from other countries wait for you there too.',
      )}
    </div>
  );
}
