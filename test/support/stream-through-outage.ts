import type { LocalFederation, RunningNode } from '../../scripts/lib/local-federation';
import { examplePayload } from '../../src/messages/examples';
import { openSharableCase, sendMessage, waitDelivered } from './node-api';

export const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A steady stream of CASE_UPDATEs from `from` to `to`, one every `everyMs`, for 3 s before `outage` runs and
 * until it returns (it gets the ids sent so far, growing). Then checks that nothing was lost or applied twice:
 * every message delivered, stored once by `to`, accepted once by its inbox, and one receipt each back on
 * `from`. Returns the ids sent.
 */
export async function streamThroughOutage(
  federation: LocalFederation,
  from: RunningNode,
  to: RunningNode,
  everyMs: number,
  outage: (ids: readonly string[]) => Promise<void>,
): Promise<string[]> {
  const caseRef = await openSharableCase(from);
  const ids: string[] = [];
  let streaming = true;
  const stream = (async () => {
    while (streaming) {
      const sent = await sendMessage(from, caseRef, {
        type: 'CASE_UPDATE',
        to: to.code,
        payload: examplePayload('CASE_UPDATE'),
      });
      expect(sent.status).toBe(202);
      ids.push(sent.body.id);
      await pause(everyMs);
    }
  })();
  try {
    await pause(3_000);
    await outage(ids);
  } finally {
    streaming = false;
    await stream;
  }

  for (const sentId of ids) await waitDelivered(from, sentId, 90_000);
  const inbound = await federation.query<{ n: number; uniq: number }>(
    to.code,
    `SELECT count(*)::int AS n, count(DISTINCT id)::int AS uniq FROM messages
      WHERE id = ANY($1::uuid[]) AND direction = 'INBOUND'`,
    [ids],
  );
  expect(inbound[0]).toEqual({ n: ids.length, uniq: ids.length });
  const accepted = await federation.query<{ n: number }>(
    to.code,
    `SELECT count(*)::int AS n FROM inbox WHERE message_id = ANY($1::text[]) AND outcome = 'ACCEPTED'`,
    [ids],
  );
  expect(accepted[0].n).toBe(ids.length);
  const receipts = await federation.query<{ n: number; uniq: number }>(
    from.code,
    `SELECT count(*)::int AS n, count(DISTINCT in_reply_to)::int AS uniq FROM messages
      WHERE type = 'DELIVERY_RECEIPT' AND direction = 'INBOUND' AND in_reply_to = ANY($1)`,
    [ids],
  );
  expect(receipts[0]).toEqual({ n: ids.length, uniq: ids.length });
  return ids;
}
