/// <reference lib="dom" />
// page.evaluate callbacks run in the browser: they see the DOM.
import type { Server } from 'node:http';
import type { Browser, Page } from 'playwright-core';
import { eventually, LocalFederation, type RunningNode } from '../../scripts/lib/local-federation';
import { CONSOLE_CSP } from '../../src/console/security-headers';
import { auditRows } from '../support/audit-tools';
import {
  BROWSER_SUITE_TIMEOUT_MS,
  checkScreen,
  ensureConsoleBuilt,
  launchBrowser,
  logIn,
  newPerson,
  type Person,
  personAs,
  storedInPage,
} from '../support/console-browser';
import { api, openCase } from '../support/node-api';

/**
 * The console's security and access rules in a real browser on FR's node: the login by keyboard alone, the
 * token kept in memory only, the CSP, an agency kept out of the coordinator's screens, and a node that
 * stops answering (last: it stops the node).
 */
describe('the console in a real browser: access, keyboard, CSP, a node that is down', () => {
  const federation = new LocalFederation({ codes: ['FR'], logLevel: 'error' });
  let fr: RunningNode;
  let browser: Browser;
  const people: Person[] = [];
  let caseRef: string;

  beforeAll(async () => {
    ensureConsoleBuilt();
    await federation.setUp();
    fr = await federation.start('FR');
    caseRef = await openCase(fr, { identificationStatus: 'IDENTIFIED_VICTIM' });
    browser = await launchBrowser();
  }, BROWSER_SUITE_TIMEOUT_MS);

  afterAll(async () => {
    await browser?.close();
    await federation.tearDown();
  });

  /** The focused element as a keyboard user meets it: its tag, its label or text. */
  const focused = (page: Page) =>
    page.evaluate(() => {
      const el = document.activeElement as HTMLInputElement | null;
      return {
        tag: el?.tagName ?? '',
        label: (el?.labels?.[0]?.textContent ?? el?.textContent ?? '').trim(),
      };
    });

  /** Presses Tab until the focused element matches (at most 60 times), as a keyboard user would. */
  async function tabTo(page: Page, match: (el: { tag: string; label: string }) => boolean): Promise<void> {
    for (let i = 0; i < 60; i++) {
      if (match(await focused(page))) return;
      await page.keyboard.press('Tab');
    }
    throw new Error(`not reachable with the Tab key; focus ends on ${JSON.stringify(await focused(page))}`);
  }

  it('shows a login screen that passes axe, and logs in and opens a case with the keyboard alone', async () => {
    const someone = await newPerson(browser, fr);
    people.push(someone);
    const { page } = someone;
    await page.getByRole('heading', { level: 1, name: /log in/i }).waitFor();
    await page.getByLabel('Account name').waitFor();
    // The login screen is the first paint: let its scripts and translations settle before axe and the keys.
    await page.waitForLoadState('networkidle');
    await checkScreen(page, 'login');

    await tabTo(page, (el) => el.tag === 'INPUT' && /account name/i.test(el.label));
    await page.keyboard.type('coordinator');
    await page.keyboard.press('Tab');
    expect((await focused(page)).label).toMatch(/password/i);
    await page.keyboard.type('local-coordinator-password');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Worklist' }).waitFor();

    await tabTo(page, (el) => el.tag === 'A' && el.label === 'Cases');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Cases' }).waitFor();
    await tabTo(page, (el) => el.tag === 'A' && el.label === caseRef);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: new RegExp(caseRef) }).waitFor();
    expect(page.url()).toContain(`#/cases/${caseRef}`);
    // Opening the case file read the case through the API, which audits the read as this account. The
    // heading comes from the route before the read answers: wait for the read, do not assume it.
    const reads = await eventually(
      async () => {
        const rows = await auditRows(federation, 'FR', 'PERSONAL_DATA_READ', {
          caseRef,
          actor: 'api:coordinator',
        });
        return rows.length > 0 ? rows : undefined;
      },
      15_000,
      'the case file read audited as api:coordinator',
    );
    expect(reads.length).toBeGreaterThanOrEqual(1);
  });

  it("keeps an agency account out of the coordinator's screens, in the page and behind it", async () => {
    const agency = await personAs(browser, fr, 'agency');
    people.push(agency);
    const { page } = agency;
    const navigation = page.getByRole('navigation');
    expect(await navigation.getByRole('link', { name: 'Cases', exact: true }).count()).toBe(0);
    expect(await navigation.getByRole('link', { name: 'Worklist', exact: true }).count()).toBe(0);
    for (const screen of [
      '#/cases',
      `#/cases/${caseRef}`,
      `#/cases/${caseRef}/compose`,
      '#/cases/new',
      '#/contacts',
    ]) {
      await page.evaluate((hash) => (window.location.hash = hash), screen);
      await page.getByRole('heading', { level: 1, name: 'Not available' }).waitFor();
      expect(await page.getByRole('alert').innerText()).toMatch(/not available for your role/i);
    }
    await checkScreen(page, 'agency-not-available');
    // What the screen hides, the API refuses: the console's rules are the API's.
    for (const path of ['/cases', `/cases/${caseRef}`, '/worklist'])
      expect((await api(fr, 'GET', path, undefined, { as: 'agency' })).status).toBe(403);
  });

  it('keeps the token out of localStorage, sessionStorage and cookies', async () => {
    const auditor = await personAs(browser, fr, 'auditor');
    people.push(auditor);
    for (const someone of people) {
      await someone.page.getByRole('button', { name: 'Log out' }).waitFor();
      const stored = await storedInPage(someone.page);
      // A JWT is three base64url parts; none may be kept where a script or a later visitor could read it.
      for (const place of [stored.local, stored.session, stored.cookies]) {
        expect(place).not.toMatch(/eyJ[\w-]+\.[\w-]+\.[\w-]+/);
        expect(place.toLowerCase()).not.toMatch(/token|bearer/);
      }
    }
  });

  it('asks before a reload drops a form she typed into (the session lives in memory), never for a search', async () => {
    const someone = await personAs(browser, fr, 'coordinator');
    people.push(someone);
    const { page } = someone;
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.type());
      void dialog.dismiss();
    });
    const nav = (name: string) =>
      page.getByRole('navigation').getByRole('link', { name, exact: true }).click();

    // A search typed into is no draft: the reload goes ahead, and logs out (the token was in memory only).
    await nav('Cases');
    await page.getByRole('search', { name: 'Search cases' }).getByLabel('Case reference').fill('000');
    await page.reload();
    await page.getByLabel('Account name').waitFor();
    expect(dialogs).toEqual([]);

    // A draft: the new-case form, typed into. The reload asks first; staying keeps the draft and the session.
    await logIn(page, 'coordinator');
    await nav('New case');
    await page.getByLabel('Age status').selectOption({ label: 'Documented child' });
    // Staying cancels the reload: Playwright's reload then waits for a load that never comes.
    await page.reload({ timeout: 3_000 }).catch(() => undefined);
    expect(dialogs).toEqual(['beforeunload']);
    expect(await page.getByLabel('Age status').locator('option:checked').innerText()).toBe(
      'Documented child',
    );
    await page.getByRole('button', { name: /log ?out/i }).waitFor();

    // Submitted, the form is no draft any more: the next reload goes ahead.
    await page.getByRole('button', { name: 'Open the case' }).click();
    await page.getByRole('heading', { level: 1, name: /^Case file TRM-FR-/ }).waitFor();
    await page.reload();
    await page.getByLabel('Account name').waitFor();
    expect(dialogs).toEqual(['beforeunload']);
  });

  it("serves a CSP without 'unsafe-inline' scripts, and the console ran without a CSP violation", async () => {
    for (const path of ['/', '/health', `/cases/${caseRef}`]) {
      const response = await fetch(`${fr.url}${path}`);
      const csp = response.headers.get('content-security-policy') ?? '';
      const scriptSrc = /(?:^|;)\s*script-src ([^;]*)/.exec(csp)?.[1] ?? '';
      expect(scriptSrc.trim()).toBe(CONSOLE_CSP['script-src'].join(' '));
      expect(csp).not.toContain("'unsafe-inline'");
      expect(csp).not.toContain("'unsafe-eval'");
    }
    expect(people.length).toBe(4);
    expect(people.flatMap((p) => p.problems.cspViolations)).toEqual([]);
    expect(people.flatMap((p) => p.problems.pageErrors)).toEqual([]);
  });

  it('says so when the node is down, and keeps the screen: never a blank page', async () => {
    const { page } = people[0];
    await page.evaluate(() => (window.location.hash = '#/'));
    await page.getByRole('heading', { level: 1, name: 'Worklist' }).waitFor();
    // The browser keeps connections open; without dropping them the server's close waits for them.
    const server = fr.app!.getHttpServer() as Server;
    const dropping = setInterval(() => server.closeAllConnections(), 50);
    await federation.stop('FR').finally(() => clearInterval(dropping));
    await page.getByRole('button', { name: 'Refresh' }).click();
    const banner = page
      .getByRole('alert')
      .filter({ hasText: /not answering/i })
      .first();
    await banner.waitFor();
    expect(await page.getByRole('heading', { level: 1, name: 'Worklist' }).isVisible()).toBe(true);
    await checkScreen(page, 'node-down');
    // Another screen while the node is down: its heading and the words, not an empty page.
    await page.evaluate(() => (window.location.hash = '#/cases'));
    await page.getByRole('heading', { level: 1, name: 'Cases' }).waitFor();
    expect(await banner.isVisible()).toBe(true);
    expect(await page.locator('body').innerText()).toMatch(/This node is not answering/);
  }, 120_000);
});
