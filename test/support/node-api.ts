import type { RunningNode } from '../../scripts/lib/local-federation';
import { CONSENT } from './foreign-peer';

export interface ApiResponse {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

export async function api(
  node: RunningNode,
  method: string,
  path: string,
  body?: unknown,
): Promise<ApiResponse> {
  const response = await fetch(`${node.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', 'x-trm-actor': 'test-coordinator' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

export async function openCase(node: RunningNode): Promise<string> {
  const response = await api(node, 'POST', '/cases');
  if (response.status !== 201) throw new Error(`open case: HTTP ${response.status}`);
  return response.body.caseRef as string;
}

export async function sendMessage(
  node: RunningNode,
  caseRef: string,
  message: { type: string; to: string; payload: unknown; legalBasis?: string; inReplyTo?: string },
): Promise<ApiResponse> {
  const legalBasis = message.legalBasis ?? 'CONSENT';
  return api(node, 'POST', `/cases/${caseRef}/messages`, {
    ...message,
    legalBasis,
    ...(legalBasis === 'CONSENT' ? { consent: CONSENT } : {}),
  });
}

export async function messageStatus(node: RunningNode, id: string): Promise<Record<string, string | null>> {
  const response = await api(node, 'GET', `/messages/${id}`);
  if (response.status !== 200) throw new Error(`message status: HTTP ${response.status}`);
  return response.body;
}
