/// <reference lib="dom" />
import { type RunningNode } from '../../scripts/lib/local-federation';
import { BROWSER_SUITE_TIMEOUT_MS, browserSuite, checkScreen, type Person } from '../support/console-browser';
import { openSharableCase, sendMessage, waitDelivered } from '../support/node-api';

/**
 * The language of the free text in a real browser (issue 15): MK's timeline says which language a received
 * message's free text is in; FR's Compose picks it (FR's first language by default) and warns when MK does
 * not list it among the languages it reads.
 */
describe('the console in a real browser: the language of the free text', () => {
  const suite = browserSuite({
    codes: ['FR', 'MK'],
    participants: {
      FR: { languages: ['fr', 'en'] },
      MK: { languages: ['mk', 'en'], extensions: ['LANGUAGE'] },
    },
    start: ['FR', 'MK'],
    coordinators: ['FR', 'MK'],
  });
  let fr: RunningNode;
  let frCoordinator: Person;
  let mkCoordinator: Person;
  beforeAll(() => {
    fr = suite.node('FR');
    [frCoordinator, mkCoordinator] = [suite.coordinator('FR'), suite.coordinator('MK')];
  });

  it(
    'shows the language of received free text, and warns when composing in one the receiver does not read',
    async () => {
      const caseRef = await openSharableCase(fr);
      const sent = await sendMessage(fr, caseRef, {
        type: 'CASE_UPDATE',
        to: 'MK',
        payload: { sop: 3, summary: 'Scolarisée depuis lundi.' },
      });
      expect(sent.status).toBe(202);
      await waitDelivered(fr, sent.body.id);

      const mkPage = mkCoordinator.page;
      await mkPage.evaluate((hash) => (window.location.hash = hash), `#/cases/${caseRef}`);
      await mkPage.locator(`tr[data-message-id="${sent.body.id}"]`).getByText('free text in fr').waitFor();

      const { page } = frCoordinator;
      await page.evaluate((hash) => (window.location.hash = hash), `#/cases/${caseRef}/compose`);
      await page
        .getByLabel('Message type')
        .locator('option[value="CASE_UPDATE"]')
        .waitFor({ state: 'attached' });
      await page.getByLabel('Message type').selectOption('CASE_UPDATE');
      await page.getByLabel('To', { exact: true }).selectOption('MK');
      const language = page.getByLabel('Language of the free text');
      await expect(language.inputValue()).resolves.toBe('fr');
      const warning = page.getByRole('note').filter({ hasText: 'MK does not list fr' });
      await warning.waitFor();
      expect(await warning.textContent()).toContain('(mk, en)');
      await checkScreen(page, 'compose-language');
      await language.selectOption('en');
      await warning.waitFor({ state: 'detached' });
      expect(frCoordinator.problems.pageErrors).toEqual([]);
      expect(mkCoordinator.problems.pageErrors).toEqual([]);
    },
    BROWSER_SUITE_TIMEOUT_MS,
  );
});
