/// <reference lib="dom" />
import type { Browser } from 'playwright-core';
import { eventually, LocalFederation, type RunningNode } from '../../scripts/lib/local-federation';
import { examplePayload } from '../../src/messages/examples';
import { auditRows } from '../support/audit-tools';
import {
  BROWSER_SUITE_TIMEOUT_MS,
  checkScreen,
  ensureConsoleBuilt,
  launchBrowser,
  type Person,
  personAs,
} from '../support/console-browser';
import {
  api,
  openSharableCase,
  recordConsent,
  recordGuardian,
  sendMessage,
  waitDelivered,
} from '../support/node-api';

/**
 * Use restrictions in a real browser (docs/protocol.md, "Use restrictions"): MK's coordinator sees on the case
 * page what FR restricted, and puts a restriction of her own on her answer when composing it.
 */
describe('the console in a real browser: use restrictions', () => {
  const federation = new LocalFederation({
    codes: ['FR', 'MK'],
    logLevel: 'error',
    participants: { FR: { extensions: ['USE_RESTRICTIONS'] }, MK: { extensions: ['USE_RESTRICTIONS'] } },
  });
  let fr: RunningNode;
  let mk: RunningNode;
  let browser: Browser;
  let coordinator: Person;

  beforeAll(async () => {
    ensureConsoleBuilt();
    await federation.setUp();
    fr = await federation.start('FR');
    mk = await federation.start('MK');
    browser = await launchBrowser();
    coordinator = await personAs(browser, mk, 'coordinator');
  }, BROWSER_SUITE_TIMEOUT_MS);

  afterAll(async () => {
    await browser?.close();
    await federation.tearDown();
  });

  it(
    'shows the restrictions FR put on the case, and sends MK’s answer under the one she ticks',
    async () => {
      const caseRef = await openSharableCase(fr);
      const sent = await sendMessage(fr, caseRef, {
        type: 'REFERRAL_REQUEST',
        to: 'MK',
        payload: examplePayload('REFERRAL_REQUEST'),
        restrictions: ['NO_ONWARD_SHARING'],
      } as Parameters<typeof sendMessage>[2]);
      expect(sent.status).toBe(202);
      await waitDelivered(fr, sent.body.id, 20_000);
      await recordConsent(mk, caseRef);
      await recordGuardian(mk, caseRef);

      const { page } = coordinator;
      await page.evaluate((hash) => (window.location.hash = hash), `#/cases/${caseRef}`);
      await page.getByRole('heading', { level: 1, name: `Case file ${caseRef}` }).waitFor();
      await page.getByText('FR: No onward sharing to other countries').waitFor();
      await checkScreen(page, 'case-file-use-restrictions');

      await page.getByRole('link', { name: 'Compose a message' }).click();
      const type = page.getByLabel('Message type');
      await type.locator('option[value="CASE_UPDATE"]').waitFor({ state: 'attached' });
      await type.selectOption('CASE_UPDATE');
      await page.getByLabel('To', { exact: true }).selectOption('FR');
      await page.getByRole('checkbox', { name: 'For assistance and protection only' }).check();
      const sop = page.getByLabel('SOP*', { exact: true });
      await sop.locator('option').nth(1).waitFor({ state: 'attached' });
      await sop.selectOption({ index: 3 });
      await page.getByLabel('Summary*', { exact: true }).fill('Shelter place confirmed.');
      await page.getByRole('button', { name: 'Send' }).click();
      await page.getByRole('heading', { name: 'Message sent' }).waitFor();

      const queued = await auditRows(federation, 'MK', 'MESSAGE_QUEUED', { caseRef });
      expect(queued.map((r) => [r.messageType, r.counterpart, r.details.restrictions])).toEqual([
        ['CASE_UPDATE', 'FR', ['ASSISTANCE_ONLY']],
      ]);
      // FR stores it with the data.
      const file = await eventually(async () => {
        const r = await api(fr, 'GET', `/cases/${caseRef}`);
        return Object.keys(r.body.restrictions ?? {}).length > 0 ? r.body : undefined;
      });
      expect(file.restrictions).toEqual({ MK: ['ASSISTANCE_ONLY'] });
      expect(coordinator.problems.pageErrors).toEqual([]);
    },
    BROWSER_SUITE_TIMEOUT_MS,
  );
});
