import { eventually, LOCAL_ACCOUNTS, type RunningNode } from '../../scripts/lib/local-federation';
import type { Role } from '../../src/auth/roles';
import { examplePayload } from '../../src/messages/examples';
import type { MessageType } from '../../src/messages/message-types';
import { CONSENT } from './foreign-peer';

export interface ApiResponse {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  /** The body as received (an export is not JSON). */
  text: string;
  headers: Headers;
}

/**
 * Who calls: one of the federation's accounts by role (the coordinator by default), nobody, a given token or
 * API key, or any account by name and password.
 */
export type Caller =
  Role | 'anonymous' | { token: string } | { apiKey: string } | { name: string; password: string };

export interface ApiOptions {
  as?: Caller;
  /** Sent as is instead of `body` as JSON, so that malformed bodies stay malformed. */
  rawBody?: string | Buffer;
  contentType?: string;
}

/** Tokens per node and account, renewed a minute before they expire. */
const tokens = new Map<string, { token: string; renewAt: number }>();

/** Logs in (POST /auth/token); throws unless it succeeds. */
export async function login(node: RunningNode, name: string, password: string): Promise<string> {
  const response = await api(node, 'POST', '/auth/token', { name, password }, { as: 'anonymous' });
  if (response.status !== 200) throw new Error(`login as ${name}: HTTP ${response.status}`);
  return response.body.accessToken as string;
}

async function credentials(node: RunningNode, caller: Caller): Promise<Record<string, string>> {
  if (caller === 'anonymous') return {};
  if (typeof caller === 'object' && 'token' in caller) return { authorization: `Bearer ${caller.token}` };
  if (typeof caller === 'object' && 'apiKey' in caller) return { 'x-api-key': caller.apiKey };
  const account = typeof caller === 'string' ? LOCAL_ACCOUNTS[caller] : caller;
  const key = `${node.url}|${account.name}|${account.password}`;
  let cached = tokens.get(key);
  if (!cached || cached.renewAt < Date.now()) {
    const token = await login(node, account.name, account.password);
    const { exp } = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as { exp: number };
    cached = { token, renewAt: exp * 1000 - 60_000 };
    tokens.set(key, cached);
  }
  return { authorization: `Bearer ${cached.token}` };
}

/** Every HTTP call of the tests: authenticated as the coordinator unless `options.as` says otherwise. */
export async function api(
  node: RunningNode,
  method: string,
  path: string,
  body?: unknown,
  options: ApiOptions = {},
): Promise<ApiResponse> {
  const response = await fetch(`${node.url}${path}`, {
    method,
    headers: {
      'content-type': options.contentType ?? 'application/json',
      ...(await credentials(node, options.as ?? 'coordinator')),
    },
    body: options.rawBody ?? (body === undefined ? undefined : JSON.stringify(body)),
  });
  const text = await response.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // not JSON (an export, a CSV): the caller reads `text`
  }
  return { status: response.status, body: parsed, text, headers: response.headers };
}

export async function openCase(node: RunningNode, facts: Record<string, string> = {}): Promise<string> {
  const response = await api(node, 'POST', '/cases', facts);
  if (response.status !== 201) throw new Error(`open case: HTTP ${response.status}`);
  return response.body.caseRef as string;
}

export const ALL_SCOPES = CONSENT.scopes;

export async function recordConsent(
  node: RunningNode,
  caseRef: string,
  consent: { scopes?: string[]; recipients?: string[]; givenBy?: string; expiresAt?: string } = {},
): Promise<string> {
  const response = await api(node, 'POST', `/cases/${caseRef}/consents`, {
    scopes: consent.scopes ?? ALL_SCOPES,
    recipients: consent.recipients ?? ['FR', 'IT', 'MK'],
    givenBy: consent.givenBy ?? 'GUARDIAN',
    informed: true,
    informedLanguage: 'mk',
    ...(consent.expiresAt ? { expiresAt: consent.expiresAt } : {}),
  });
  if (response.status !== 201)
    throw new Error(`record consent: HTTP ${response.status} ${JSON.stringify(response.body)}`);
  return response.body.consentId as string;
}

export async function recordAssessment(
  node: RunningNode,
  caseRef: string,
  assessment: {
    level?: string;
    complete?: boolean;
    protectionPlan?: string;
    validUntil?: string;
    factors?: Array<{ code: string; status: string }>;
  } = {},
): Promise<string> {
  const response = await api(node, 'POST', `/cases/${caseRef}/risk-assessments`, {
    level: assessment.level ?? 'LOW',
    factors: assessment.factors ?? [
      { code: 'RF-01', status: 'ABSENT' },
      { code: 'RF-04', status: 'ABSENT' },
    ],
    summary: 'Reception arrangements checked with the receiving NGO; no threat reported.',
    complete: assessment.complete ?? true,
    ...(assessment.protectionPlan ? { protectionPlan: assessment.protectionPlan } : {}),
    validUntil: assessment.validUntil ?? new Date(Date.now() + 30 * 86_400_000).toISOString(),
  });
  if (response.status !== 201)
    throw new Error(`record assessment: HTTP ${response.status} ${JSON.stringify(response.body)}`);
  return response.body.id as string;
}

/** Names a child's guardian on the case (an institution, no personal name), as a child's referral needs. */
export async function recordGuardian(node: RunningNode, caseRef: string): Promise<void> {
  const response = await api(node, 'PUT', `/cases/${caseRef}/guardian`, {
    kind: 'GUARDIAN',
    institution: 'Child protection service',
    appointedAt: '2026-11-20',
  });
  if (response.status !== 200)
    throw new Error(`record guardian: HTTP ${response.status} ${JSON.stringify(response.body)}`);
}

/**
 * A case that may carry anything: consent for every scope and recipient, a current LOW assessment, and a
 * guardian (the example referral is a child's).
 */
export async function openSharableCase(node: RunningNode): Promise<string> {
  const caseRef = await openCase(node, { identificationStatus: 'IDENTIFIED_VICTIM' });
  await recordConsent(node, caseRef);
  await recordAssessment(node, caseRef);
  await recordGuardian(node, caseRef);
  return caseRef;
}

/** Grants an agency (by code: its HTTP accounts and its AMQP system) a case, as the coordinator. */
export async function grantAgency(node: RunningNode, agency: string, caseRef: string): Promise<void> {
  const response = await api(node, 'POST', `/admin/agencies/${agency}/case-grants`, { caseRef });
  if (response.status !== 201)
    throw new Error(
      `grant ${caseRef} to ${agency}: HTTP ${response.status} ${JSON.stringify(response.body)}`,
    );
}

/** Grants the demo auditor account the case, as an admin: what an auditor needs to open its evidence. */
export async function grantAuditor(node: RunningNode, caseRef: string): Promise<void> {
  const response = await api(
    node,
    'POST',
    '/admin/accounts/auditor/case-grants',
    { caseRef },
    { as: 'admin' },
  );
  if (response.status !== 201)
    throw new Error(
      `grant ${caseRef} to the auditor: HTTP ${response.status} ${JSON.stringify(response.body)}`,
    );
}

export async function sendMessage(
  node: RunningNode,
  caseRef: string,
  message: {
    type: string;
    to: string;
    payload: unknown;
    legalBasis?: string;
    inReplyTo?: string;
    redact?: boolean;
    /** The free text's language (ISO 639-1): docs/protocol.md, "Language of the free text". */
    language?: string;
  },
): Promise<ApiResponse> {
  return api(node, 'POST', `/cases/${caseRef}/messages`, { legalBasis: 'CONSENT', ...message });
}

export async function messageStatus(node: RunningNode, id: string): Promise<Record<string, string | null>> {
  const response = await api(node, 'GET', `/messages/${id}`);
  if (response.status !== 200) throw new Error(`message status: HTTP ${response.status}`);
  return response.body;
}

/** Waits until the sender records the peer's receipt; returns the message's final status view. */
export async function waitDelivered(
  node: RunningNode,
  id: string,
  timeoutMs = 20_000,
): Promise<Record<string, string | null>> {
  return eventually(
    async () => {
      const status = await messageStatus(node, id);
      return status.status === 'DELIVERED' ? status : undefined;
    },
    timeoutMs,
    `${id} delivered`,
  );
}

/** Sends the type's example payload on the case and waits for the peer's receipt; returns the message's id. */
export async function sendExampleDelivered(
  node: RunningNode,
  caseRef: string,
  type: MessageType,
  to: string,
): Promise<string> {
  const sent = await sendMessage(node, caseRef, { type, to, payload: examplePayload(type) });
  if (sent.status !== 202) throw new Error(`${type}: HTTP ${sent.status} ${JSON.stringify(sent.body)}`);
  await waitDelivered(node, sent.body.id as string);
  return sent.body.id as string;
}

/** A second admin, for what one admin asks and another confirms (four eyes). */
export const SECOND_ADMIN = { name: 'admin-two', password: 'second-admin-password-1' };

/** Makes SECOND_ADMIN on the node (once per node), as its first admin. */
export async function createSecondAdmin(node: RunningNode): Promise<void> {
  const created = await api(
    node,
    'POST',
    '/admin/accounts',
    { ...SECOND_ADMIN, role: 'admin' },
    { as: 'admin' },
  );
  if (created.status !== 201) throw new Error(`second admin: HTTP ${created.status}`);
}

/** Erases the case as docs/retention.md says: the first admin asks, SECOND_ADMIN confirms. */
export async function eraseByTwoAdmins(node: RunningNode, caseRef: string): Promise<void> {
  const asked = await api(node, 'POST', `/cases/${caseRef}/erasure`, undefined, { as: 'admin' });
  if (asked.status !== 200) throw new Error(`erasure asked: HTTP ${asked.status}`);
  const confirmed = await api(node, 'POST', `/cases/${caseRef}/erasure/confirm`, undefined, {
    as: SECOND_ADMIN,
  });
  if (confirmed.status !== 200) throw new Error(`erasure confirmed: HTTP ${confirmed.status}`);
}

/**
 * Proves that `from`'s pipeline to `to` has run since the call: a CASE_UPDATE on a fresh case of its own, sent
 * now and delivered (the receiver processed it and its receipt came back). A "nothing arrived" check made
 * after it cannot pass merely because a slow machine had not delivered yet. Returns the marker's id.
 */
export async function laterMessageDelivered(from: RunningNode, to: string): Promise<string> {
  const caseRef = await openSharableCase(from);
  const sent = await sendMessage(from, caseRef, {
    type: 'CASE_UPDATE',
    to,
    payload: { sop: 3, summary: 'Marker: a later message from the same sender.' },
  });
  if (sent.status !== 202) throw new Error(`marker: HTTP ${sent.status} ${JSON.stringify(sent.body)}`);
  await waitDelivered(from, sent.body.id);
  return sent.body.id as string;
}
