/// <reference lib="dom" />
import { type RunningNode } from '../../scripts/lib/local-federation';
import { BROWSER_SUITE_TIMEOUT_MS, browserSuite, checkScreen, type Person } from '../support/console-browser';
import { api, openSharableCase } from '../support/node-api';

/**
 * The case page of an erased case in a real browser (docs/retention.md): every panel loads with the personal
 * values gone, the page says the case was erased and offers no change; axe-clean, no page error.
 */
describe('the console in a real browser: an erased case', () => {
  const suite = browserSuite({ codes: ['FR', 'MK'], start: ['FR'], coordinators: ['FR'] });
  let fr: RunningNode;
  let coordinator: Person;
  beforeAll(() => {
    [fr, coordinator] = [suite.node('FR'), suite.coordinator('FR')];
  });

  it(
    'shows the erased case with its erasure and no change to make',
    async () => {
      // Consent, assessment, guardian: panels whose values the erasure takes.
      const caseRef = await openSharableCase(fr);
      const second = { name: 'admin-two', password: 'second-admin-password-1' };
      expect(
        (await api(fr, 'POST', '/admin/accounts', { ...second, role: 'admin' }, { as: 'admin' })).status,
      ).toBe(201);
      expect((await api(fr, 'POST', `/cases/${caseRef}/erasure`, undefined, { as: 'admin' })).status).toBe(
        200,
      );
      expect(
        (await api(fr, 'POST', `/cases/${caseRef}/erasure/confirm`, undefined, { as: second })).status,
      ).toBe(200);

      const { page } = coordinator;
      await page.evaluate((hash) => (window.location.hash = hash), `#/cases/${caseRef}`);
      await page.getByTestId('case-erased').getByText('The case was erased').waitFor();
      // The panels that load the erased values: each shows its rows (an assessment, a consent).
      for (const panel of ['Risk assessments', 'Consent records'])
        await page.getByRole('region', { name: panel }).getByRole('row').nth(1).waitFor();
      await page.waitForLoadState('networkidle');
      // A panel that fails to draw is caught by the error boundary: no page error, but a screen replaced.
      expect(await page.getByText('This screen could not be shown').count()).toBe(0);
      expect(coordinator.problems.console.filter((m) => /screen failed|TypeError/.test(m))).toEqual([]);
      expect(await page.getByRole('link', { name: 'Compose a message' }).count()).toBe(0);
      // No change offered (each would be refused): update, reopen, withdraw, keep a secret.
      for (const name of ['Update the case', 'Reopenings', 'Local secrets'])
        expect([name, await page.getByRole('heading', { name }).count()]).toEqual([name, 0]);
      expect(await page.getByRole('button', { name: /Withdraw|Reopen/ }).count()).toBe(0);
      await checkScreen(page, 'case-erased');
      expect(coordinator.problems.pageErrors).toEqual([]);
    },
    BROWSER_SUITE_TIMEOUT_MS,
  );
});
