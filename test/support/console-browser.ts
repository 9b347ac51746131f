/// <reference lib="dom" />
// page.evaluate callbacks run in the browser: they see the DOM.
import AxeBuilder from '@axe-core/playwright';
import { existsSync, mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { ensureConsoleBuilt } from '../../scripts/lib/console-build';
import {
  type FederationOptions,
  LOCAL_ACCOUNTS,
  LocalFederation,
  type RunningNode,
} from '../../scripts/lib/local-federation';

export { ensureConsoleBuilt };
import type { Role } from '../../src/auth/roles';

/**
 * The browser side of the console suite (test/console/*.e2e-spec.ts): Debian's chromium driven by
 * playwright-core inside jest, one browser per test file and one context (cookies, storage, cache: a
 * separate person) per person.
 */

const ROOT = path.resolve(__dirname, '..', '..');
/** The folder the README names for the suite's screenshots (gitignored). */
export const SCREENSHOT_DIR = path.join(ROOT, 'test-results', 'console');

/** Chromium needs minutes on a cold 2-core machine for its first build; then seconds. */
export const BROWSER_SUITE_TIMEOUT_MS = 300_000;

export function chromiumPath(): string {
  const executable = process.env.TRM_CHROMIUM || '/usr/bin/chromium';
  if (!existsSync(executable))
    throw new Error(
      `no chromium at ${executable}: apt-get install chromium (.ci/run does), or set TRM_CHROMIUM`,
    );
  return executable;
}

/** Headless, offline from everything but the nodes; Playwright gives each launch a fresh profile dir. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** What the page said on its console and what failed to load: a CSP refusal shows up in both. */
export interface PageProblems {
  console: string[];
  cspViolations: string[];
  pageErrors: string[];
}

export interface Person {
  context: BrowserContext;
  page: Page;
  problems: PageProblems;
  node: RunningNode;
}

/** A new person (her own browser context) with the console of `node` open on its login screen. */
export async function newPerson(browser: Browser, node: RunningNode): Promise<Person> {
  const context = await browser.newContext({ baseURL: node.url, viewport: { width: 1280, height: 900 } });
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  const problems: PageProblems = { console: [], cspViolations: [], pageErrors: [] };
  page.on('console', (message) => {
    // Long enough to say what and where, short enough for a failure message.
    const text = message.text().slice(0, 400);
    if (message.type() === 'error' || message.type() === 'warning') problems.console.push(text);
    if (/Content[- ]Security[- ]Policy/i.test(text)) problems.cspViolations.push(text);
  });
  page.on('pageerror', (error) => problems.pageErrors.push(error.message));
  await page.goto('/');
  return { context, page, problems, node };
}

/** Fills the console's login form as a person would (by its labels), and waits to be let in. */
export async function logIn(page: Page, role: Role | { name: string; password: string }): Promise<void> {
  const account = typeof role === 'string' ? LOCAL_ACCOUNTS[role] : role;
  await page
    .getByLabel(/account|user ?name|name/i)
    .first()
    .fill(account.name);
  await page.getByLabel(/password/i).fill(account.password);
  await page.getByRole('button', { name: /log ?in|sign ?in/i }).click();
  await page.getByRole('button', { name: /log ?out|sign ?out/i }).waitFor();
}

/** A person logged in as `role` on `node`, in a browser context of her own. */
export async function personAs(browser: Browser, node: RunningNode, role: Role): Promise<Person> {
  const person = await newPerson(browser, node);
  await logIn(person.page, role);
  return person;
}

/** What a one-screen browser suite works with: its running nodes and a coordinator logged in on each. */
export interface BrowserSuite {
  federation: LocalFederation;
  node(code: string): RunningNode;
  coordinator(code: string): Person;
  admin(code: string): Person;
}

/**
 * The set-up most browser suites share, registered as the suite's beforeAll and afterAll: a federation of
 * `codes` with `start` running, the console built, one browser, and a coordinator logged in on each node of
 * `coordinators`; everything stopped and removed after.
 */
export function browserSuite(
  options: FederationOptions & { start: string[]; coordinators: string[]; admins?: string[] },
): BrowserSuite {
  const { start, coordinators, admins = [], ...federationOptions } = options;
  const federation = new LocalFederation({ logLevel: 'error', ...federationOptions });
  const nodes = new Map<string, RunningNode>();
  const people = new Map<string, Person>();
  const adminPeople = new Map<string, Person>();
  let browser: Browser | undefined;

  beforeAll(async () => {
    ensureConsoleBuilt();
    await federation.setUp();
    for (const code of start) nodes.set(code, await federation.start(code));
    browser = await launchBrowser();
    for (const code of coordinators)
      people.set(code, await personAs(browser, nodes.get(code)!, 'coordinator'));
    for (const code of admins) adminPeople.set(code, await personAs(browser, nodes.get(code)!, 'admin'));
  }, BROWSER_SUITE_TIMEOUT_MS);

  afterAll(async () => {
    await browser?.close();
    await federation.tearDown();
  });

  const found = <T>(map: Map<string, T>, code: string, what: string): T => {
    const value = map.get(code);
    if (!value) throw new Error(`browserSuite: no ${what} for ${code} (list it in the suite's options)`);
    return value;
  };
  return {
    federation,
    node: (code) => found(nodes, code, 'node started'),
    coordinator: (code) => found(people, code, 'coordinator'),
    admin: (code) => found(adminPeople, code, 'admin'),
  };
}

/** Fails listing every serious or critical axe violation of the page as it is now. */
export async function expectNoSeriousAxeViolations(page: Page, screenName: string): Promise<void> {
  const results = await new AxeBuilder({ page }).analyze();
  const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const listing = serious.map(
    (v) =>
      `${v.impact} ${v.id}: ${v.help} (${v.helpUrl})\n` +
      v.nodes
        .slice(0, 5)
        .map((n) => `    ${n.target.join(' ')}: ${n.failureSummary?.replace(/\n/g, ' ')}`)
        .join('\n'),
  );
  if (listing.length > 0)
    throw new Error(
      `axe on the ${screenName} screen: ${listing.length} serious or critical\n${listing.join('\n')}`,
    );
}

/** A full-page PNG under test-results/console/<name>.png; returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** axe and a screenshot: what every screen of the console gets. */
export async function checkScreen(page: Page, name: string): Promise<void> {
  await screenshot(page, name);
  await expectNoSeriousAxeViolations(page, name);
}

/** Everything the page keeps where a script or another tab could read it later. */
export async function storedInPage(page: Page): Promise<{ local: string; session: string; cookies: string }> {
  const inPage = await page.evaluate(() => ({
    local: JSON.stringify({ ...window.localStorage }),
    session: JSON.stringify({ ...window.sessionStorage }),
    documentCookie: document.cookie,
  }));
  const cookies = await page.context().cookies();
  return {
    local: inPage.local,
    session: inPage.session,
    cookies: `${inPage.documentCookie} ${JSON.stringify(cookies)}`,
  };
}
