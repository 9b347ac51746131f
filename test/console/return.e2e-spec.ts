/// <reference lib="dom" />
// page.evaluate callbacks run in the browser: they see the DOM.
import type { Browser, Locator, Page } from 'playwright-core';
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

/**
 * The demo's whole story (scripts/demo.ts: a child's return from France to North Macedonia, Italy told on
 * the way) played through the consoles only: FR's and MK's coordinators each in her own browser on her own
 * node, IT's coordinator on IT's, and an auditor on FR. Every step is what a person does, by the screens'
 * labels; every check is what she sees there. The nodes are started once for the file.
 */
describe("the console in a real browser: the demo's return, FR → MK, told to IT", () => {
  const federation = new LocalFederation({ codes: ['FR', 'MK', 'IT'], logLevel: 'error' });
  let fr: RunningNode;
  let mk: RunningNode;
  let it_: RunningNode;
  let browser: Browser;
  const people: Person[] = [];
  let frPage: Page;
  let mkPage: Page;
  let caseRef: string;
  /** The child's name, in the referral: personal data the auditor must not see. */
  const familyName = 'Petrovska';

  beforeAll(async () => {
    ensureConsoleBuilt();
    await federation.setUp();
    [fr, mk, it_] = [
      await federation.start('FR'),
      await federation.start('MK'),
      await federation.start('IT'),
    ];
    browser = await launchBrowser();
  }, BROWSER_SUITE_TIMEOUT_MS);

  afterAll(async () => {
    await browser?.close();
    await federation.tearDown();
  });

  async function person(node: RunningNode, role: Parameters<typeof personAs>[2]): Promise<Page> {
    const someone = await personAs(browser, node, role);
    people.push(someone);
    return someone.page;
  }

  const nav = (page: Page, name: string) =>
    page.getByRole('navigation').getByRole('link', { name, exact: true }).click();

  /** A local date and time as a datetime-local input takes it, `days` from now. */
  const localTime = (days: number): string => {
    const at = new Date(Date.now() + days * 86_400_000 - new Date().getTimezoneOffset() * 60_000);
    return at.toISOString().slice(0, 16);
  };

  /** Chooses the option whose text is one of `texts` (a code's label, or the code where a form shows codes). */
  async function choose(select: Locator, ...texts: string[]): Promise<void> {
    await select.locator('option').nth(1).waitFor({ state: 'attached' });
    const options = await select.locator('option').allTextContents();
    const index = options.findIndex((o) => texts.includes(o.trim()));
    if (index < 0) throw new Error(`none of ${texts.join(', ')} among ${options.join(' | ')}`);
    await select.selectOption({ index });
  }

  /** Adds an item to a form's array field (rjsf's "+"). */
  async function addItem(scope: Page | Locator, group: string): Promise<void> {
    await scope.getByRole('group', { name: group, exact: true }).getByRole('button', { name: '+' }).click();
  }

  /** The strings of an array field, one input each. */
  async function fillList(scope: Page | Locator, group: string, values: string[]): Promise<void> {
    const inputs = scope.getByRole('group', { name: group, exact: true }).locator('input');
    for (let i = 0; i < values.length; i++) {
      if ((await inputs.count()) <= i) await addItem(scope, group);
      await inputs.nth(i).fill(values[i]);
    }
  }

  /** A required yes/no: rjsf leaves an untouched checkbox undefined, so a "no" is checked then unchecked. */
  async function yesNo(scope: Page | Locator, name: string, value: boolean): Promise<void> {
    const box = scope.getByRole('checkbox', { name, exact: false }).first();
    await box.check();
    if (!value) await box.uncheck();
  }

  /** The risk factors of an assessment form, each a code and a status. */
  async function fillFactors(form: Locator, factors: Array<[string, string]>): Promise<void> {
    for (let i = 0; i < factors.length; i++) {
      await addItem(form, 'Factors*');
      await form.getByLabel('Code*', { exact: true }).nth(i).selectOption(factors[i][0]);
      await choose(form.getByLabel('Status*', { exact: true }).nth(i), factors[i][1]);
    }
  }

  /** The case file, reached as she would: the case list, searched by (part of) the reference. */
  async function openCaseFile(page: Page): Promise<void> {
    await nav(page, 'Cases');
    const search = page.getByRole('search', { name: 'Search cases' });
    await search.getByLabel('Case reference').fill(caseRef);
    await search.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('link', { name: caseRef }).click();
    await page.getByRole('heading', { level: 1, name: `Case file ${caseRef}` }).waitFor();
  }

  /** Records a consent through the case file's form. */
  async function recordConsent(page: Page, scopes: string[], recipients: string[]): Promise<void> {
    const consents = page.getByRole('region', { name: 'Consent records' });
    const before = await consents.getByRole('row').count();
    await consents.getByRole('button', { name: 'Record consent' }).click();
    const form = consents.getByRole('region', { name: 'Record a consent' });
    await form.waitFor();
    for (const scope of scopes) await form.getByRole('checkbox', { name: scope, exact: true }).check();
    // Participants of the directory, chosen: one list per recipient.
    const lists = form.getByRole('group', { name: 'Recipients*', exact: true }).locator('select');
    for (let i = 0; i < recipients.length; i++) {
      if ((await lists.count()) <= i) await addItem(form, 'Recipients*');
      await lists.nth(i).selectOption(recipients[i]);
    }
    await choose(form.getByLabel('Given by*', { exact: true }), 'Guardian');
    await form.getByRole('checkbox', { name: 'Informed' }).check();
    await form.getByLabel('Informed language*', { exact: true }).fill('mk');
    await form.getByRole('button', { name: 'Record consent' }).click();
    await form.waitFor({ state: 'detached' });
    await eventually(async () => ((await consents.getByRole('row').count()) > before ? true : undefined));
  }

  /**
   * From the case file: Compose, the type and recipient (and the message it answers), the content filled by
   * `fill`; Check must say the node would send it, then Send, and the sent screen follows it until the
   * receiver's delivery receipt makes it "Delivered".
   */
  async function send(
    page: Page,
    type: string,
    to: string,
    fill: (page: Page) => Promise<void>,
    inReplyTo?: string,
  ): Promise<void> {
    await page.getByRole('link', { name: 'Compose a message' }).click();
    await page.getByRole('heading', { level: 1, name: `Compose · ${caseRef}` }).waitFor();
    const types = page.getByLabel('Message type');
    await types.locator(`option[value="${type}"]`).waitFor({ state: 'attached' });
    await types.selectOption(type);
    await page.getByLabel('To', { exact: true }).selectOption(to);
    if (inReplyTo) {
      const reply = page.getByLabel('In reply to');
      await reply.locator('option').nth(1).waitFor({ state: 'attached' });
      const options = await reply.locator('option').allTextContents();
      // What she received shows "· FR"; what she sent and owes a next step for, "→ FR".
      const index = options.findIndex(
        (o) => o.startsWith(`${inReplyTo} · ${to}`) || o.startsWith(`${inReplyTo} → ${to}`),
      );
      if (index < 0) throw new Error(`no ${inReplyTo} from ${to} to answer among ${options.join(' | ')}`);
      await reply.selectOption({ index });
    }
    await page.getByRole('group', { name: `TRM v1 ${type} payload` }).waitFor();
    await fill(page);
    await page.getByRole('button', { name: 'Check' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: /The node would (send|refuse) this message/ })
      .waitFor();
    const verdict = await page
      .getByRole('status')
      .filter({ hasText: /The node would (send|refuse) this message/ })
      .innerText();
    if (!verdict.includes('The node would send this message.'))
      throw new Error(`${type} to ${to}: ${verdict}`);
    await page.getByRole('button', { name: 'Send' }).click();
    await page.getByRole('heading', { level: 1, name: 'Message sent' }).waitFor();
    await page.getByRole('main').getByText('Delivered', { exact: true }).waitFor({ timeout: 30_000 });
    await page.getByRole('link', { name: 'Back to the case file' }).click();
    await page.getByRole('heading', { level: 1, name: `Case file ${caseRef}` }).waitFor();
  }

  /** Her worklist, refreshed until `region` lists the case in a row that says `what`. */
  async function onWorklist(page: Page, region: RegExp, what: string): Promise<Locator> {
    await nav(page, 'Worklist');
    const list = page.getByRole('region', { name: region });
    const row = list.getByRole('row').filter({ hasText: caseRef }).filter({ hasText: what });
    await eventually(
      async () => {
        await page.getByRole('button', { name: 'Refresh' }).click();
        await list.waitFor();
        return (await row.count()) > 0 ? true : undefined;
      },
      30_000,
      `${what} on the worklist`,
    );
    return row.first();
  }

  /** Records a risk assessment through the case file's form. */
  async function recordAssessment(
    page: Page,
    assessment: {
      level: string;
      factors: Array<[string, string]>;
      summary: string;
      protectionPlan?: string;
      complete: boolean;
    },
  ): Promise<void> {
    const risk = page.getByRole('region', { name: 'Risk assessments' });
    await risk.getByRole('button', { name: 'Record an assessment' }).click();
    const form = risk.getByRole('region', { name: 'Record a risk assessment' });
    await form.waitFor();
    await choose(form.getByLabel('Level*', { exact: true }), assessment.level);
    await fillFactors(form, assessment.factors);
    await form.getByLabel('Summary*', { exact: true }).fill(assessment.summary);
    if (assessment.protectionPlan)
      await form.getByLabel('Protection plan', { exact: true }).fill(assessment.protectionPlan);
    await form.getByRole('checkbox', { name: /^Complete/ }).setChecked(assessment.complete);
    await form.getByRole('button', { name: 'Record assessment' }).click();
    await form.waitFor({ state: 'detached' });
  }

  it('FR: the coordinator opens the case, records the route, her case manager and guardian, and the consent for MK', async () => {
    frPage = await person(fr, 'coordinator');
    const page = frPage;
    await nav(page, 'New case');
    await page.getByLabel('Age status').selectOption({ label: 'Documented child' });
    await page.getByLabel('Identification status').selectOption({ label: 'Identified victim' });
    await page.getByRole('button', { name: 'Open the case' }).click();
    const heading = page.getByRole('heading', { level: 1, name: /^Case file TRM-FR-\d{4}-\d{6}$/ });
    await heading.waitFor();
    caseRef = /TRM-FR-\d{4}-\d{6}/.exec((await heading.textContent()) ?? '')![0];

    // The route: MK origin; RS (no participant: told nothing) and IT transit; FR destination.
    const update = page.getByRole('region', { name: 'Update the case' });
    await update.getByRole('button', { name: 'Set countries and roles' }).click();
    const roles = page.getByRole('region', { name: 'Countries and their roles' });
    const route: Array<[string, string]> = [
      ['MK', 'Country of origin'],
      ['RS', 'Country of transit'],
      ['IT', 'Country of transit'],
      ['FR', 'Country of destination'],
    ];
    for (let i = 0; i < route.length; i++) {
      await addItem(roles, 'Roles*');
      await roles.getByLabel('Country*', { exact: true }).nth(i).fill(route[i][0]);
      await choose(roles.getByLabel('Role*', { exact: true }).nth(i), route[i][1]);
    }
    await roles.getByRole('button', { name: 'Save' }).click();
    await roles.waitFor({ state: 'detached' });

    // Her case manager in FR: the country chosen from the directory.
    await update.getByRole('button', { name: 'Set case manager' }).click();
    const manager = page.getByRole('region', { name: 'Case manager' });
    await manager.getByLabel('Country', { exact: true }).selectOption('FR');
    await manager.getByLabel('Name*', { exact: true }).fill('Claire Martin');
    await manager.getByLabel('Institution*', { exact: true }).fill('Aide sociale à l’enfance');
    await checkScreen(page, 'return-fr-manager-form');
    await manager.getByRole('button', { name: 'Save' }).click();
    await manager.waitFor({ state: 'detached' });

    await update.getByRole('button', { name: 'Set guardian' }).click();
    const guardian = page.getByRole('region', { name: 'Guardian or legal representative' });
    await choose(guardian.getByLabel('Kind*', { exact: true }), 'Guardian');
    await guardian.getByLabel('Institution*', { exact: true }).fill('Aide sociale à l’enfance');
    await guardian.getByLabel('Appointed at*', { exact: true }).fill('2026-11-20');
    await guardian.getByRole('button', { name: 'Save' }).click();
    await guardian.waitFor({ state: 'detached' });

    await recordConsent(
      page,
      ['Share identity data', 'Share health data', 'Return', 'Contact the family', 'Reintegration'],
      ['MK'],
    );
    const consents = page.getByRole('region', { name: 'Consent records' });
    expect(await consents.getByRole('row').filter({ hasText: 'Guardian' }).innerText()).toContain('MK');
    await checkScreen(page, 'return-fr-case-opened');
  });

  it('FR: she refers the child to MK; the referral is delivered', async () => {
    await send(frPage, 'REFERRAL_REQUEST', 'MK', async (page) => {
      await fillList(page, 'Languages*', ['mk']);
      await page.getByLabel('Given name*', { exact: true }).fill('Ana');
      await page.getByLabel('Family name*', { exact: true }).fill(familyName);
      await choose(page.getByLabel('Status*', { exact: true }), 'Documented child');
      await page.getByRole('checkbox', { name: 'Sexual exploitation', exact: true }).check();
      await choose(page.getByLabel('Identification status*', { exact: true }), 'Identified victim');
      await choose(page.getByLabel('Level*', { exact: true }), 'High');
      await page
        .getByLabel('Summary*', { exact: true })
        .fill('Threats against the family reported in September.');
      await page.getByLabel('Assessed at*', { exact: true }).fill(localTime(-1));
      await fillList(page, 'Assistance needs*', ['secure accommodation for a child']);
      await choose(
        page.getByLabel('Requested SOP*', { exact: true }),
        'Voluntary return, legal stay and/or resettlement',
        '4',
      );
    });
  });

  it("MK: the coordinator finds the referral on her worklist, records MK's consent for FR and confirms it", async () => {
    mkPage = await person(mk, 'coordinator');
    const page = mkPage;
    const referral = await onWorklist(page, /^Referrals received and not yet answered/, 'Referral request');
    await checkScreen(page, 'return-mk-worklist');
    await referral.getByRole('link', { name: caseRef }).click();
    await page.getByRole('heading', { level: 1, name: `Case file ${caseRef}` }).waitFor();
    await recordConsent(page, ['Return', 'Contact the family', 'Reintegration'], ['FR']);
    await send(
      page,
      'REFERRAL_CONFIRMATION',
      'FR',
      async (p) => {
        await p.getByLabel('Name*', { exact: true }).fill('Марија Стојановска');
        await p.getByLabel('Institution*', { exact: true }).fill('Center for Social Work Skopje');
        await p.getByRole('checkbox', { name: /^Eligible/ }).check();
        await fillList(p, 'Assistance offered*', ['secure child shelter']);
      },
      'Referral request',
    );
  });

  it("FR: a return plan under her HIGH, incomplete assessment: Check shows the risk gate's reasons, nothing is sent", async () => {
    const page = frPage;
    await openCaseFile(page);
    // MK's confirmation is on FR's timeline, received.
    const timeline = page.getByRole('region', { name: 'Timeline: one lane per country' });
    await timeline
      .getByRole('row')
      .filter({ hasText: 'Referral confirmation' })
      .getByText('Received and accepted', { exact: true })
      .waitFor();
    await recordAssessment(page, {
      level: 'High',
      factors: [['RF-02', 'Present']],
      summary: 'Threats against the family reported; reception at home not yet checked.',
      complete: false,
    });
    await page.getByRole('link', { name: 'Compose a message' }).click();
    const types = page.getByLabel('Message type');
    await types.locator('option[value="RETURN_PLAN"]').waitFor({ state: 'attached' });
    await types.selectOption('RETURN_PLAN');
    await page.getByLabel('To', { exact: true }).selectOption('MK');
    await fillReturnPlan(page);
    await page.getByRole('button', { name: 'Check' }).click();
    const verdict = page.getByRole('status').filter({ hasText: 'The node would refuse this message' });
    await verdict.waitFor();
    const text = await verdict.innerText();
    expect(text).toContain('POLICY_DENIED');
    expect(text).toMatch(/the risk is HIGH/);
    expect(text).toMatch(/incomplete/);
    await checkScreen(page, 'return-fr-plan-refused');
    expect(await auditRows(federation, 'FR', 'MESSAGE_QUEUED', { caseRef })).toHaveLength(1);
    await page.getByRole('link', { name: 'Back to the case file' }).click();
    await page.getByRole('heading', { level: 1, name: `Case file ${caseRef}` }).waitFor();
  });

  async function fillReturnPlan(page: Page): Promise<void> {
    await page.getByRole('group', { name: 'TRM v1 RETURN_PLAN payload' }).waitFor();
    await page.getByLabel('Estimated departure*', { exact: true }).fill(localTime(7));
    await choose(page.getByLabel('Mode*', { exact: true }), 'By air');
    await page.getByRole('checkbox', { name: 'Escort', exact: false }).check();
    await page.getByLabel('Name*', { exact: true }).fill('Center for Social Work Skopje');
    await page.getByLabel('Date*', { exact: true }).fill('2026-11-29');
    await choose(
      page.getByLabel('Outcome*', { exact: true }),
      'Return is in the best interests of the child',
    );
    await page.getByLabel('By*', { exact: true }).fill('Juge des enfants');
    await page
      .getByLabel('Child protection receiver', { exact: true })
      .fill('Center for Social Work Skopje, child protection unit');
  }

  it("FR asks MK for a risk assessment; MK answers from her worklist; FR files MK's and reassesses", async () => {
    await send(frPage, 'RISK_ASSESSMENT_REQUEST', 'MK', async (page) => {
      await choose(page.getByLabel('Purpose*', { exact: true }), 'Return');
    });

    const owed = await onWorklist(mkPage, /^Answers owed by this country/, 'Risk assessment request');
    await checkScreen(mkPage, 'return-mk-owed');
    await owed.getByRole('link', { name: caseRef }).click();
    await mkPage.getByRole('heading', { level: 1, name: `Case file ${caseRef}` }).waitFor();
    await send(
      mkPage,
      'RISK_ASSESSMENT_RESULT',
      'FR',
      async (page) => {
        await choose(page.getByLabel('Level*', { exact: true }), 'Medium');
        await fillFactors(page.getByRole('group', { name: 'TRM v1 RISK_ASSESSMENT_RESULT payload' }), [
          ['RF-04', 'Absent'],
        ]);
        await page
          .getByLabel('Summary*', { exact: true })
          .fill('Family not involved; threats have stopped since the arrests in Skopje.');
        await page
          .getByLabel('Protection plan', { exact: true })
          .fill('Police patrol near the home for three months.');
        await page.getByLabel('Assessed at*', { exact: true }).fill(localTime(-0.1));
        await page.getByLabel('Valid until*', { exact: true }).fill(localTime(60));
        await yesNo(page, 'Complete', true);
      },
      'Risk assessment request',
    );

    const page = frPage;
    await openCaseFile(page);
    const risk = page.getByRole('region', { name: 'Risk assessments' });
    await risk.getByRole('row').filter({ hasText: 'MK' }).first().waitFor();
    await recordAssessment(page, {
      level: 'Medium',
      factors: [
        ['RF-02', 'Absent'],
        ['RF-04', 'Absent'],
      ],
      summary: "Reviewed with MK's assessment: no current threat at home.",
      protectionPlan: 'Police patrol near the home for three months; guardian visits weekly.',
      complete: true,
    });
    // Her own, newest and as strict as MK's: it governs now.
    const governing = risk.getByRole('row').filter({ hasText: 'governs now' }).filter({ hasText: 'Medium' });
    await governing.waitFor();
    expect(await governing.getByRole('cell').first().innerText()).toBe('FR');
    expect(await risk.getByRole('row').filter({ hasText: 'governs now' }).count()).toBe(1);
    await checkScreen(page, 'return-fr-risk');
  });

  it('FR asks MK to trace the family, MK finds the mother; FR plans the return, MK confirms the reception', async () => {
    await send(frPage, 'FAMILY_TRACING_REQUEST', 'MK', async (page) => {
      await yesNo(page, 'Wish to return to family', true);
      await yesNo(page, 'Asylum claim pending', false);
    });
    await openCaseFile(mkPage);
    await send(
      mkPage,
      'FAMILY_TRACING_RESULT',
      'FR',
      async (page) => {
        await choose(page.getByLabel('Outcome*', { exact: true }), 'Family found');
        await yesNo(page, 'Family risk assessed', true);
        await page
          .getByLabel('Summary*', { exact: true })
          .fill('Mother found at the known address; no involvement found.');
      },
      'Family tracing request',
    );

    await openCaseFile(frPage);
    await send(frPage, 'RETURN_PLAN', 'MK', fillReturnPlan);
    await openCaseFile(mkPage);
    await send(
      mkPage,
      'RETURN_PLAN_CONFIRMATION',
      'FR',
      async (page) => {
        await yesNo(page, 'Accepted', true);
        await page
          .getByLabel('Reception arrangements*', { exact: true })
          .fill('Met at Skopje airport by the guardian and a social worker.');
      },
      'Return plan',
    );
  });

  it('MK confirms her arrival and a reintegration programme, and reports the follow-up visit', async () => {
    await send(
      mkPage,
      'ARRIVAL_CONFIRMATION',
      'FR',
      async (page) => {
        await page.getByLabel('Arrived at*', { exact: true }).fill(localTime(0));
        await page.getByLabel('Received by*', { exact: true }).fill('Center for Social Work Skopje');
        // A returned child is checked on: the arrival says when.
        await page.getByLabel('Follow up scheduled', { exact: true }).fill(localTime(7).slice(0, 10));
      },
      'Return plan',
    );
    await openCaseFile(frPage);
    await send(frPage, 'REINTEGRATION_REQUEST', 'MK', async (page) => {
      await fillList(page, 'Needs*', ['schooling', 'psychological support']);
    });
    await openCaseFile(mkPage);
    await send(
      mkPage,
      'REINTEGRATION_CONFIRMATION',
      'FR',
      async (page) => {
        await yesNo(page, 'Accepted', true);
        await page
          .getByLabel('Programme*', { exact: true })
          .fill('Twelve-month programme with school enrolment and monthly counselling.');
      },
      'Reintegration assistance request',
    );
    await send(
      mkPage,
      'CASE_UPDATE',
      'FR',
      async (page) => {
        await choose(
          page.getByLabel('SOP*', { exact: true }),
          'Assistance and social inclusion',
          'SOP 3',
          '3',
        );
        await page
          .getByLabel('Summary*', { exact: true })
          .fill('Follow-up visit: she attends school and counselling.');
      },
      'Arrival confirmation',
    );

    // FR's return checklist: the four notifications and the eligibility decision, all in.
    await openCaseFile(frPage);
    const checklist = frPage.getByRole('region', { name: 'Return checklist' });
    await checklist.getByText('Checklist complete.').waitFor();
    expect(await checklist.innerText()).toContain('eligible for return');
    await checkScreen(frPage, 'return-fr-checklist');
  });

  it("FR tells IT under the guardian's consent for IT, and closes the case: MK and IT are told", async () => {
    const page = frPage;
    await recordConsent(page, ['Share identity data'], ['IT']);
    await send(page, 'CASE_UPDATE', 'IT', async (p) => {
      await choose(p.getByLabel('SOP*', { exact: true }), 'Assistance and social inclusion', 'SOP 3', '3');
      await p.getByLabel('Summary*', { exact: true }).fill('She is safe at home and assisted.');
    });
    const update = page.getByRole('region', { name: 'Update the case' });
    await update.getByRole('button', { name: 'Close the case' }).click();
    const close = page.getByRole('region', { name: 'Close the case' });
    await choose(close.getByLabel('Reason*', { exact: true }), 'Completed', 'COMPLETED');
    await close.getByRole('button', { name: 'Close the case' }).click();
    await close.waitFor({ state: 'detached' });

    // Every message FR sent is delivered, every answer received, and the closure reached MK and IT.
    const timeline = page.getByRole('region', { name: 'Timeline: one lane per country' });
    const closed = timeline.getByRole('row').filter({ hasText: 'Case closed' });
    await eventually(
      async () => {
        await page.getByRole('button', { name: 'Refresh' }).click();
        const delivered = await closed.getByText('Delivered', { exact: true }).count();
        return delivered === 2 ? true : undefined;
      },
      30_000,
      'CASE_CLOSED delivered to MK and IT',
    );
    const file = await page.getByRole('main').innerText();
    expect(file).not.toMatch(/\bRejected\b/);
    await checkScreen(page, 'return-fr-closed');

    // IT's coordinator, on IT's node, finds the case in her list: FR's update and the closure received.
    const itPage = await person(it_, 'coordinator');
    await nav(itPage, 'Cases');
    await itPage.getByRole('link', { name: caseRef }).click();
    await itPage.getByRole('heading', { level: 1, name: `Case file ${caseRef}` }).waitFor();
    const itTimeline = itPage.getByRole('region', { name: 'Timeline: one lane per country' });
    for (const type of ['Case update', 'Case closed'])
      await itTimeline
        .getByRole('row')
        .filter({ hasText: type })
        .getByText('Received and accepted', { exact: true })
        .first()
        .waitFor();
    // IT never heard of the referral or the return: its copy holds what was addressed to it only.
    expect(await itTimeline.innerText()).not.toContain('Referral request');
    await checkScreen(itPage, 'return-it-case');
  });

  it("FR: an auditor picks the case and reads its whole timeline pseudonymised: the child's name nowhere", async () => {
    const page = await person(fr, 'auditor');
    await nav(page, 'Case timeline');
    const pick = page.getByLabel('Case reference', { exact: true });
    await pick.locator(`option[value="${caseRef}"]`).waitFor({ state: 'attached' });
    await pick.selectOption(caseRef);
    await page.getByRole('button', { name: 'Open' }).click();
    await page.getByRole('heading', { level: 1, name: `Case timeline · ${caseRef}` }).waitFor();
    await page
      .getByText(/pseud:[0-9a-f]{8}/)
      .first()
      .waitFor();
    const shown = await page.getByRole('main').innerText();
    for (const type of ['Referral request', 'Return plan', 'Arrival confirmation', 'Case closed'])
      expect(shown).toContain(type);
    expect(shown).not.toContain(familyName);
    expect(shown).not.toContain('Марија');
    await checkScreen(page, 'return-audit-timeline');
    const reads = await auditRows(federation, 'FR', 'PERSONAL_DATA_READ', { caseRef, actor: 'api:auditor' });
    expect(reads.length).toBeGreaterThan(0);
    expect(reads.every((r) => r.details.pseudonymised === true)).toBe(true);
  });

  it('ran without a CSP violation or a script error in any browser', () => {
    expect(people).toHaveLength(4);
    expect(people.flatMap((p) => p.problems.cspViolations)).toEqual([]);
    expect(people.flatMap((p) => p.problems.pageErrors)).toEqual([]);
  });
});
