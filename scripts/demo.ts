/**
 * npm run demo [-- --keep]
 *
 * Plays one return case end to end (referral, confirmation, risk assessment, family tracing, return plan,
 * travel, arrival, reintegration request and confirmation, closure) on a real local federation: three NCP nodes (FR, IT, MK), each its own
 * operating-system process with its own PostgreSQL database and broker user, exchanging signed and sealed
 * TRM v1 messages through RabbitMQ. The demo only uses the nodes' HTTP API, as coordinators would.
 *
 * The output shows types, ids, case references and statuses, never a payload, a name or a date of birth,
 * so it can be pasted into an issue. Everything the demo creates is removed at the end, also on failure
 * and on Ctrl-C (with --keep the nodes stay up until Ctrl-C).
 */
import { ensureConsoleBuilt } from './lib/console-build';
import * as amqp from 'amqplib';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { Client } from 'pg';
import type { ConsentGiver, ConsentScope } from '../src/messages/envelope.dto';
import { examplePayload } from '../src/messages/examples';
import { isTechnicalType, isMessageType, MessageType } from '../src/messages/message-types';
import { BrokerProvisioner, chooseProvisioner, RabbitmqctlProvisioner } from './lib/broker-provisioner';
import { LOCAL_ACCOUNTS, LocalBroker, LocalFederation, RunningNode } from './lib/local-federation';
import { RabbitmqNode } from './lib/rabbitmq-node';

/** The fictional person the demo refers: her data must never reach the demo's output or the nodes' logs. */
export const DEMO_PERSON = examplePayload('REFERRAL_REQUEST').person;

export const CODES = ['FR', 'IT', 'MK'] as const;
export type Code = (typeof CODES)[number];

/** Fixed ports make the --keep URLs predictable; any that are taken are replaced by free ones. */
const PREFERRED_PORTS: Readonly<Record<Code, number>> = { FR: 3101, IT: 3102, MK: 3103 };
const HTTP_TIMEOUT_MS = 10_000;
const DELIVERY_TIMEOUT_MS = 20_000;
const NODE_STOP_TIMEOUT_MS = 15_000;
const PROBE_TIMEOUT_MS = 3_000;

/** How long the pre-flight waits for PostgreSQL and RabbitMQ that are still starting (a machine just booted). */
const SERVICE_WAIT_MS = 60_000;

/** The services the demo uses, and how it reaches them. */
export interface Services {
  pgAdminUrl: string;
  amqpHost: string;
  managementUrl: string;
  rabbitmqctl: RabbitmqctlProvisioner;
}

// The same defaults as LocalFederation, passed to it explicitly so the pre-flight checks probe exactly
// the services the federation will use.
const SERVICES: Services = {
  pgAdminUrl: process.env.TRM_PG_ADMIN_URL || 'postgres://postgres@127.0.0.1:5432/postgres',
  amqpHost: process.env.TRM_AMQP_HOST || '127.0.0.1:5672',
  managementUrl: process.env.RABBITMQ_MANAGEMENT_URL || 'http://guest:guest@127.0.0.1:15672',
  rabbitmqctl: new RabbitmqctlProvisioner(),
};

const USAGE = `usage: npm run demo [-- --keep] [-- --federated]

Starts a local TRM federation (FR, IT, MK: one process, database and broker user each), plays a child's
return from France to North Macedonia over the nodes' HTTP API (referral to closure), printing the case's
SOP phases and return checklist as it goes, then the timeline and the delivery status of every message on
every node, then stops the nodes and removes everything it created.

  --keep       leave the nodes running (URLs and API docs are printed) until Ctrl-C
  --federated  one RabbitMQ broker per country (three extra nodes of this machine's rabbitmq-server,
               with the federation plugin), linked by federation (docs/deployment.md); stopped after
  --help    this text

Needs PostgreSQL 15 or later (TRM_PG_ADMIN_URL, default postgres://postgres@127.0.0.1:5432/postgres: a
user who may create databases and roles; with a password where the server asks for one, e.g.
postgres://postgres:secret@127.0.0.1:5432/postgres) and RabbitMQ 3.10 or later (TRM_AMQP_HOST, default
127.0.0.1:5672, reached as guest). The vhost and users are made through the management API
(RABBITMQ_MANAGEMENT_URL, default http://guest:guest@127.0.0.1:15672) or, when it does not answer, through
rabbitmqctl (TRM_RABBITMQCTL, default rabbitmqctl; e.g. "sudo rabbitmqctl"). Services still starting are
waited for up to a minute. NO_COLOR turns colours off.`;

// ---------------------------------------------------------------------------------------------- output

const colour = process.stdout.isTTY === true && !process.env.NO_COLOR;
const paint =
  (code: string) =>
  (text: string): string =>
    colour ? `\x1b[${code}m${text}\x1b[0m` : text;
const bold = paint('1');
const dim = paint('2');
const red = paint('31');
const green = paint('32');
const yellow = paint('33');
const cyan = paint('36');

function say(line = ''): void {
  process.stdout.write(`${line}\n`);
}

function warn(line: string): void {
  process.stderr.write(`${colour ? yellow(line) : line}\n`);
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)}s`;

/** Message ids are UUIDv7: the first digits are a timestamp shared by the whole run, the last are random. */
const shortId = (id: string): string => `…${id.slice(-8)}`;

function paintStatus(status: string): string {
  if (status === 'DELIVERED' || status === 'ACCEPTED') return green(status);
  if (status === 'REJECTED') return red(status);
  if (status === '—' || status === 'SENT') return dim(status);
  return yellow(status);
}

/** Pads before painting, so escape codes never count towards a column's width. */
function row(cells: Array<[text: string, width: number, paintCell?: (s: string) => string]>): string {
  return `  ${cells.map(([text, width, paintCell]) => (paintCell ?? String)(text.padEnd(width))).join('  ')}`.trimEnd();
}

/** A failure the demo explains itself: its message is printed as is, without a stack trace. */
export class DemoError extends Error {}

// ---------------------------------------------------------------------------------------------- the API

/** The delivery facts of a message, as a node's API reports them; the payload is never kept. */
export interface MessageStatus {
  id: string;
  caseRef: string | null;
  direction: 'OUTBOUND' | 'INBOUND';
  type: string;
  counterpart: string;
  inReplyTo: string | null;
  status: string;
  reasonCode: string | null;
  createdAt: string;
  /** The declared consent without its id and dates: what it allows, not whose it is. */
  consent: { scopes: string[]; recipients: string[]; givenBy: string } | null;
}

export interface DemoNode {
  code: Code;
  url: string;
}

interface ApiResult {
  status: number;
  body: unknown;
}

/** Node and account → bearer token. Each actor of the story is a coordinator account of its own. */
const tokens = new Map<string, Promise<string>>();

/**
 * The token of `actor`'s account on `node`, created on first use as an administrator would (POST
 * /admin/accounts, with a generated password the demo keeps in memory only), then logged in.
 */
function tokenFor(node: DemoNode, actor: string): Promise<string> {
  const name = actor.toLowerCase();
  const key = `${node.url}|${name}`;
  let token = tokens.get(key);
  if (!token) {
    token = (async () => {
      const admin = LOCAL_ACCOUNTS.admin;
      const adminToken = await login(node, admin.name, admin.password);
      const created = await request(
        node,
        'POST',
        '/admin/accounts',
        { name, role: 'coordinator' },
        adminToken,
      );
      if (created.status !== 201)
        throw new DemoError(`${node.code}: creating account ${name}: HTTP ${created.status}`);
      return login(node, name, (created.body as { password: string }).password);
    })();
    tokens.set(key, token);
  }
  return token;
}

async function login(node: DemoNode, name: string, password: string): Promise<string> {
  const result = await request(node, 'POST', '/auth/token', { name, password });
  if (result.status !== 200) throw new DemoError(`${node.code}: login as ${name}: HTTP ${result.status}`);
  return (result.body as { accessToken: string }).accessToken;
}

async function call(
  node: DemoNode,
  method: 'GET' | 'POST' | 'PUT',
  path: string,
  actor: string,
  body?: unknown,
): Promise<ApiResult> {
  return request(node, method, path, body, await tokenFor(node, actor));
}

async function request(
  node: DemoNode,
  method: 'GET' | 'POST' | 'PUT',
  path: string,
  body?: unknown,
  token?: string,
): Promise<ApiResult> {
  let response: Response;
  try {
    response = await fetch(`${node.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
    });
  } catch (error) {
    throw new DemoError(`${node.code}'s node did not answer ${method} ${path}: ${describeError(error)}`);
  }
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    throw new DemoError(
      `${node.code}'s node answered ${method} ${path} with HTTP ${response.status} and no JSON`,
    );
  }
  return { status: response.status, body: parsed };
}

/** Keeps only what the status views need: a case file also holds payloads, which must not be printed. */
function statusOnly(raw: Record<string, unknown>): MessageStatus {
  const text = (key: string): string => String(raw[key] ?? '');
  const nullable = (key: string): string | null =>
    typeof raw[key] === 'string' ? (raw[key] as string) : null;
  return {
    id: text('id'),
    caseRef: nullable('caseRef'),
    direction: raw.direction === 'INBOUND' ? 'INBOUND' : 'OUTBOUND',
    type: text('type'),
    counterpart: text('counterpart'),
    inReplyTo: nullable('inReplyTo'),
    status: text('status'),
    reasonCode: nullable('reasonCode'),
    createdAt: text('createdAt'),
    consent: consentOf(raw.consent),
  };
}

function consentOf(raw: unknown): MessageStatus['consent'] {
  if (typeof raw !== 'object' || raw === null) return null;
  const { scopes, recipients, givenBy } = raw as Record<string, unknown>;
  const strings = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : []);
  return { scopes: strings(scopes), recipients: strings(recipients), givenBy: String(givenBy) };
}

/** The HTTP error in words, from field paths and reason codes only (values could be personal data). */
function refusal(result: ApiResult): string {
  const body = (result.body ?? {}) as {
    error?: unknown;
    fields?: Array<{ path?: unknown }>;
    reasons?: Array<{ code?: unknown }>;
  };
  const parts = [`HTTP ${result.status}`];
  if (typeof body.error === 'string') parts.push(body.error);
  if (Array.isArray(body.reasons))
    parts.push(`reasons: ${body.reasons.map((r) => String(r.code)).join(', ')}`);
  if (Array.isArray(body.fields)) parts.push(`fields: ${body.fields.map((f) => String(f.path)).join(', ')}`);
  return parts.join(', ');
}

async function openCase(
  node: DemoNode,
  facts: { ageStatus: string; identificationStatus: string },
  actor: string,
): Promise<{ caseRef: string; openedAt: string }> {
  const result = await call(node, 'POST', '/cases', actor, facts);
  const body = result.body as { caseRef?: unknown; openedAt?: unknown } | null;
  if (result.status !== 201 || typeof body?.caseRef !== 'string' || typeof body.openedAt !== 'string') {
    throw new DemoError(`${node.code} could not open a case: ${refusal(result)}`);
  }
  return { caseRef: body.caseRef, openedAt: body.openedAt };
}

interface ConsentRecord {
  scopes: ConsentScope[];
  recipients: Code[];
  givenBy: ConsentGiver;
  informedLanguage: string;
}

/** Records a consent on the node's copy of the case; the node then attaches it to what it sends. */
async function recordConsent(
  node: DemoNode,
  caseRef: string,
  consent: ConsentRecord,
  actor: string,
): Promise<void> {
  const result = await call(node, 'POST', `/cases/${caseRef}/consents`, actor, {
    ...consent,
    informed: true,
  });
  if (result.status !== 201) {
    throw new DemoError(`${node.code} could not record consent on ${caseRef}: ${refusal(result)}`);
  }
}

interface Send {
  type: MessageType;
  to: Code;
  inReplyTo?: string;
  /** Fields that differ from the example payload of the type. */
  payload?: Record<string, unknown>;
}

async function send(from: DemoNode, caseRef: string, message: Send, actor: string): Promise<MessageStatus> {
  const result = await call(from, 'POST', `/cases/${caseRef}/messages`, actor, {
    type: message.type,
    to: message.to,
    legalBasis: 'CONSENT',
    ...(message.inReplyTo ? { inReplyTo: message.inReplyTo } : {}),
    payload: { ...examplePayload(message.type), ...message.payload },
  });
  if (result.status !== 202 || typeof result.body !== 'object' || result.body === null) {
    throw new DemoError(`${from.code} refused to send ${message.type} to ${message.to}: ${refusal(result)}`);
  }
  // The consent recorded covers every field: a node that dropped some would be telling a different story.
  const redacted = (result.body as { redacted?: unknown }).redacted;
  if (Array.isArray(redacted) && redacted.length > 0) {
    throw new DemoError(`${from.code} sent ${message.type} without fields ${redacted.join(', ')} (redacted)`);
  }
  return statusOnly(result.body as Record<string, unknown>);
}

async function messageStatus(node: DemoNode, id: string): Promise<MessageStatus | undefined> {
  const result = await call(node, 'GET', `/messages/${id}`, 'demo');
  if (result.status === 404) return undefined;
  if (result.status !== 200) throw new DemoError(`${node.code}: GET /messages/${id}: ${refusal(result)}`);
  return statusOnly(result.body as Record<string, unknown>);
}

/** Polls the sender until the receiver's DELIVERY_RECEIPT (or DELIVERY_REJECTED) has come back. */
async function awaitReceipt(from: DemoNode, sent: MessageStatus): Promise<MessageStatus> {
  const deadline = Date.now() + DELIVERY_TIMEOUT_MS;
  let last = sent;
  while (Date.now() < deadline) {
    last = (await messageStatus(from, sent.id)) ?? last;
    if (last.status === 'DELIVERED') return last;
    if (last.status === 'REJECTED') {
      throw new DemoError(
        `${sent.counterpart} rejected ${sent.type} ${sent.id} with ${last.reasonCode ?? 'no reason code'} ` +
          `(details: GET ${from.url}/messages/${sent.id})`,
      );
    }
    await sleep(100);
  }
  throw new DemoError(
    `no receipt from ${sent.counterpart} for ${sent.type} ${sent.id} within ${DELIVERY_TIMEOUT_MS / 1000}s ` +
      `(last status ${last.status}): is ${sent.counterpart}'s node consuming trm.inbox.${sent.counterpart}?`,
  );
}

/** A node's view of the case: every message it holds, or none when the case never reached it. */
export async function caseView(node: DemoNode, caseRef: string): Promise<MessageStatus[]> {
  const result = await call(node, 'GET', `/cases/${caseRef}`, 'demo-status-report');
  if (result.status === 404) return [];
  const body = result.body as { messages?: unknown } | null;
  if (result.status !== 200 || !Array.isArray(body?.messages)) {
    throw new DemoError(`${node.code}: GET /cases/${caseRef}: ${refusal(result)}`);
  }
  return body.messages.map((m) => statusOnly(m as Record<string, unknown>));
}

/** Sets something on a case as a coordinator would (roles, guardian…); fails the demo if refused. */
async function put(
  node: DemoNode,
  caseRef: string,
  what: string,
  body: unknown,
  actor: string,
): Promise<void> {
  const result = await call(node, 'PUT', `/cases/${caseRef}/${what}`, actor, body);
  if (result.status !== 200)
    throw new DemoError(`${node.code} could not set ${what} on ${caseRef}: ${refusal(result)}`);
}

interface Workflow {
  status: string;
  phases: Array<{ sop: number; name: string; status: string }>;
  returnChecklist: Record<string, { messageId: string; direction: string } | boolean | string | null>;
}

/** The case's phases and return checklist on one node: statuses and message ids only, never a payload. */
async function printWorkflow(node: DemoNode, caseRef: string): Promise<void> {
  const result = await call(node, 'GET', `/cases/${caseRef}`, 'demo-status-report');
  const workflow = (result.body as { workflow?: Workflow } | null)?.workflow;
  if (result.status !== 200 || !workflow)
    throw new DemoError(`${node.code}: GET /cases/${caseRef}: ${refusal(result)}`);
  const phases = workflow.phases.map((p) => `SOP ${p.sop} ${paintStatus(p.status)}`).join(dim(' · '));
  say(dim(`      ${node.code}'s case ${workflow.status}: `) + phases);
  const checklist = workflow.returnChecklist;
  const tick = (label: string, key: string): string => {
    const entry = checklist[key] as { messageId: string } | null;
    return entry ? `${green('✓')} ${label} ${dim(shortId(entry.messageId))}` : `${dim('·')} ${label}`;
  };
  const eligible = checklist.eligible === null ? 'pending' : checklist.eligible ? 'yes' : 'no';
  say(
    dim('      return checklist: ') +
      [
        tick('request for assistance', 'requestForAssistance'),
        tick('confirmed', 'requestConfirmation'),
        tick('reintegration request', 'reintegrationRequest'),
        tick('confirmed', 'reintegrationConfirmation'),
      ].join(dim(' · ')) +
      dim(` · eligible: ${eligible} · departure ${checklist.estimatedDeparture ? 'planned' : 'not planned'}`),
  );
}

// ---------------------------------------------------------------------------------------------- the case

interface Refusal {
  at: string;
  from: Code;
  to: Code;
  type: MessageType;
  /** The policy's reasons: rule texts, never personal data. */
  reasons: string[];
}

/** Tries a send that a policy should refuse; returns the refusal, or fails the demo if it went through. */
async function expectRefusal(
  from: DemoNode,
  caseRef: string,
  message: Send,
  actor: string,
): Promise<Refusal> {
  const at = new Date().toISOString();
  const result = await call(from, 'POST', `/cases/${caseRef}/messages`, actor, {
    type: message.type,
    to: message.to,
    legalBasis: 'CONSENT',
    payload: examplePayload(message.type),
  });
  const reasons = (result.body as { reasons?: Array<{ message?: unknown }> } | null)?.reasons;
  if (result.status !== 422 || !Array.isArray(reasons)) {
    throw new DemoError(`${from.code} should have refused ${message.type}: ${refusal(result)}`);
  }
  return {
    at,
    from: from.code,
    to: message.to,
    type: message.type,
    reasons: reasons.map((r) => String(r.message)),
  };
}

/** FR's own assessment once MK's is in: the threats were checked at home, a protection plan agreed. */
async function recordJointAssessment(node: DemoNode, caseRef: string, actor: string): Promise<void> {
  const result = await call(node, 'POST', `/cases/${caseRef}/risk-assessments`, actor, {
    level: 'MEDIUM',
    factors: [
      { code: 'RF-01', status: 'ABSENT' },
      { code: 'RF-02', status: 'ABSENT' },
      { code: 'RF-04', status: 'ABSENT' },
      { code: 'RF-19', status: 'PRESENT' },
    ],
    summary: "Reviewed with MK's assessment: no current threat at home; reception arrangements checked.",
    protectionPlan: 'Police patrol near the home for three months; guardian visits weekly.',
    complete: true,
    validUntil: new Date(Date.now() + 14 * 86_400_000).toISOString(),
  });
  if (result.status !== 201)
    throw new DemoError(`${node.code} could not record an assessment: ${refusal(result)}`);
}

/** FR's own assessment before it hears from MK: the family home is known to the traffickers. */
async function recordHighAssessment(node: DemoNode, caseRef: string, actor: string): Promise<void> {
  const result = await call(node, 'POST', `/cases/${caseRef}/risk-assessments`, actor, {
    level: 'HIGH',
    factors: [
      { code: 'RF-01', status: 'ABSENT' },
      { code: 'RF-02', status: 'PRESENT' },
      { code: 'RF-19', status: 'PRESENT' },
    ],
    summary: 'Threats against the family reported; reception arrangements at home not yet checked.',
    complete: false,
    validUntil: new Date(Date.now() + 14 * 86_400_000).toISOString(),
  });
  if (result.status !== 201)
    throw new DemoError(`${node.code} could not record an assessment: ${refusal(result)}`);
}

interface PlayedCase {
  caseRef: string;
  openedAt: string;
  /** The business messages the demo sent, in order. */
  sent: MessageStatus[];
  /** Sends a node refused before anything was stored (so no node's case view holds them). */
  refusals: Refusal[];
}

/**
 * She is a child, so her guardian consents for her, and each consent names only the country that needs
 * the data: MK (identity, health, return), and later IT, which only hears how the case is going.
 */
export async function playCase(nodes: Record<Code, DemoNode>): Promise<PlayedCase> {
  const { FR, MK } = nodes;
  const sent: MessageStatus[] = [];
  const refusals: Refusal[] = [];
  let step = 0;

  const narrate = (text: string): void => say(`  ${bold(String(++step).padStart(2))}  ${text}`);
  const transfer = async (
    from: DemoNode,
    caseRef: string,
    message: Send,
    actor: string,
  ): Promise<MessageStatus> => {
    const started = Date.now();
    const queued = await send(from, caseRef, message, actor);
    const delivered = await awaitReceipt(from, queued);
    sent.push(delivered);
    say(
      `      ${from.code} → ${message.to}  ${message.type.padEnd(25)}${shortId(delivered.id)}  ` +
        `${green('delivered')} ${dim(`(receipt after ${seconds(Date.now() - started)})`)}`,
    );
    return delivered;
  };

  say(bold('The case'));
  say(dim('  A child from North Macedonia, trafficked through Italy and identified in France (fictional).'));
  const facts = { ageStatus: 'DOCUMENTED_CHILD', identificationStatus: 'IDENTIFIED_VICTIM' };
  const { caseRef, openedAt } = await openCase(FR, facts, 'FR-coordinator');
  narrate(`FR opens the transnational case ${cyan(caseRef)} for a child identified as a victim`);
  // Serbia, on her route, is not a participant: it is recorded as a transit country and told nothing.
  const roles = { MK: 'ORIGIN', RS: 'TRANSIT', IT: 'TRANSIT', FR: 'DESTINATION' };
  await put(
    FR,
    caseRef,
    'roles',
    { roles: Object.entries(roles).map(([country, role]) => ({ country, role })) },
    'FR-coordinator',
  );
  const guardian = { kind: 'GUARDIAN', institution: 'Aide sociale à l’enfance', appointedAt: '2026-11-20' };
  await put(FR, caseRef, 'guardian', guardian, 'FR-coordinator');
  narrate(
    'FR records the countries on her route (MK origin; RS, IT transit; FR destination) and her guardian',
  );

  const toMk: ConsentRecord = {
    scopes: ['SHARE_IDENTITY', 'SHARE_HEALTH', 'RETURN', 'CONTACT_FAMILY', 'REINTEGRATION'],
    recipients: ['MK'],
    givenBy: 'GUARDIAN',
    informedLanguage: 'mk',
  };
  await recordConsent(FR, caseRef, toMk, 'FR-coordinator');
  narrate(
    "FR records her guardian's consent (identity, health, return, family, reintegration; to MK only) and refers her",
  );
  const referral = await transfer(FR, caseRef, { type: 'REFERRAL_REQUEST', to: 'MK' }, 'FR-coordinator');

  // MK's coordinator works from MK's own copy of the case: the referral must be there, opened and accepted.
  const atMk = await caseView(MK, caseRef);
  const received = atMk.find((m) => m.id === referral.id && m.direction === 'INBOUND');
  if (received?.status !== 'ACCEPTED') {
    throw new DemoError(`MK's copy of ${caseRef} has no accepted REFERRAL_REQUEST ${referral.id}`);
  }
  // The consent FR recorded must be what travelled: the node attaches it, the coordinator does not.
  const declared = received.consent;
  const asRecorded =
    declared?.givenBy === toMk.givenBy &&
    declared.recipients.join() === toMk.recipients.join() &&
    [...declared.scopes].sort().join() === [...toMk.scopes].sort().join();
  if (!asRecorded) throw new DemoError(`the REFERRAL_REQUEST reached MK without the consent FR recorded`);
  // MK answers under a consent of its own: what FR declared lets data go to MK, not back out of it.
  await recordConsent(
    MK,
    caseRef,
    { ...toMk, scopes: ['RETURN', 'CONTACT_FAMILY', 'REINTEGRATION'], recipients: ['FR'] },
    'MK-coordinator',
  );
  narrate(
    `MK's coordinator reads the case on MK (${atMk.length} messages, read audited), records consent, accepts`,
  );
  await transfer(
    MK,
    caseRef,
    { type: 'REFERRAL_CONFIRMATION', to: 'FR', inReplyTo: referral.id },
    'MK-coordinator',
  );
  await printWorkflow(FR, caseRef);

  await recordHighAssessment(FR, caseRef, 'FR-coordinator');
  narrate('FR assesses the risk as HIGH (threats against the family) and tries to plan her return');
  const refused = await expectRefusal(FR, caseRef, { type: 'RETURN_PLAN', to: 'MK' }, 'FR-coordinator');
  refusals.push(refused);
  say(`      FR → MK  RETURN_PLAN              ${red('refused')} ${dim('(nothing stored, nothing sent)')}`);
  for (const reason of refused.reasons) say(dim(`        · ${reason}`));

  narrate('FR asks MK for a risk assessment at home before any return');
  const request = await transfer(
    FR,
    caseRef,
    { type: 'RISK_ASSESSMENT_REQUEST', to: 'MK' },
    'FR-coordinator',
  );

  const requestAtMk = await messageStatus(MK, request.id);
  if (requestAtMk?.status !== 'ACCEPTED') {
    throw new DemoError(`MK holds no accepted RISK_ASSESSMENT_REQUEST ${request.id}`);
  }
  narrate("MK assesses the risk with police and social services; FR files it as MK's assessment");
  const result = await transfer(
    MK,
    caseRef,
    // Assessed now, in answer to FR's request.
    {
      type: 'RISK_ASSESSMENT_RESULT',
      to: 'FR',
      inReplyTo: request.id,
      payload: { assessedAt: new Date().toISOString() },
    },
    'MK-coordinator',
  );
  if (!(await assessmentFrom(FR, caseRef, result.id))) {
    throw new DemoError(`FR did not record MK's RISK_ASSESSMENT_RESULT ${result.id} as an assessment`);
  }
  // A peer's assessment can only make FR's decision stricter: FR reassesses with MK's findings itself.
  narrate("FR reassesses with MK's findings: MEDIUM, with the joint protection plan");
  await recordJointAssessment(FR, caseRef, 'FR-coordinator');

  narrate(
    'She wishes to return to her mother: FR asks MK to trace the family (family risk assessed: RF-04 absent)',
  );
  const tracing = await transfer(FR, caseRef, { type: 'FAMILY_TRACING_REQUEST', to: 'MK' }, 'FR-coordinator');
  await transfer(
    MK,
    caseRef,
    { type: 'FAMILY_TRACING_RESULT', to: 'FR', inReplyTo: tracing.id },
    'MK-coordinator',
  );

  narrate(
    "FR's joint assessment (MEDIUM, with a protection plan) is now the current one: FR plans the return",
  );
  const plan = await transfer(FR, caseRef, { type: 'RETURN_PLAN', to: 'MK' }, 'FR-coordinator');
  narrate('MK confirms the reception arrangements for her arrival');
  await transfer(
    MK,
    caseRef,
    { type: 'RETURN_PLAN_CONFIRMATION', to: 'FR', inReplyTo: plan.id },
    'MK-coordinator',
  );
  await printWorkflow(FR, caseRef);

  narrate('She travels; MK confirms her arrival to FR, with the date of her follow-up visit');
  const arrival = await transfer(
    MK,
    caseRef,
    { type: 'ARRIVAL_CONFIRMATION', to: 'FR', inReplyTo: plan.id },
    'MK-coordinator',
  );
  narrate('FR requests reintegration assistance; MK confirms a reintegration programme');
  const reintegration = await transfer(
    FR,
    caseRef,
    { type: 'REINTEGRATION_REQUEST', to: 'MK' },
    'FR-coordinator',
  );
  await transfer(
    MK,
    caseRef,
    { type: 'REINTEGRATION_CONFIRMATION', to: 'FR', inReplyTo: reintegration.id },
    'MK-coordinator',
  );
  narrate('MK reports the follow-up visit to FR: a returned child is checked on');
  await transfer(MK, caseRef, { type: 'CASE_UPDATE', to: 'FR', inReplyTo: arrival.id }, 'MK-coordinator');
  await printWorkflow(FR, caseRef);
  await printWorkflow(MK, caseRef);

  await recordConsent(
    FR,
    caseRef,
    { ...toMk, scopes: ['SHARE_IDENTITY'], recipients: ['IT'] },
    'FR-coordinator',
  );
  narrate("FR tells IT, a transit country, that she is safe and assisted (guardian's consent for IT)");
  await transfer(FR, caseRef, { type: 'CASE_UPDATE', to: 'IT' }, 'FR-coordinator');

  narrate('FR closes the case: every country on it (MK, IT) is sent a CASE_CLOSED');
  const closing = await call(FR, 'POST', `/cases/${caseRef}/close`, 'FR-coordinator', {
    reason: 'COMPLETED',
  });
  const notified = (closing.body as { notified?: Array<{ country: Code; messageId: string }> } | null)
    ?.notified;
  if (closing.status !== 202 || !Array.isArray(notified)) {
    throw new DemoError(`FR could not close ${caseRef}: ${refusal(closing)}`);
  }
  for (const { messageId } of notified) {
    const closed = await messageStatus(FR, messageId);
    if (!closed) throw new DemoError(`FR holds no CASE_CLOSED ${messageId}`);
    const delivered = await awaitReceipt(FR, closed);
    sent.push(delivered);
    say(
      `      FR → ${delivered.counterpart}  ${'CASE_CLOSED'.padEnd(25)}${shortId(delivered.id)}  ${green('delivered')}`,
    );
  }
  await printWorkflow(FR, caseRef);
  await printWorkflow(MK, caseRef);

  return { caseRef, openedAt, sent, refusals };
}

/** Whether the node filed the peer's RISK_ASSESSMENT_RESULT; only ids are compared, nothing is printed. */
async function assessmentFrom(node: DemoNode, caseRef: string, messageId: string): Promise<boolean> {
  // One page holds them all: a demo case has a handful of assessments.
  const result = await call(node, 'GET', `/cases/${caseRef}/risk-assessments?limit=500`, 'demo');
  const items = (result.body as { items?: unknown } | null)?.items;
  if (result.status !== 200 || !Array.isArray(items)) {
    throw new DemoError(`${node.code}: GET /cases/${caseRef}/risk-assessments: ${refusal(result)}`);
  }
  return items.some((a) => (a as { sourceMessageId?: unknown }).sourceMessageId === messageId);
}

// ---------------------------------------------------------------------------------------------- report

/** One message as the federation as a whole saw it: who sent it and what each node recorded. */
export interface FederatedMessage {
  id: string;
  type: string;
  from: string;
  to: string;
  caseRef: string | null;
  inReplyTo: string | null;
  createdAt: string;
  statusAt: Partial<Record<Code, string>>;
  /** The peer's reason code, as the sender recorded it, for a rejected message. */
  reasonCode: string | null;
}

export function mergeViews(views: Record<Code, MessageStatus[]>): FederatedMessage[] {
  const merged = new Map<string, FederatedMessage>();
  for (const code of CODES) {
    for (const m of views[code]) {
      const outbound = m.direction === 'OUTBOUND';
      const entry = merged.get(m.id) ?? {
        id: m.id,
        type: m.type,
        from: outbound ? code : m.counterpart,
        to: outbound ? m.counterpart : code,
        caseRef: m.caseRef,
        inReplyTo: m.inReplyTo,
        createdAt: m.createdAt,
        statusAt: {},
        reasonCode: null,
      };
      // The sender's clock says when a message was written; the receiver's record comes later.
      if (outbound) {
        entry.createdAt = m.createdAt;
        entry.reasonCode = m.reasonCode;
      }
      entry.statusAt[code] = m.status;
      merged.set(m.id, entry);
    }
  }
  return [...merged.values()].sort(
    (a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id),
  );
}

const isReceiptOrRejection = (type: string): boolean =>
  type === 'DELIVERY_RECEIPT' || type === 'DELIVERY_REJECTED';

/** What must hold after the story: each problem is a sentence without personal data. */
export function checkFederation(messages: FederatedMessage[], sentIds: string[]): string[] {
  const problems: string[] = [];
  const byId = new Map(messages.map((m) => [m.id, m]));
  for (const id of sentIds)
    if (!byId.has(id)) problems.push(`message ${id} is missing from every node's case view`);
  for (const m of messages) {
    const label = `${m.type} ${shortId(m.id)} ${m.from} → ${m.to}`;
    const atSender = m.statusAt[m.from as Code];
    const atReceiver = m.statusAt[m.to as Code];
    const expected = isReceiptOrRejection(m.type) ? ['SENT', 'DELIVERED'] : ['DELIVERED'];
    if (!atSender || !expected.includes(atSender)) {
      const why = m.reasonCode ? ` (${m.reasonCode})` : '';
      problems.push(`${label}: ${atSender ?? 'absent'} at ${m.from}${why}`);
    }
    if (atReceiver !== 'ACCEPTED') problems.push(`${label}: ${atReceiver ?? 'absent'} at ${m.to}`);
    for (const code of CODES) {
      if (code !== m.from && code !== m.to && m.statusAt[code])
        problems.push(`${label}: also held by ${code}`);
    }
    if (isMessageType(m.type) && !isTechnicalType(m.type)) {
      const receipts = messages.filter((r) => r.type === 'DELIVERY_RECEIPT' && r.inReplyTo === m.id);
      if (receipts.length !== 1) problems.push(`${label}: ${receipts.length} delivery receipts`);
    }
  }
  return problems;
}

function printTimeline(messages: FederatedMessage[], openedAt: string, refusals: Refusal[]): void {
  const start = Date.parse(openedAt);
  const rows = [
    ...messages.map((m) => ({
      at: m.createdAt,
      message: m as FederatedMessage | null,
      refusal: null as Refusal | null,
    })),
    ...refusals.map((r) => ({ at: r.at, message: null, refusal: r as Refusal | null })),
  ].sort((a, b) => a.at.localeCompare(b.at));
  const typeWidth = Math.max(...messages.map((m) => m.type.length), 4);
  const refWidth = Math.max(...messages.map((m) => (m.caseRef ?? '-').length), 4);
  say(bold('Timeline') + dim('  (time since the case was opened; status as the sender records it)'));
  say(
    dim(
      row([
        ['time', 7],
        ['from → to', 9],
        ['type', typeWidth],
        ['case', refWidth],
        ['id', 9],
        ['status', 9],
        ['answers', 9],
      ]),
    ),
  );
  for (const { message: m, refusal: r } of rows) {
    if (r) {
      say(
        row([
          [`+${seconds(Date.parse(r.at) - start)}`, 7],
          [`${r.from} → ${r.to}`, 9],
          [r.type, typeWidth],
          [messages[0]?.caseRef ?? '-', refWidth],
          ['—', 9, dim],
          ['REFUSED', 9, red],
          ['', 9],
        ]),
      );
      continue;
    }
    if (!m) continue;
    const receipt = isReceiptOrRejection(m.type);
    say(
      row([
        [`+${seconds(Date.parse(m.createdAt) - start)}`, 7],
        [`${m.from} → ${m.to}`, 9],
        [m.type, typeWidth, receipt ? dim : undefined],
        [m.caseRef ?? '-', refWidth],
        [shortId(m.id), 9],
        [m.statusAt[m.from as Code] ?? '?', 9, paintStatus],
        [m.inReplyTo ? shortId(m.inReplyTo) : '', 9, dim],
      ]),
    );
  }
  say(dim('  A receipt is never itself acknowledged, so SENT is its final status at its sender.'));
  if (refusals.length > 0)
    say(dim('  REFUSED: a policy of the sending node stopped it; it exists on no node.'));
}

function printStatusTable(messages: FederatedMessage[], caseRef: string): void {
  const typeWidth = Math.max(...messages.map((m) => m.type.length), 4);
  say(bold('Delivery status on every node') + dim(`  (GET /cases/${caseRef} on FR, IT and MK)`));
  say(
    dim(
      row([
        ['id', 9],
        ['type', typeWidth],
        ['from → to', 9],
        ...CODES.map((code): [string, number] => [code, 9]),
      ]),
    ),
  );
  for (const m of messages) {
    say(
      row([
        [shortId(m.id), 9],
        [m.type, typeWidth, isReceiptOrRejection(m.type) ? dim : undefined],
        [`${m.from} → ${m.to}`, 9],
        ...CODES.map((code): [string, number, (s: string) => string] => [
          m.statusAt[code] ?? '—',
          9,
          paintStatus,
        ]),
      ]),
    );
  }
  say(dim('  — : the node does not hold the message (IT only ever receives what is addressed to it).'));
}

// ---------------------------------------------------------------------------------------------- services

function hostOf(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || '5432'}`;
  } catch {
    return 'the configured server';
  }
}

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.name === 'TimeoutError') return 'timed out';
  const cause = (error as { cause?: unknown }).cause;
  // undici says only "fetch failed" and keeps the reason (ECONNREFUSED…) in the cause.
  if (cause instanceof Error) return `${error.message}: ${describeError(cause)}`;
  // Refused on both IPv4 and IPv6: an AggregateError with an empty message and the reasons inside.
  if (!error.message && error instanceof AggregateError) return error.errors.map(describeError).join('; ');
  return error.message || error.name;
}

/** Errors that a service still starting gives: worth waiting for, unlike a refused password. */
function starting(error: unknown): boolean {
  const text = describeError(error);
  const code = (error as { code?: string }).code;
  return (
    code === '57P03' || // PostgreSQL: the database system is starting up
    /ECONNREFUSED|ECONNRESET|ENOENT|ETIMEDOUT|EHOSTUNREACH|timed out|starting up|socket hang up/i.test(text)
  );
}

/** PostgreSQL refused who we are: waiting will not help, the URL must change. */
function pgLoginRefused(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return code === '28P01' || code === '28000' || /password|authentication/i.test(describeError(error));
}

/** One probe, retried while the service looks like it is starting, until `deadline`. */
async function probeUntil(what: string, deadline: number, probe: () => Promise<void>): Promise<unknown> {
  let announced = false;
  for (;;) {
    try {
      await probe();
      return null;
    } catch (error) {
      if (!starting(error) || Date.now() >= deadline) return error;
      if (!announced)
        say(dim(`  waiting for ${what} (up to ${SERVICE_WAIT_MS / 1000} s: it may be starting)…`));
      announced = true;
      await sleep(1_000);
    }
  }
}

/**
 * Probes PostgreSQL and AMQP together (waiting up to a minute for services that are starting), then finds
 * a way to make the vhost and users: the management API, or rabbitmqctl when the API does not answer. One
 * run reports every missing piece, each with what to run.
 */
export async function preflight(
  services: Services = SERVICES,
  waitMs = SERVICE_WAIT_MS,
): Promise<BrokerProvisioner> {
  const deadline = Date.now() + waitMs;
  const [pgError, amqpError] = await Promise.all([
    probeUntil(`PostgreSQL at ${hostOf(services.pgAdminUrl)}`, deadline, async () => {
      const client = new Client({
        connectionString: services.pgAdminUrl,
        connectionTimeoutMillis: PROBE_TIMEOUT_MS,
      });
      try {
        await client.connect();
      } finally {
        await client.end().catch(() => undefined);
      }
    }),
    probeUntil(`RabbitMQ at ${services.amqpHost}`, deadline, async () => {
      const connection = await amqp.connect(`amqp://guest:guest@${services.amqpHost}`, {
        timeout: PROBE_TIMEOUT_MS,
      });
      await connection.close();
    }),
  ]);
  const problems: string[][] = [];
  if (pgError) {
    problems.push(
      pgLoginRefused(pgError)
        ? [
            `PostgreSQL at ${hostOf(services.pgAdminUrl)} refused the login: ${describeError(pgError)}`,
            'give the demo a user who may create databases and roles, with its password, e.g. on Debian:',
            `  sudo -u postgres psql -c "ALTER USER postgres PASSWORD 'choose-one'"`,
            '  TRM_PG_ADMIN_URL=postgres://postgres:choose-one@127.0.0.1:5432/postgres npm run demo',
          ]
        : [
            `PostgreSQL is not reachable at ${hostOf(services.pgAdminUrl)}: ${describeError(pgError)}`,
            'start it: sudo systemctl start postgresql   (or: docker compose up -d --wait postgres)',
            'or set TRM_PG_ADMIN_URL=postgres://user:password@host:5432/postgres (a user who may create databases)',
          ],
    );
  }
  let broker: BrokerProvisioner | undefined;
  if (amqpError) {
    problems.push([
      `RabbitMQ is not reachable at ${services.amqpHost}: ${describeError(amqpError)}`,
      'start it: sudo systemctl start rabbitmq-server   (or: docker compose up -d --wait rabbitmq)',
      'or set TRM_AMQP_HOST=host:5672 (the demo declares queues there as guest/guest)',
    ]);
  } else {
    const choice = await chooseProvisioner(services.managementUrl, services.rabbitmqctl, PROBE_TIMEOUT_MS);
    broker = choice.provisioner;
    if (broker && choice.managementProblem)
      say(dim(`  the management API does not answer; the vhost and users are made with ${broker.via}`));
    if (!broker && choice.managementRefused) {
      problems.push([
        `The RabbitMQ management API refused: ${choice.managementProblem}`,
        'check the administrator credentials in RABBITMQ_MANAGEMENT_URL=http://user:password@host:15672',
      ]);
    } else if (!broker) {
      problems.push([
        `Neither the RabbitMQ management API (${choice.managementProblem}) nor rabbitmqctl (${choice.rabbitmqctlProblem}) can make the demo's vhost and users`,
        'either run rabbitmqctl as a user who may (root or rabbitmq):',
        '  TRM_RABBITMQCTL="sudo rabbitmqctl" npm run demo',
        'or enable the management API once, then run the demo again:',
        '  sudo rabbitmq-plugins enable rabbitmq_management',
        'or set RABBITMQ_MANAGEMENT_URL=http://user:password@host:15672',
      ]);
    }
  }
  if (problems.length > 0 || !broker) {
    const lines = problems.map(([first, ...hints]) =>
      [`  ✗ ${first}`, ...hints.map((h) => `      ${h}`)].join('\n'),
    );
    throw new DemoError(`the services the demo needs are not all there\n${lines.join('\n')}`);
  }
  return broker;
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    // No host: the node listens on every interface, so that is where a conflict would be.
    server.listen(port, () => server.close(() => resolve(true)));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function choosePorts(): Promise<Record<Code, number>> {
  const ports = { ...PREFERRED_PORTS };
  for (const code of CODES) if (!(await portIsFree(ports[code]))) ports[code] = await freePort();
  return ports;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// ---------------------------------------------------------------------------------------------- lifecycle

/** Owns what the run created, and removes it exactly once whichever way the run ends. */
export class DemoSession {
  federation: LocalFederation | null = null;
  /** The brokers of --federated: stopped after the federation is torn down. */
  brokers: RabbitmqNode[] = [];
  private cleaning: Promise<void> | null = null;

  cleanUp(): Promise<void> {
    this.cleaning ??= this.tearDown();
    return this.cleaning;
  }

  private async tearDown(): Promise<void> {
    try {
      await this.tearDownFederation();
    } finally {
      await Promise.all(this.brokers.map((broker) => broker.stop()));
    }
  }

  private async tearDownFederation(): Promise<void> {
    const federation = this.federation;
    if (!federation) return;
    const started = Date.now();
    await Promise.all([...federation.nodes.values()].map((node) => stopNode(federation, node)));
    await federation.tearDown();
    const leftovers = await leftoversOf(federation);
    if (leftovers.length === 0) {
      say(
        dim(`Cleaned up in ${seconds(Date.now() - started)}: nodes stopped; vhost, databases, keys removed.`),
      );
    } else {
      warn(`Clean-up incomplete; remove by hand: ${leftovers.join('; ')}`);
    }
  }
}

/**
 * SIGTERM, then SIGKILL if the node hangs. A node that already exited (Ctrl-C reaches the whole process
 * group, and a Nest node re-raises the signal after its shutdown hooks) is only forgotten: waiting for its
 * 'exit' event again would wait forever.
 */
async function stopNode(federation: LocalFederation, node: RunningNode): Promise<void> {
  const child = node.process;
  if (child && (child.exitCode !== null || child.signalCode !== null)) {
    federation.nodes.delete(node.code);
    return;
  }
  const timer = setTimeout(() => child?.kill('SIGKILL'), NODE_STOP_TIMEOUT_MS);
  try {
    await federation.stop(node.code);
  } finally {
    clearTimeout(timer);
  }
}

/** LocalFederation.tearDown swallows its errors, so the demo checks what is really gone. */
async function leftoversOf(federation: LocalFederation): Promise<string[]> {
  const leftovers: string[] = [];
  try {
    if (await federation.broker.vhostExists(federation.vhost))
      leftovers.push(`RabbitMQ vhost ${federation.vhost}`);
  } catch {
    leftovers.push(`RabbitMQ vhost ${federation.vhost} (could not check)`);
  }
  const client = new Client({
    connectionString: SERVICES.pgAdminUrl,
    connectionTimeoutMillis: PROBE_TIMEOUT_MS,
  });
  // Everything of the run is named trm_<run>_…: its databases, and any role the federation made for them.
  const pattern = `${federation.databaseName('').replace(/_/g, '\\_')}%`;
  try {
    await client.connect();
    const found = await client.query<{ kind: string; name: string }>(
      `SELECT 'database' AS kind, datname AS name FROM pg_database WHERE datname LIKE $1
       UNION ALL SELECT 'role', rolname FROM pg_roles WHERE rolname LIKE $1`,
      [pattern],
    );
    leftovers.push(...found.rows.map((r) => `${r.kind} ${r.name}`));
  } catch {
    leftovers.push(`databases ${federation.databaseName('*')} (could not check)`);
  } finally {
    await client.end().catch(() => undefined);
  }
  if (existsSync(federation.workDir)) leftovers.push(`directory ${federation.workDir}`);
  return leftovers;
}

interface DemoOptions {
  keep: boolean;
  federated: boolean;
}

export function parseArgs(argv: string[]): DemoOptions | 'help' {
  let keep = false;
  let federated = false;
  for (const arg of argv) {
    if (arg === '--help' || arg === '-h') return 'help';
    if (arg === '--keep') keep = true;
    else if (arg === '--federated') federated = true;
    else throw new DemoError(`unknown argument ${arg}\n${USAGE}`);
  }
  return { keep, federated };
}

/** The demo's federation: FR, IT and MK on the given services, leaving no broker user it made behind. */
export function demoFederation(
  broker: BrokerProvisioner,
  services: Services = SERVICES,
  codes: readonly string[] = CODES,
  brokers?: Record<string, LocalBroker>,
): LocalFederation {
  return new LocalFederation({
    codes: [...codes],
    brokers,
    logLevel: 'warn',
    pgAdminUrl: services.pgAdminUrl,
    amqpHost: services.amqpHost,
    managementUrl: services.managementUrl,
    broker,
    removeCreatedUsers: true,
    // Every demo node is a trm-broker node: each announces the envelope extensions it takes (docs/protocol.md).
    participants: Object.fromEntries(
      codes.map((code) => [code, { extensions: ['USE_RESTRICTIONS', 'LANGUAGE'] }]),
    ),
  });
}

/** --federated: one RabbitMQ node per country, started here, each its own ports and data directory. */
async function startBrokers(session: DemoSession): Promise<Record<string, LocalBroker>> {
  const started = Date.now();
  const run = Math.random().toString(16).slice(2, 8);
  const results = await Promise.allSettled(
    CODES.map((code) =>
      RabbitmqNode.start({ name: `trm-demo-${run}-${code.toLowerCase()}` }).then((broker) => {
        session.brokers.push(broker);
        return [code, broker] as const;
      }),
    ),
  );
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) throw new DemoError(`a country's broker did not start: ${describeError(failed.reason)}`);
  const brokers = Object.fromEntries(
    results.map((r) => (r as PromiseFulfilledResult<readonly [Code, RabbitmqNode]>).value),
  );
  say(
    `  ${green('✓')} 3 brokers, one per country (federation plugin): ${CODES.map((c) => `${c} :${brokers[c].amqpPort}`).join(', ')}  ${dim(seconds(Date.now() - started))}`,
  );
  return Object.fromEntries(
    CODES.map((c) => [c, { amqpHost: brokers[c].amqpHost, managementUrl: brokers[c].managementUrl }]),
  );
}

async function startFederation(
  session: DemoSession,
  broker: BrokerProvisioner,
  federated: boolean,
): Promise<Record<Code, DemoNode>> {
  say(bold('Setting up'));
  const brokers = federated ? await startBrokers(session) : undefined;
  const federation = demoFederation(broker, SERVICES, CODES, brokers);
  const runId = federation.runId;
  session.federation = federation;
  say(dim(`  run ${runId} · vhost ${federation.vhost} · databases ${federation.databaseName('*')}`));

  let started = Date.now();
  await federation.setUp();
  say(
    `  ${green('✓')} vhost, broker users FR IT MK, keys, directory (signed by the run's trust anchor), queues, 3 databases  ${dim(seconds(Date.now() - started))}`,
  );
  if (federated) {
    started = Date.now();
    await federation.linkBrokers();
    say(
      `  ${green('✓')} 6 federation links (each broker's trm.transnational from each other's), running  ${dim(seconds(Date.now() - started))}`,
    );
  }

  started = Date.now();
  const ports = await choosePorts();
  // The nodes write warnings to the demo's own stdout: without a terminal, colour codes would only be noise.
  // Text logs for a person reading along, unless TRM_LOG_FORMAT=json asks for lines to follow a message by.
  const nodeEnv: Record<string, string> = {
    ...(colour ? {} : { NO_COLOR: '1' }),
    TRM_LOG_FORMAT: process.env.TRM_LOG_FORMAT || 'text',
  };
  // Three brokers of its own share the machine with the nodes: their first start may take longer.
  const startTimeoutMs = federated ? 180_000 : 60_000;
  const running = await Promise.all(
    CODES.map((code) => federation.spawn(code, ports[code], nodeEnv, startTimeoutMs)),
  );
  const nodes = Object.fromEntries(
    running.map((node) => [node.code, { code: node.code as Code, url: node.url }]),
  ) as Record<Code, DemoNode>;
  const listing = CODES.map((code) => `${code} :${ports[code]}`).join(', ');
  say(`  ${green('✓')} 3 nodes, one process each: ${listing}  ${dim(seconds(Date.now() - started))}`);
  say();
  return nodes;
}

async function keepRunning(
  nodes: Record<Code, DemoNode>,
  caseRef: string,
  stop: Promise<void>,
): Promise<void> {
  say();
  say(bold('The nodes keep running') + dim('  (Ctrl-C stops them and removes everything)'));
  for (const code of CODES)
    say(`  ${code}  console ${cyan(`${nodes[code].url}/`)}   API docs ${cyan(`${nodes[code].url}/docs`)}`);
  // The local accounts every demo node has (docs/access.md): for trying the console, never for production.
  say(
    dim(
      `  Log in with: ${Object.entries(LOCAL_ACCOUNTS)
        .map(([role, account]) => `${role} ${account.name} / ${account.password}`)
        .join(', ')}`,
    ),
  );
  say(dim(`  The case: ${caseRef} (in the console: Cases; every read of its personal data is audited)`));
  await stop;
  say();
}

/** Runs the demo; resolves to the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const options = parseArgs(argv);
  if (options === 'help') {
    say(USAGE);
    return 0;
  }
  const session = new DemoSession();
  let interrupted = false;
  // Set while --keep waits: then a signal is the normal way to finish, not an interruption.
  let releaseKeep: (() => void) | undefined;

  const onSignal = (signal: NodeJS.Signals): void => {
    if (releaseKeep) {
      const release = releaseKeep;
      releaseKeep = undefined;
      release();
      return;
    }
    if (interrupted) {
      warn(`${signal} again: exiting without finishing the clean-up.`);
      process.exit(130);
    }
    interrupted = true;
    warn(`\n${signal}: stopping the nodes and removing what the demo created…`);
    // Not left to main(): it may be stuck waiting for a node that the signal has just stopped.
    void session.cleanUp().finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const started = Date.now();
  let code = 0;
  try {
    say(
      bold('trm-broker demo') +
        ` · a return from France to North Macedonia over a local federation${options.federated ? ', one broker per country' : ''}`,
    );
    if (options.keep) {
      // Each node serves the console at /: build it now if `npm run build` has not (or it is stale).
      say(dim('  building the console for the nodes to serve (once; skipped while it is up to date)…'));
      ensureConsoleBuilt();
    }
    const broker = await preflight();
    const nodes = await startFederation(session, broker, options.federated);
    const played = await playCase(nodes);
    say();

    const views = Object.fromEntries(
      await Promise.all(CODES.map(async (c) => [c, await caseView(nodes[c], played.caseRef)] as const)),
    ) as Record<Code, MessageStatus[]>;
    const messages = mergeViews(views);
    printTimeline(messages, played.openedAt, played.refusals);
    say();
    printStatusTable(messages, played.caseRef);
    say();

    const business = messages.filter((m) => !isReceiptOrRejection(m.type));
    const delivered = business.filter((m) => m.statusAt[m.from as Code] === 'DELIVERED').length;
    const rejected = messages.filter((m) => Object.values(m.statusAt).includes('REJECTED')).length;
    const receipts = messages.filter((m) => m.type === 'DELIVERY_RECEIPT').length;
    const problems = checkFederation(
      messages,
      played.sent.map((m) => m.id),
    );
    const summary =
      `${business.length} messages, ${delivered} delivered, ${rejected} rejected ` +
      `(and ${receipts} delivery receipts) in ${seconds(Date.now() - started)}`;
    if (problems.length > 0) {
      say(red(bold(summary)));
      for (const problem of problems) say(red(`  ✗ ${problem}`));
      code = 1;
    } else {
      say(green(bold(summary)));
    }

    if (options.keep && code === 0) {
      await keepRunning(nodes, played.caseRef, new Promise<void>((resolve) => (releaseKeep = resolve)));
    }
  } catch (error) {
    if (!interrupted) {
      process.stderr.write(
        `\n${red(bold('demo failed:'))} ${error instanceof DemoError ? error.message : describeError(error)}\n`,
      );
      if (!(error instanceof DemoError) && error instanceof Error && error.stack) {
        process.stderr.write(
          process.env.DEBUG ? `${error.stack}\n` : dim('(DEBUG=1 shows the stack trace)\n'),
        );
      }
    }
    code = 1;
  } finally {
    await session.cleanUp().catch((error: unknown) => warn(`clean-up failed: ${describeError(error)}`));
  }
  return interrupted ? 130 : code;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
