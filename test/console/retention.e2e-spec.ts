/// <reference lib="dom" />
import { type RunningNode } from '../../scripts/lib/local-federation';
import { BROWSER_SUITE_TIMEOUT_MS, browserSuite, checkScreen, type Person } from '../support/console-browser';
import { openCase } from '../support/node-api';

/**
 * The Retention screen of the admin in a real browser (docs/retention.md): a case's retention, a legal hold
 * set and lifted with a reason code, and an erasure asked for, awaiting a second admin; audited; axe-clean.
 */
describe('the console in a real browser: retention and legal hold', () => {
  const suite = browserSuite({ codes: ['FR'], start: ['FR'], coordinators: [], admins: ['FR'] });
  const { federation } = suite;
  let fr: RunningNode;
  let admin: Person;
  beforeAll(() => {
    [fr, admin] = [suite.node('FR'), suite.admin('FR')];
  });

  it(
    'shows a case’s retention, sets and lifts a legal hold, and asks for an erasure',
    async () => {
      const caseRef = await openCase(fr);
      const { page } = admin;
      const asked: string[] = [];
      page.on('dialog', (dialog) => {
        asked.push(dialog.message());
        void dialog.accept();
      });
      await page.evaluate(() => (window.location.hash = '#/admin/retention'));
      await page.getByRole('heading', { level: 1, name: 'Retention and erasure' }).waitFor();
      const pick = page.getByLabel('Case', { exact: true });
      await pick.locator(`option[value="${caseRef}"]`).waitFor({ state: 'attached' });
      await pick.selectOption(caseRef);
      const panel = page.getByRole('region', { name: caseRef });
      await panel.getByText('not requested').waitFor();

      await panel.getByLabel('Reason for a legal hold').selectOption('COMPENSATION_CLAIM');
      await panel.getByRole('button', { name: 'Set the legal hold' }).click();
      await panel.getByText(/Compensation claim \(api:admin/).waitFor();
      // Held, the case cannot be erased: the button is gone until the hold is lifted.
      expect(await panel.getByRole('button', { name: 'Ask to erase the case' }).count()).toBe(0);
      await checkScreen(page, 'admin-retention');

      await panel.getByRole('button', { name: 'Lift the legal hold' }).click();
      await panel.getByRole('button', { name: 'Ask to erase the case' }).click();
      await panel.getByText('asked by api:admin, awaiting a second admin').waitFor();
      expect(asked).toEqual([`Ask to erase ${caseRef}? A second admin must confirm.`]);

      const audited = await federation.query<{ action: string; reason_code: string | null }>(
        'FR',
        `SELECT action, reason_code FROM audit_log WHERE case_ref = $1
           AND action IN ('LEGAL_HOLD_SET', 'LEGAL_HOLD_LIFTED', 'CASE_ERASURE_REQUESTED') ORDER BY seq`,
        [caseRef],
      );
      expect(audited).toEqual([
        { action: 'LEGAL_HOLD_SET', reason_code: 'COMPENSATION_CLAIM' },
        { action: 'LEGAL_HOLD_LIFTED', reason_code: 'COMPENSATION_CLAIM' },
        { action: 'CASE_ERASURE_REQUESTED', reason_code: null },
      ]);
      expect(admin.problems.pageErrors).toEqual([]);
    },
    BROWSER_SUITE_TIMEOUT_MS,
  );
});
