/// <reference lib="dom" />
import { eventually, type RunningNode } from '../../scripts/lib/local-federation';
import { examplePayload } from '../../src/messages/examples';
import { auditRows } from '../support/audit-tools';
import { BROWSER_SUITE_TIMEOUT_MS, browserSuite, checkScreen, type Person } from '../support/console-browser';
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
  const suite = browserSuite({
    codes: ['FR', 'MK'],
    participants: { FR: { extensions: ['USE_RESTRICTIONS'] }, MK: { extensions: ['USE_RESTRICTIONS'] } },
    start: ['FR', 'MK'],
    coordinators: ['MK'],
  });
  const { federation } = suite;
  let fr: RunningNode;
  let mk: RunningNode;
  let coordinator: Person;
  beforeAll(() => {
    [fr, mk, coordinator] = [suite.node('FR'), suite.node('MK'), suite.coordinator('MK')];
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
