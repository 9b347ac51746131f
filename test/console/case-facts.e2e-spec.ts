/// <reference lib="dom" />
import { eventually, type RunningNode } from '../../scripts/lib/local-federation';
import { BROWSER_SUITE_TIMEOUT_MS, browserSuite, checkScreen, type Person } from '../support/console-browser';
import { api, openCase, recordAssessment, recordConsent } from '../support/node-api';

/**
 * The Case facts panel of the case page in a real browser (issue 15): a coordinator records an asylum claim,
 * the reflection period and a threat with the panel's forms, by their labels, and reads them back with the
 * days left; the panel passes axe.
 */
describe('the console in a real browser: the case facts panel', () => {
  const suite = browserSuite({ codes: ['FR', 'MK'], start: ['FR'], coordinators: ['FR'] });
  const { federation } = suite;
  let fr: RunningNode;
  let coordinator: Person;
  beforeAll(() => {
    [fr, coordinator] = [suite.node('FR'), suite.coordinator('FR')];
  });

  it(
    'records an asylum claim, the reflection period and a threat, and shows them with the days left',
    async () => {
      const caseRef = await openCase(fr, { identificationStatus: 'IDENTIFIED_VICTIM' });
      await recordConsent(fr, caseRef, { givenBy: 'VICTIM' });
      await recordAssessment(fr, caseRef);
      const { page } = coordinator;
      await page.evaluate((hash) => (window.location.hash = hash), `#/cases/${caseRef}`);
      const panel = page.getByRole('region', { name: 'Case facts' });
      await panel.waitFor();
      await panel.getByText('No asylum claim is recorded.').waitFor();

      await panel.getByRole('button', { name: 'Record the asylum claim' }).click();
      const asylum = panel.getByRole('form', { name: 'Record the asylum claim' });
      await asylum.getByLabel('Status').selectOption({ label: 'Pending' });
      await asylum.getByRole('button', { name: 'Save' }).click();
      await panel
        .getByText('While the claim is pending: no family tracing, no return plan', { exact: false })
        .waitFor();

      await panel.getByRole('button', { name: 'Record the start of the period' }).click();
      const period = panel.getByRole('form', { name: 'Record the start of the period' });
      const tenDaysAgo = new Date(Date.now() - 10 * 86_400_000).toISOString().slice(0, 10);
      await period.getByLabel('Start').fill(tenDaysAgo);
      await period.getByRole('button', { name: 'Save' }).click();
      await panel.getByText('20 days left').waitFor();

      await panel.getByRole('button', { name: 'Record a threat' }).click();
      const threat = panel.getByRole('form', { name: 'Record a threat' });
      await threat.getByLabel('Reported by (role or agency)').fill('Police, anti-trafficking unit');
      await threat.getByRole('checkbox', { name: 'The family' }).check();
      await threat.getByLabel('Kind').fill('threatening messages to her mother');
      await threat.getByRole('button', { name: 'Save' }).click();
      const row = panel.getByRole('row', { name: /threatening messages to her mother/ });
      await row.waitFor();
      await row.getByText('during the reflection period').waitFor();
      // The threat made the assessment due for review: the risk panel says so without a refresh.
      const review = page
        .getByRole('region', { name: 'Risk assessments' })
        .getByRole('row')
        .nth(1)
        .getByRole('cell')
        .last();
      await eventually(async () => ((await review.textContent())?.trim() !== '—' ? true : undefined));
      await checkScreen(page, 'case-facts');

      // What the panel recorded is what the node holds, and the gates read it.
      const facts = await api(fr, 'GET', `/cases/${caseRef}/facts`);
      expect(facts.body.asylum.current.status).toBe('PENDING');
      expect(facts.body.reflection).toEqual(expect.objectContaining({ startOn: tenDaysAgo, daysLeft: 20 }));
      expect(facts.body.threats).toEqual([
        expect.objectContaining({ against: ['FAMILY'], duringReflectionPeriod: true }),
      ]);
      const flagged = await federation.query<{ n: number }>(
        'FR',
        `SELECT count(*)::int AS n FROM risk_assessments WHERE case_ref = $1 AND review_required_at IS NOT NULL`,
        [caseRef],
      );
      expect(flagged[0].n).toBe(1);
      expect(coordinator.problems.pageErrors).toEqual([]);
    },
    BROWSER_SUITE_TIMEOUT_MS,
  );
});
