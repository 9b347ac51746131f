/// <reference lib="dom" />
import type { Browser } from 'playwright-core';
import { LocalFederation, type RunningNode } from '../../scripts/lib/local-federation';
import { examplePayload } from '../../src/messages/examples';
import {
  BROWSER_SUITE_TIMEOUT_MS,
  checkScreen,
  ensureConsoleBuilt,
  launchBrowser,
  personAs,
  type Person,
} from '../support/console-browser';
import { LinkProxy } from '../support/link-proxy';
import { messageStatus, openSharableCase, sendMessage, waitDelivered } from '../support/node-api';

/**
 * The console in a real browser while FR cannot reach its broker: FR's broker connection runs through a TCP
 * proxy the suite cuts, as a broken network does. The coordinator is told, in the shell, that messages to
 * other countries are held and nothing is lost; a referral sent meanwhile waits queued and is delivered
 * once the link is back, when the notice goes away.
 */
describe('the console in a real browser: messages held while the broker is unreachable', () => {
  const federation = new LocalFederation({ codes: ['FR', 'MK'], logLevel: 'error' });
  let proxy: LinkProxy;
  let browser: Browser | undefined;
  let fr: RunningNode;
  let coordinator: Person;

  beforeAll(async () => {
    ensureConsoleBuilt();
    await federation.setUp();
    const [broker] = federation.amqpUrl('FR').split(',');
    const host = new URL(broker.replace(/^amqp:/, 'http:')).host;
    proxy = await LinkProxy.start(host);
    fr = await federation.start('FR', {
      amqpUrl: broker.replace(`@${host}/`, `@127.0.0.1:${proxy.port}/`),
    });
    await federation.start('MK');
    browser = await launchBrowser();
    coordinator = await personAs(browser, fr, 'coordinator');
  }, BROWSER_SUITE_TIMEOUT_MS);

  afterAll(async () => {
    await browser?.close();
    await federation.tearDown();
    await proxy?.cut();
  });

  it(
    'says messages to other countries are held while the broker is unreachable, and no more once it is back',
    async () => {
      const { page } = coordinator;
      const held = page.getByRole('status').filter({ hasText: 'Messages to other countries are held.' });
      const caseRef = await openSharableCase(fr);
      await page.evaluate((hash) => (window.location.hash = hash), `#/cases/${caseRef}`);
      await page.getByRole('heading', { level: 1, name: `Case file ${caseRef}` }).waitFor();
      expect(await held.count()).toBe(0);

      await proxy.cut();
      await held.waitFor({ timeout: 30_000 });
      expect(await held.textContent()).toContain('This node cannot reach the message broker.');
      expect(await held.textContent()).toContain('nothing is lost');
      await checkScreen(page, 'exchange-held');
      // What is sent meanwhile waits, queued.
      const sent = await sendMessage(fr, caseRef, {
        type: 'REFERRAL_REQUEST',
        to: 'MK',
        payload: examplePayload('REFERRAL_REQUEST'),
      });
      expect(sent.status).toBe(202);
      expect((await messageStatus(fr, sent.body.id)).status).toBe('QUEUED');

      await proxy.restore();
      await waitDelivered(fr, sent.body.id, 60_000);
      await held.waitFor({ state: 'detached', timeout: 30_000 });
      expect(coordinator.problems.pageErrors).toEqual([]);
    },
    BROWSER_SUITE_TIMEOUT_MS,
  );
});
