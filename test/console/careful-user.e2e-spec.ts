/// <reference lib="dom" />
// page.evaluate callbacks run in the browser: they see the DOM.
import type { Browser, Locator, Page } from 'playwright-core';
import { eventually, LocalFederation, type RunningNode } from '../../scripts/lib/local-federation';
import { auditHead, auditRows } from '../support/audit-tools';
import {
  BROWSER_SUITE_TIMEOUT_MS,
  checkScreen,
  ensureConsoleBuilt,
  launchBrowser,
  type Person,
  personAs,
} from '../support/console-browser';
import { api, login, openCase, recordAssessment, recordConsent } from '../support/node-api';

/**
 * Bad input and bad luck, as a careful user meets them in the console: a field error at the field, the
 * node's refusal in words and with its code, the risk gate's reasons before sending, and a session that
 * ends under a draft. IT's node issues short tokens, for the session test.
 */
const SHORT_TOKEN_SECONDS = 20;

describe('the console in a real browser: what a careful user expects', () => {
  const federation = new LocalFederation({ codes: ['FR', 'MK', 'IT'], logLevel: 'error' });
  let fr: RunningNode;
  let italy: RunningNode;
  let browser: Browser;
  let coordinator: Person;

  beforeAll(async () => {
    ensureConsoleBuilt();
    await federation.setUp();
    fr = await federation.start('FR');
    await federation.start('MK');
    const base = federation.nodeConfig('IT');
    italy = await federation.start('IT', { auth: { ...base.auth, tokenTtlSeconds: SHORT_TOKEN_SECONDS } });
    browser = await launchBrowser();
    coordinator = await personAs(browser, fr, 'coordinator');
  }, BROWSER_SUITE_TIMEOUT_MS);

  afterAll(async () => {
    await browser?.close();
    await federation.tearDown();
  });

  /** Chooses the option whose text is one of `texts` (a code's label, or the code where a form shows codes). */
  async function choose(select: Locator, ...texts: string[]): Promise<void> {
    await select.locator('option').nth(1).waitFor({ state: 'attached' });
    const options = await select.locator('option').allTextContents();
    const index = options.findIndex((o) => texts.includes(o.trim()));
    if (index < 0) throw new Error(`none of ${texts.join(', ')} among ${options.join(' | ')}`);
    await select.selectOption({ index });
  }

  /** Opens the compose screen of a case for a message type and recipient. */
  async function compose(page: Page, caseRef: string, type: string, to: string): Promise<void> {
    // Through the case file, as she would: a new compose screen, not the last one's.
    await page.evaluate((hash) => (window.location.hash = hash), `#/cases/${caseRef}`);
    await page.getByRole('link', { name: 'Compose a message' }).click();
    await page.getByRole('heading', { level: 1, name: `Compose · ${caseRef}` }).waitFor();
    const types = page.getByLabel('Message type');
    await types.locator(`option[value="${type}"]`).waitFor({ state: 'attached' });
    await types.selectOption(type);
    await page.getByLabel('To', { exact: true }).selectOption(to);
    await page.getByRole('group', { name: `TRM v1 ${type} payload` }).waitFor();
  }

  /** A referral's required fields, as the coordinator fills them in. */
  async function fillReferral(page: Page, givenName: string): Promise<void> {
    const languages = page.getByRole('group', { name: 'Languages*', exact: true }).locator('input');
    await languages.first().fill('mk');
    await page.getByLabel('Given name*', { exact: true }).fill(givenName);
    await page.getByLabel('Family name*', { exact: true }).fill('Petrovska');
    await choose(page.getByLabel('Status*', { exact: true }), 'Documented adult', 'DOCUMENTED_ADULT');
    await page.getByRole('checkbox', { name: 'Labour exploitation', exact: true }).check();
    await choose(page.getByLabel('Identification status*', { exact: true }), 'Identified victim');
    await choose(page.getByLabel('Level*', { exact: true }), 'Low');
    await page.getByLabel('Summary*', { exact: true }).fill('No threat reported.');
    await page.getByLabel('Assessed at*', { exact: true }).fill('2026-11-20T14:00');
    const needs = page.getByRole('group', { name: 'Assistance needs*', exact: true }).locator('input');
    await needs.first().fill('psychological support');
    await choose(page.getByLabel('Requested SOP*', { exact: true }), '3');
  }

  /** The text of the messages an input points at (aria-describedby): what a screen reader reads with it. */
  async function describedBy(input: Locator): Promise<string> {
    return input.evaluate((el) =>
      (el.getAttribute('aria-describedby') ?? '')
        .split(/\s+/)
        .map((id) => (id ? (document.getElementById(id)?.textContent ?? '') : ''))
        .join(' ')
        .trim(),
    );
  }

  it('shows a field error at the field it is about', async () => {
    const caseRef = await openCase(fr, { identificationStatus: 'IDENTIFIED_VICTIM' });
    const { page } = coordinator;
    await compose(page, caseRef, 'REFERRAL_REQUEST', 'MK');
    await fillReferral(page, 'Ana');
    const givenName = page.getByLabel('Given name*', { exact: true });
    await givenName.fill('');
    expect(await describedBy(givenName)).toBe('');
    await page.getByRole('button', { name: 'Send' }).click();
    await eventually(async () => ((await describedBy(givenName)) !== '' ? true : undefined));
    expect(await describedBy(givenName)).toMatch(/required|must|fewer/i);
    // The other fields are fine, so they say nothing.
    expect(await describedBy(page.getByLabel('Family name*', { exact: true }))).toBe('');
    await checkScreen(page, 'compose-field-error');
    expect(await auditRows(federation, 'FR', 'MESSAGE_QUEUED', { caseRef })).toEqual([]);
  });

  it("shows the node's refusal in words and with its code: a referral the consent does not cover", async () => {
    const caseRef = await openCase(fr, { identificationStatus: 'IDENTIFIED_VICTIM' });
    await recordConsent(fr, caseRef, { scopes: ['RETURN'], recipients: ['MK'], givenBy: 'VICTIM' });
    const before = await auditHead(federation, 'FR');
    const { page } = coordinator;
    await compose(page, caseRef, 'REFERRAL_REQUEST', 'MK');
    await fillReferral(page, 'Ana');
    await page.getByRole('button', { name: 'Send' }).click();
    const alert = page.getByRole('alert').filter({ hasText: 'CONSENT_INSUFFICIENT' });
    await alert.waitFor();
    const text = await alert.innerText();
    expect(text).toContain('Consent does not cover this sharing');
    expect(text).toContain('POLICY_REFUSED');
    await checkScreen(page, 'compose-refused');
    const refused = await auditRows(federation, 'FR', 'MESSAGE_REFUSED', { caseRef, afterSeq: before });
    expect(refused.map((r) => r.reasonCode)).toEqual(['CONSENT_INSUFFICIENT']);
  });

  it('shows why the risk gate would refuse a return plan before anything is sent (the dry run)', async () => {
    const caseRef = await openCase(fr, { identificationStatus: 'IDENTIFIED_VICTIM' });
    await recordConsent(fr, caseRef, { givenBy: 'VICTIM' });
    await recordAssessment(fr, caseRef, {
      level: 'HIGH',
      protectionPlan: 'Escorted travel; police liaison at arrival; shelter address shared with nobody.',
    });
    const { page } = coordinator;
    await compose(page, caseRef, 'RETURN_PLAN', 'MK');
    await page.getByLabel('Estimated departure*', { exact: true }).fill('2026-12-20T09:30');
    await choose(page.getByLabel('Mode*', { exact: true }), 'By air', 'AIR');
    await page.getByLabel('Name*', { exact: true }).fill('Center for Social Work Skopje');
    await page.getByRole('checkbox', { name: 'Escort', exact: false }).check();
    // The form sends the optional best-interests group even when left empty: filled in, as a careful
    // coordinator would for a return.
    await page.getByLabel('Date*', { exact: true }).fill('2026-11-29');
    await choose(
      page.getByLabel('Outcome*', { exact: true }),
      'Return is in the best interests of the child',
      'RETURN_IN_BEST_INTERESTS',
    );
    await page.getByLabel('By*', { exact: true }).fill('Juge des enfants');
    await page.getByRole('button', { name: 'Check' }).click();
    const verdict = page.getByRole('status').filter({ hasText: 'POLICY_DENIED' });
    await verdict.waitFor();
    const text = await verdict.innerText();
    expect(text).toContain('The node would refuse this message');
    expect(text).toContain('Refused by a protection rule');
    expect(text).toMatch(/HIGH/);
    await checkScreen(page, 'compose-risk-dry-run');
    // A dry run stores and sends nothing.
    const stored = await federation.query<{ n: number }>(
      'FR',
      `SELECT count(*)::int AS n FROM messages WHERE case_ref = $1`,
      [caseRef],
    );
    expect(stored[0].n).toBe(0);
  });

  it('sends her back to the login when her session expires, and keeps her draft', async () => {
    const caseRef = await openCase(italy, { identificationStatus: 'IDENTIFIED_VICTIM' });
    const italian = await personAs(browser, italy, 'coordinator');
    // A token issued now expires with hers (same lifetime, within a second or two): it tells when.
    const probe = await login(italy, 'coordinator', 'local-coordinator-password');
    const { page } = italian;
    await compose(page, caseRef, 'REFERRAL_REQUEST', 'FR');
    const draft = 'Draft kept across the login';
    await page.getByLabel('Given name*', { exact: true }).fill(draft);
    await eventually(
      async () =>
        (await api(italy, 'GET', '/auth/me', undefined, { as: { token: probe } })).status === 401
          ? true
          : undefined,
      (SHORT_TOKEN_SECONDS + 15) * 1000,
      'the token to expire',
    );
    await page.getByRole('button', { name: 'Check' }).click();
    const dialog = page.getByRole('dialog', { name: 'Your session has ended' });
    await dialog.waitFor();
    await checkScreen(page, 'session-expired');
    await dialog.getByLabel('Password').fill('local-coordinator-password');
    await dialog.getByRole('button', { name: 'Log in' }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect(await page.getByLabel('Given name*', { exact: true }).inputValue()).toBe(draft);
    // The check that was refused ran again after the login.
    await page
      .getByRole('status')
      .filter({ hasText: /The node would (send|refuse) this message/ })
      .waitFor();
    await italian.context.close();
  }, 90_000);
});
