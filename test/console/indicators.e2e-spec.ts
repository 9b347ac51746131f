/// <reference lib="dom" />
import type { Browser, Page } from 'playwright-core';
import { examplePayload } from '../../src/messages/examples';
import { eventually, LocalFederation, type RunningNode } from '../../scripts/lib/local-federation';
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
  openCase,
  openSharableCase,
  recordConsent,
  sendMessage,
  waitDelivered,
} from '../support/node-api';

/**
 * Issue 16, the indicators drawn: after a referral answered and a message refused on FR, FR's auditor and
 * coordinator open the Indicators screen and see each chart drawn (SVG marks, not only a table), its figures
 * as a table beside it, the statistics' small counts shown as suppressed, and no serious axe violation.
 */
describe('the console in a real browser: the indicators, drawn', () => {
  const federation = new LocalFederation({ codes: ['FR', 'MK'], logLevel: 'error' });
  let fr: RunningNode;
  let mk: RunningNode;
  let browser: Browser;
  const people: Person[] = [];

  beforeAll(async () => {
    ensureConsoleBuilt();
    await federation.setUp();
    [fr, mk] = [await federation.start('FR'), await federation.start('MK')];
    browser = await launchBrowser();

    // An answered referral: an answer time for MK.
    const caseRef = await openSharableCase(fr);
    const referral = await sendMessage(fr, caseRef, {
      type: 'REFERRAL_REQUEST',
      to: 'MK',
      payload: examplePayload('REFERRAL_REQUEST'),
    });
    await waitDelivered(fr, referral.body.id);
    await recordConsent(mk, caseRef, { recipients: ['FR'] });
    const confirmation = await sendMessage(mk, caseRef, {
      type: 'REFERRAL_CONFIRMATION',
      to: 'FR',
      payload: examplePayload('REFERRAL_CONFIRMATION'),
      inReplyTo: referral.body.id,
    });
    expect(confirmation.status).toBe(202);
    // A refusal by FR's sending gate: no consent on this case.
    const bare = await openCase(fr);
    const refused = await sendMessage(fr, bare, {
      type: 'REFERRAL_REQUEST',
      to: 'MK',
      payload: examplePayload('REFERRAL_REQUEST'),
    });
    expect(refused.status).toBe(422);
    await eventually(
      async () => {
        const view = await api(fr, 'GET', '/indicators');
        return view.body.answerTimes.some((a: { answered: number }) => a.answered > 0) ? true : undefined;
      },
      20_000,
      'the referral answered on FR',
    );
  }, BROWSER_SUITE_TIMEOUT_MS);

  afterAll(async () => {
    for (const person of people) await person.context.close();
    await browser?.close();
    await federation.tearDown();
  });

  async function openIndicators(role: 'auditor' | 'coordinator'): Promise<Page> {
    const person = await personAs(browser, fr, role);
    people.push(person);
    const page = person.page;
    await page.getByRole('navigation').getByRole('link', { name: 'Indicators', exact: true }).click();
    await page.getByRole('heading', { name: 'Indicators', level: 1 }).waitFor();
    return page;
  }

  /** The chart's SVG marks of one kind, once drawn. */
  async function marks(page: Page, chart: string, selector: string): Promise<number> {
    const locator = page.locator(`[data-chart="${chart}"] ${selector}`);
    await locator.first().waitFor({ state: 'attached' });
    return locator.count();
  }

  it('the auditor sees the six charts drawn, each with its figures as a table, and axe finds nothing serious', async () => {
    const page = await openIndicators('auditor');
    // Indicators month by month: four lines.
    expect(await marks(page, 'chart-over-time', '.recharts-line')).toBe(4);
    // This month, the last of six: the one refusal (columns: refusals, withdrawals, overdue, escalations).
    const thisMonth = page.locator('#chart-over-time-table tbody tr').last();
    expect(await thisMonth.locator('th').textContent()).toBe(new Date().toISOString().slice(0, 7));
    expect(await thisMonth.locator('td').allTextContents()).toEqual(['1', '0', '0', '0']);
    expect(await page.locator('#chart-over-time-table tbody tr').count()).toBe(6);
    // The rules that must never break: three lines, each on 0 this month.
    expect(await marks(page, 'chart-rules', '.recharts-line')).toBe(3);
    const rulesNow = page.locator('#chart-rules-table tbody tr').last();
    expect(await rulesNow.locator('td').allTextContents()).toEqual(['0', '0', '0']);
    // Returns, checklists and follow-ups: none yet (the grid is drawn, the table says 0).
    await page
      .locator('[data-chart="chart-returns"] .recharts-cartesian-grid')
      .waitFor({ state: 'attached' });
    const returnsNow = page.locator('#chart-returns-table tbody tr').last();
    expect(await returnsNow.locator('td').allTextContents()).toEqual(['0', '0', '0', '0']);
    // Answer times: MK's referral against its 24-hour deadline (the answer took seconds: its bars are too
    // short to draw, the table gives them).
    expect(await marks(page, 'chart-answer-times', '.recharts-bar-rectangle')).toBeGreaterThanOrEqual(1);
    // Refusals by reason: FR's sending gate refused the message without consent.
    expect(await marks(page, 'chart-refusals', '.recharts-bar-rectangle')).toBeGreaterThanOrEqual(1);
    await page.locator('[data-chart="chart-opened"] .recharts-cartesian-grid').waitFor({ state: 'attached' });
    // Each chart is an image named by its heading and described by its table.
    expect(await page.locator('[role="img"][data-chart]').count()).toBe(6);
    for (const name of [
      'Indicators month by month',
      'Rules that must never break, month by month (each must stay at 0)',
      'Returns, checklists and follow-ups, month by month',
      'Answer times per partner country against the deadline (hours)',
      "Gates' refusals by reason",
      'Cases opened per month (small counts suppressed)',
    ])
      await page.getByRole('img', { name }).waitFor();
    const answerTable = page.locator('#chart-answer-times-table');
    expect(await answerTable.locator('tbody tr th').first().textContent()).toMatch(/^MK · /);
    expect(await answerTable.locator('tbody tr').first().locator('td').allTextContents()).toEqual([
      expect.stringMatching(/^0(\.\d+)?$/),
      expect.stringMatching(/^0(\.\d+)?$/),
      '24',
    ]);
    // Two cases opened this month: under the threshold, so the table says suppressed, never 2.
    const opened = page.locator('#chart-opened-table tbody tr').last();
    expect(await opened.locator('td').textContent()).toBe('suppressed');
    await checkScreen(page, 'indicators-auditor');
  });

  it('the coordinator has the same screen', async () => {
    const page = await openIndicators('coordinator');
    expect(await marks(page, 'chart-over-time', '.recharts-line')).toBe(4);
    await checkScreen(page, 'indicators-coordinator');
  });
});
