/// <reference lib="dom" />
// page.evaluate callbacks run in the browser: they see the DOM.
import type { Browser, Page } from 'playwright-core';
import { eventually, LocalFederation, type RunningNode } from '../../scripts/lib/local-federation';
import { auditRows } from '../support/audit-tools';
import {
  BROWSER_SUITE_TIMEOUT_MS,
  checkScreen,
  ensureConsoleBuilt,
  launchBrowser,
  type Person,
  personAs,
} from '../support/console-browser';
import { api, grantAgency } from '../support/node-api';

/**
 * The demo's story played in the console by two coordinators in two browsers, an auditor, an agency and an
 * admin, against real FR and MK nodes: every screen gets axe (0 serious or critical) and a screenshot.
 */
describe('the console in a real browser: a referral from FR to MK', () => {
  const federation = new LocalFederation({ codes: ['FR', 'MK'], logLevel: 'error' });
  let fr: RunningNode;
  let mk: RunningNode;
  let browser: Browser;
  const people: Person[] = [];
  let frCoordinator: Person;
  let mkCoordinator: Person;
  let caseRef: string;
  /** A name the referral carries: personal data the auditor must not see. */
  const familyName = 'Petrovska';

  beforeAll(async () => {
    ensureConsoleBuilt();
    await federation.setUp();
    [fr, mk] = [await federation.start('FR'), await federation.start('MK')];
    browser = await launchBrowser();
  }, BROWSER_SUITE_TIMEOUT_MS);

  afterAll(async () => {
    await browser?.close();
    await federation.tearDown();
  });

  async function person(node: RunningNode, role: Parameters<typeof personAs>[2]): Promise<Person> {
    const someone = await personAs(browser, node, role);
    people.push(someone);
    return someone;
  }

  const nav = (page: Page, name: RegExp | string) =>
    page.getByRole('navigation').getByRole('link', { name }).click();

  /** Chooses the option whose text is one of `texts` (a code's label, or the code where a form shows codes). */
  async function choose(select: ReturnType<Page['getByLabel']>, ...texts: string[]): Promise<void> {
    await select.locator('option').nth(1).waitFor({ state: 'attached' });
    const options = await select.locator('option').allTextContents();
    const index = options.findIndex((o) => texts.includes(o.trim()));
    if (index < 0) throw new Error(`none of ${texts.join(', ')} among ${options.join(' | ')}`);
    await select.selectOption({ index });
  }

  /** Records a guardian's consent on the open case file through its form. */
  async function recordGuardianConsent(page: Page, recipients: string[], screen?: string): Promise<void> {
    const consents = page.getByRole('region', { name: 'Consent records' });
    await consents.getByRole('button', { name: 'Record consent' }).click();
    const form = consents.getByRole('region', { name: 'Record a consent' });
    await form.waitFor();
    for (const scope of ['Share identity data', 'Share health data', 'Return', 'Reintegration'])
      await form.getByRole('checkbox', { name: scope, exact: true }).check();
    // Participants of the directory, chosen: one list per recipient.
    const lists = form.getByRole('group', { name: 'Recipients*' }).locator('select');
    if ((await lists.count()) === 0) await addItem(page, 'Recipients*');
    await lists.first().selectOption(recipients[0]);
    for (const recipient of recipients.slice(1))
      await (await addItem(page, 'Recipients*')).selectOption(recipient);
    await choose(form.getByLabel('Given by*', { exact: true }), 'Guardian');
    await form.getByRole('checkbox', { name: 'Informed' }).check();
    await form.getByLabel('Informed language*', { exact: true }).fill('mk');
    if (screen) await checkScreen(page, screen);
    await form.getByRole('button', { name: 'Record consent' }).click();
    await consents.getByRole('cell', { name: 'Guardian', exact: true }).first().waitFor();
  }

  /** Adds an item to a form's array field (rjsf's "+") and returns the new item's input. */
  async function addItem(page: Page, group: string) {
    const field = page.getByRole('group', { name: group, exact: true });
    await field.getByRole('button', { name: '+' }).click();
    return field.locator('input, select, textarea').last();
  }

  it('FR: the coordinator logs in, sees her worklist, and opens a case', async () => {
    frCoordinator = await person(fr, 'coordinator');
    const { page } = frCoordinator;
    await page.getByRole('heading', { level: 1, name: 'Worklist' }).waitFor();
    await checkScreen(page, 'worklist-empty');

    await nav(page, 'New case');
    await page.getByRole('heading', { level: 1, name: 'Open a new case' }).waitFor();
    await checkScreen(page, 'new-case');
    await page.getByLabel('Age status').selectOption({ label: 'Documented child' });
    await page.getByLabel('Identification status').selectOption({ label: 'Identified victim' });
    await page.getByRole('button', { name: 'Open the case' }).click();

    const heading = page.getByRole('heading', { level: 1, name: /^Case file TRM-FR-\d{4}-\d{6}$/ });
    await heading.waitFor();
    caseRef = /TRM-FR-\d{4}-\d{6}/.exec((await heading.textContent()) ?? '')![0];
    const opened = await auditRows(federation, 'FR', 'CASE_OPENED', { caseRef });
    expect(opened).toHaveLength(1);
    expect(opened[0].actor).toBe('api:coordinator');
    // Opening the case file read it through the API, which audits the read as this account.
    const reads = await auditRows(federation, 'FR', 'PERSONAL_DATA_READ', {
      caseRef,
      actor: 'api:coordinator',
    });
    expect(reads.length).toBeGreaterThanOrEqual(1);
    await checkScreen(page, 'case-file-new');
  });

  it("FR: she records the guardian's consent on the case file", async () => {
    const { page } = frCoordinator;
    // A child's referral needs her guardian named on the case.
    const update = page.getByRole('region', { name: 'Update the case' });
    await update.getByRole('button', { name: 'Set guardian' }).click();
    const guardian = page.getByRole('region', { name: 'Guardian or legal representative' });
    await choose(guardian.getByLabel('Kind*', { exact: true }), 'Guardian');
    await guardian.getByLabel('Institution*', { exact: true }).fill('Aide sociale à l’enfance, Paris');
    await guardian.getByLabel('Appointed at*', { exact: true }).fill('2026-11-20');
    await checkScreen(page, 'case-file-guardian-form');
    await guardian.getByRole('button', { name: 'Save' }).click();
    await eventually(async () =>
      (await auditRows(federation, 'FR', 'CASE_GUARDIAN_SET', { caseRef })).length === 1 ? true : undefined,
    );

    await recordGuardianConsent(page, ['MK', 'FR'], 'case-file-consent-form');

    const recorded = await auditRows(federation, 'FR', 'CONSENT_RECORDED', { caseRef });
    expect(recorded).toHaveLength(1);
    const [consent] = (await api(fr, 'GET', `/cases/${caseRef}/consents`)).body.items as Array<
      Record<string, unknown>
    >;
    expect(consent).toMatchObject({ givenBy: 'GUARDIAN', informedLanguage: 'mk' });
    expect(consent.scopes).toEqual(['SHARE_IDENTITY', 'SHARE_HEALTH', 'RETURN', 'REINTEGRATION']);
    expect(consent.recipients).toEqual(['MK', 'FR']);
    await checkScreen(page, 'case-file-consent');
  });

  it('FR: she refers the child to MK from the compose screen, which offers only what the case allows', async () => {
    const { page } = frCoordinator;
    await page.getByRole('link', { name: 'Compose a message' }).click();
    await page.getByRole('heading', { level: 1, name: `Compose · ${caseRef}` }).waitFor();
    await page
      .getByLabel('Message type')
      .locator('option[value="REFERRAL_REQUEST"]')
      .waitFor({ state: 'attached' });
    const types = await page
      .getByLabel('Message type')
      .locator('option')
      .evaluateAll((options) => options.map((o) => (o as HTMLOptionElement).value).filter(Boolean));
    const allowed = (await api(fr, 'GET', `/cases/${caseRef}/compose-options`)).body.options.map(
      (o: { type: string }) => o.type,
    );
    expect(types.sort()).toEqual([...allowed].sort());
    expect(types).toContain('REFERRAL_REQUEST');
    expect(types).not.toContain('REFERRAL_CONFIRMATION');

    await page.getByLabel('Message type').selectOption('REFERRAL_REQUEST');
    await page.getByLabel('To', { exact: true }).selectOption('MK');
    await checkScreen(page, 'compose');
    const languages = page.getByRole('group', { name: 'Languages*' }).locator('input');
    if ((await languages.count()) === 0) await addItem(page, 'Languages*');
    await languages.first().fill('mk');
    await page.getByLabel('Given name*', { exact: true }).fill('Ana');
    await page.getByLabel('Family name*', { exact: true }).fill(familyName);
    await choose(page.getByLabel('Status*', { exact: true }), 'Documented child', 'DOCUMENTED_CHILD');
    await page.getByRole('checkbox', { name: 'Sexual exploitation', exact: true }).check();
    await choose(
      page.getByLabel('Identification status*', { exact: true }),
      'Identified victim',
      'IDENTIFIED_VICTIM',
    );
    await choose(page.getByLabel('Level*', { exact: true }), 'Medium', 'MEDIUM');
    await page
      .getByLabel('Summary*', { exact: true })
      .fill('Threats against the family reported in September.');
    await page.getByLabel('Assessed at*', { exact: true }).fill('2026-11-20T14:00');
    const needs = page.getByRole('group', { name: 'Assistance needs*' }).locator('input');
    if ((await needs.count()) === 0) await addItem(page, 'Assistance needs*');
    await needs.first().fill('secure accommodation for a child');
    await choose(
      page.getByLabel('Requested SOP*', { exact: true }),
      '4',
      'SOP 4',
      'Voluntary return, legal stay and/or resettlement',
    );
    await page.getByRole('button', { name: 'Check' }).click();
    await page.getByRole('status').filter({ hasText: 'The node would send this message.' }).waitFor();
    await page.getByRole('button', { name: 'Send' }).click();
    await page.getByRole('heading', { name: 'Message sent' }).waitFor();
    await checkScreen(page, 'compose-sent');

    const queued = await auditRows(federation, 'FR', 'MESSAGE_QUEUED', { caseRef });
    expect(queued.map((r) => [r.messageType, r.counterpart])).toEqual([['REFERRAL_REQUEST', 'MK']]);
  });

  it("MK: the other coordinator, in her own browser on MK's node, finds the referral on her worklist and confirms it", async () => {
    mkCoordinator = await person(mk, 'coordinator');
    const { page } = mkCoordinator;
    const referrals = page.getByRole('region', { name: /^Referrals received and not yet answered/ });
    await eventually(
      async () => {
        await page.getByRole('button', { name: 'Refresh' }).click();
        await referrals.waitFor();
        return (await referrals.getByRole('link', { name: caseRef }).count()) > 0 ? true : undefined;
      },
      30_000,
      "the referral on MK's worklist",
    );
    expect(await referrals.getByRole('row').filter({ hasText: caseRef }).innerText()).toContain(
      'Referral request',
    );
    await checkScreen(page, 'worklist');
    await referrals.getByRole('link', { name: caseRef }).click();
    await page.getByRole('heading', { level: 1, name: `Case file ${caseRef}` }).waitFor();
    await checkScreen(page, 'case-file');
    // MK answers under a consent of its own: the guardian's, naming FR.
    await recordGuardianConsent(page, ['FR']);

    await page.getByRole('link', { name: 'Compose a message' }).click();
    const type = page.getByLabel('Message type');
    await type.locator('option[value="REFERRAL_CONFIRMATION"]').waitFor({ state: 'attached' });
    await type.selectOption('REFERRAL_CONFIRMATION');
    await page.getByLabel('To', { exact: true }).selectOption('FR');
    const reply = page.getByLabel('In reply to');
    await reply.locator('option').nth(1).waitFor({ state: 'attached' });
    expect(await reply.locator('option').nth(1).innerText()).toContain('Referral request · FR');
    await reply.selectOption({ index: 1 });
    await page.getByLabel('Name*', { exact: true }).fill('Марија Стојановска');
    await page.getByLabel('Institution*', { exact: true }).fill('Center for Social Work Skopje');
    await page.getByRole('checkbox', { name: /^Eligible/ }).check();
    const offered = page.getByRole('group', { name: 'Assistance offered*', exact: true }).locator('input');
    if ((await offered.count()) === 0) await addItem(page, 'Assistance offered*');
    await offered.first().fill('secure child shelter');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.getByRole('heading', { name: 'Message sent' }).waitFor();

    const queued = await auditRows(federation, 'MK', 'MESSAGE_QUEUED', { caseRef });
    expect(queued.map((r) => [r.messageType, r.counterpart])).toEqual([['REFERRAL_CONFIRMATION', 'FR']]);
  });

  it("FR: her referral shows as delivered on the case's timeline, and MK's confirmation as received", async () => {
    const { page } = frCoordinator;
    await page.getByRole('link', { name: 'Back to the case file' }).click();
    await page.getByRole('heading', { level: 1, name: `Case file ${caseRef}` }).waitFor();
    const timeline = page.getByRole('region', { name: 'Timeline: one lane per country' });
    const referral = timeline.getByRole('row').filter({ hasText: 'Referral request' });
    const confirmation = timeline.getByRole('row').filter({ hasText: 'Referral confirmation' });
    await eventually(
      async () => {
        await page.getByRole('button', { name: 'Refresh' }).click();
        const delivered = (await referral.getByText('Delivered', { exact: true }).count()) === 1;
        const received =
          (await confirmation.getByText('Received and accepted', { exact: true }).count()) === 1;
        return delivered && received ? true : undefined;
      },
      30_000,
      'the referral delivered and the confirmation received, on FR',
    );
    expect(await referral.innerText()).toMatch(/Referral request → MK[\s\S]*Referral request ← FR/);
    const file = await api(fr, 'GET', `/cases/${caseRef}`);
    const statuses = file.body.messages.map((m: { type: string; status: string }) => `${m.type}:${m.status}`);
    expect(statuses).toEqual(
      expect.arrayContaining(['REFERRAL_REQUEST:DELIVERED', 'REFERRAL_CONFIRMATION:ACCEPTED']),
    );
    await checkScreen(page, 'case-file-delivered');
  });

  it('FR: the case list finds the case by its reference, and the contact list shows by country and SOP', async () => {
    const { page } = frCoordinator;
    await nav(page, 'Cases');
    await page.getByRole('heading', { level: 1, name: 'Cases' }).waitFor();
    const search = page.getByRole('search', { name: 'Search cases' });
    await search.getByLabel('Case reference').fill(caseRef);
    await search.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('link', { name: caseRef }).waitFor();
    await checkScreen(page, 'cases');

    await nav(page, 'Contacts');
    await page.getByRole('heading', { level: 1, name: 'Contacts' }).waitFor();
    await page.getByRole('cell', { name: 'MK national referral coordination' }).first().waitFor();
    await checkScreen(page, 'contacts');
  });

  it('FR: an auditor reads the audit entries, the case timeline pseudonymised, the chain state and the dashboard', async () => {
    const auditor = await person(fr, 'auditor');
    const { page } = auditor;
    await page.getByRole('heading', { level: 1, name: 'Audit entries' }).waitFor();
    await page.getByRole('cell', { name: 'Case opened · CASE_OPENED' }).first().waitFor();
    await checkScreen(page, 'audit-entries');

    await nav(page, 'Case timeline');
    await page.getByRole('heading', { level: 1, name: 'Case timeline' }).waitFor();
    // The case is chosen from the node's list, not typed.
    await page.getByLabel('Case reference', { exact: true }).locator(`option[value="${caseRef}"]`).waitFor({
      state: 'attached',
    });
    await page.getByLabel('Case reference', { exact: true }).selectOption(caseRef);
    await page.getByRole('button', { name: 'Open' }).click();
    // The referral's card (a disclosure to open, or shown as is): what it carried, as the node returns it.
    const referral = page.locator('details, article').filter({ hasText: 'Referral request' }).first();
    await referral.waitFor();
    if ((await referral.locator('summary').count()) > 0) await referral.locator('summary').click();
    expect(await referral.innerText()).toMatch(/pseud:[0-9a-f]{8}/);
    await page
      .getByText(/pseud:[0-9a-f]{8}/)
      .first()
      .waitFor();
    const shown = await page.locator('main').innerText();
    expect(shown).toContain(caseRef);
    // The referral named the child: an auditor who was not granted the case reads pseudonyms instead.
    expect(shown).not.toContain(familyName);
    expect(shown).not.toContain('Марија');
    await checkScreen(page, 'audit-timeline');
    const reads = await auditRows(federation, 'FR', 'PERSONAL_DATA_READ', { caseRef, actor: 'api:auditor' });
    expect(reads.every((r) => r.details.pseudonymised === true)).toBe(true);

    await nav(page, 'Chain state');
    await page.getByRole('heading', { level: 1, name: 'Audit chain state' }).waitFor();
    await page.getByRole('region', { name: 'Head of the chain' }).getByRole('code').waitFor();
    await checkScreen(page, 'audit-chain');
    await nav(page, 'Dashboard');
    await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
    await checkScreen(page, 'audit-dashboard');
  });

  it("FR: an agency account sees the case it was granted, its submission form, and none of the coordinator's pages", async () => {
    await grantAgency(fr, 'ngo-local', caseRef);
    const agency = await person(fr, 'agency');
    const { page } = agency;
    const granted = page.getByRole('region', { name: 'Cases granted to your agency' });
    await granted.getByRole('rowheader', { name: caseRef }).waitFor();
    await checkScreen(page, 'agency-home');
    await granted.getByRole('link', { name: `Submit a message on ${caseRef}` }).click();
    await page.getByRole('heading', { level: 1 }).waitFor();
    await checkScreen(page, 'agency-submit');

    for (const screen of ['#/cases', `#/cases/${caseRef}`, '#/cases/new', '#/contacts', '#/audit/chain']) {
      await page.evaluate((hash) => (window.location.hash = hash), screen);
      await page.getByRole('heading', { level: 1, name: 'Not available' }).waitFor();
      expect(await page.locator('main').innerText()).not.toContain(familyName);
    }
    expect((await api(fr, 'GET', `/cases/${caseRef}`, undefined, { as: 'agency' })).status).toBe(403);
  });

  it("FR: an admin lists a case's grants and an agency account's API keys, grants and revokes from the lists", async () => {
    const admin = await person(fr, 'admin');
    const { page } = admin;
    // Every revocation asks first; the test answers yes, as the admin would.
    const confirmations: string[] = [];
    page.on('dialog', (dialog) => {
      confirmations.push(dialog.message());
      void dialog.accept();
    });
    await page.getByRole('heading', { level: 1, name: 'Accounts' }).waitFor();
    await page.getByRole('rowheader', { name: 'coordinator', exact: true }).waitFor();
    await checkScreen(page, 'admin-accounts');

    // An API key issued to the agency account is listed (id and dates, never the key) and revoked from its row.
    await page.getByRole('button', { name: 'Issue API key agency', exact: true }).click();
    const shown = await page.getByLabel(/^API key of agency/).inputValue();
    const keys = page.getByRole('region', { name: 'API keys of agency accounts' });
    const keyRow = keys.getByRole('row').filter({ hasText: 'live' });
    await keyRow.waitFor();
    expect(await keys.getByLabel('Agency account').inputValue()).toBe('agency');
    const keyId = (await keyRow.getByRole('rowheader').innerText()).trim();
    expect(shown).not.toBe('');
    expect(await keys.innerText()).not.toContain(shown);
    await checkScreen(page, 'admin-api-keys');
    await keyRow.getByRole('button', { name: `Revoke ${keyId}` }).click();
    await keys.getByRole('row').filter({ hasText: keyId }).filter({ hasText: 'revoked' }).waitFor();
    expect(confirmations.pop()).toContain(keyId);
    expect(await auditRows(federation, 'FR', 'API_KEY_REVOKED')).toHaveLength(1);

    // The case is picked from the list; its grants are listed (the agency's, given earlier by a coordinator).
    await nav(page, 'Case grants');
    await page.getByRole('heading', { level: 1, name: 'Case grants' }).waitFor();
    const pick = page.getByLabel('Case', { exact: true });
    await pick.locator(`option[value="${caseRef}"]`).waitFor({ state: 'attached' });
    await pick.selectOption(caseRef);
    const granted = page.getByRole('region', { name: `Granted on ${caseRef}` });
    await granted.getByRole('rowheader', { name: 'ngo-local' }).waitFor();
    // The auditor is chosen among the auditors, then revoked from the grant's row.
    await page.getByLabel('Grant to').selectOption('auditor:auditor');
    await page.getByRole('button', { name: 'Grant', exact: true }).click();
    await granted.getByRole('rowheader', { name: 'auditor', exact: true }).waitFor();
    await checkScreen(page, 'admin-grants');
    await granted.getByRole('button', { name: 'Revoke auditor', exact: true }).click();
    await granted.getByRole('rowheader', { name: 'auditor', exact: true }).waitFor({ state: 'detached' });
    expect(confirmations.pop()).toContain(caseRef);
    const actions = [
      ...(await auditRows(federation, 'FR', 'CASE_GRANTED', { caseRef })),
      ...(await auditRows(federation, 'FR', 'CASE_GRANT_REVOKED', { caseRef })),
    ].map((r) => `${r.action} ${JSON.stringify(r.details)}`);
    expect(actions).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^CASE_GRANTED .*"account":"auditor"/),
        expect.stringMatching(/^CASE_GRANT_REVOKED .*"account":"auditor"/),
      ]),
    );
    // No screen of the admin's asks for an id: every input is a choice, a search, or the new account's form.
    await nav(page, 'Accounts');
    await page.getByRole('heading', { level: 1, name: 'Accounts' }).waitFor();
    expect(await page.locator('main input:not([type=search]):not([readonly])').count()).toBe(0);
  });

  it('ran every screen without a CSP violation or a script error, in every browser', () => {
    expect(people).toHaveLength(5);
    expect(people.flatMap((p) => p.problems.cspViolations)).toEqual([]);
    expect(people.flatMap((p) => p.problems.pageErrors)).toEqual([]);
  });
});
