/// <reference lib="dom" />
import { type RunningNode } from '../../scripts/lib/local-federation';
import { BROWSER_SUITE_TIMEOUT_MS, browserSuite, checkScreen, type Person } from '../support/console-browser';
import { openCase } from '../support/node-api';

/**
 * The Local secrets panel of the case page in a real browser (issue 15): a coordinator keeps a secret by its
 * labels, the list shows the label only, and the value shows once a reason is given; the read is audited with
 * that reason; the panel passes axe.
 */
describe('the console in a real browser: the local secrets panel', () => {
  const suite = browserSuite({ codes: ['FR', 'MK'], start: ['FR'], coordinators: ['FR'] });
  const { federation } = suite;
  let fr: RunningNode;
  let coordinator: Person;
  beforeAll(() => {
    [fr, coordinator] = [suite.node('FR'), suite.coordinator('FR')];
  });

  it(
    'keeps a secret, lists it by label only, and shows its value after a reason, audited',
    async () => {
      const caseRef = await openCase(fr);
      const { page } = coordinator;
      await page.evaluate((hash) => (window.location.hash = hash), `#/cases/${caseRef}`);
      const panel = page.getByRole('region', { name: 'Local secrets' });
      await panel.getByText('No local secret is kept on this case.').waitFor();

      await panel.getByRole('button', { name: 'Keep a local secret' }).click();
      const add = panel.getByRole('form', { name: 'Keep a local secret' });
      await add.getByLabel('What it is').fill('Shelter address');
      await add.getByLabel('Value').fill('Rruga e Kavajës 112, Tiranë');
      await add.getByRole('button', { name: 'Save' }).click();
      const row = panel.getByRole('row', { name: /Shelter address/ });
      await row.waitFor();
      expect(await panel.textContent()).not.toContain('Kavaj');

      await row.getByRole('button', { name: 'Read…' }).click();
      const read = panel.getByRole('form', { name: 'Why do you read it?' });
      await read.getByRole('button', { name: 'Show the value' }).click();
      // The reason is required: nothing is read without it.
      expect(await panel.textContent()).not.toContain('Kavaj');
      await read.getByLabel(/^Reason/).fill('to arrange the escort to the shelter');
      await read.getByRole('button', { name: 'Show the value' }).click();
      await row.getByText('Rruga e Kavajës 112, Tiranë').waitFor();
      await checkScreen(page, 'local-secrets');

      const audited = await federation.query<{ actor: string; details: { reason: string } }>(
        'FR',
        `SELECT actor, details FROM audit_log WHERE case_ref = $1 AND action = 'LOCAL_SECRET_READ'`,
        [caseRef],
      );
      expect(audited).toEqual([
        {
          actor: 'api:coordinator',
          details: expect.objectContaining({ reason: 'to arrange the escort to the shelter' }),
        },
      ]);
      await row.getByRole('button', { name: 'Hide' }).click();
      expect(await panel.textContent()).not.toContain('Kavaj');
      expect(coordinator.problems.pageErrors).toEqual([]);
    },
    BROWSER_SUITE_TIMEOUT_MS,
  );
});
