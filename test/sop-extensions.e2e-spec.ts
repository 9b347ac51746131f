import { DEFAULT_DEADLINES_MS } from '../src/config/deadlines';
import { examplePayload } from '../src/messages/examples';
import { MESSAGE_TYPES, MessageType } from '../src/messages/message-types';
import { eventually, LocalFederation, RunningNode } from '../scripts/lib/local-federation';
import { ForeignPeer } from './support/foreign-peer';
import { startFrMkItaly, stopFrMkItaly } from './support/fr-mk-italy';
import {
  api,
  messageStatus,
  openCase,
  openSharableCase,
  recordAssessment,
  recordConsent,
  recordGuardian,
  sendMessage,
  waitDelivered,
} from './support/node-api';

/**
 * The SOP 2, 3 and 5 extensions of docs/protocol.md between real nodes: every new type goes FR → MK and comes
 * back with its receipt, an answer settles its request's expectation, an offender's release reaches the
 * victim's country on a closed case, and a type a participant does not announce is refused on both sides.
 */

/** MK announces every type; FR every type but the compensation update; Italy (PROTOCOL.md only) none of them. */
const NOT_AT_FR: MessageType = 'COMPENSATION_CLAIM_UPDATE';

const PAIRS = [
  ['TRAVEL_DOCUMENT_REQUEST', 'TRAVEL_DOCUMENT_RESULT'],
  ['WITNESS_APPEARANCE_REQUEST', 'WITNESS_APPEARANCE_RESPONSE'],
] as const;

const REPORTS: MessageType[] = [
  'MISSING_PERSON_SEARCH_RESULT',
  'ASSISTANCE_STEP_REPORT',
  'COMPLAINT_TRANSFER',
  'PROCEEDINGS_STATUS',
  'COMPENSATION_CLAIM_UPDATE',
];

const RELEASE = {
  event: 'OFFENDER_RELEASED',
  authority: 'Tribunal judiciaire de Paris, juge de l’application des peines',
  release: {
    at: new Date(Date.now() + 7 * 86_400_000).toISOString(),
    releaseKind: 'CONDITIONAL_RELEASE',
    conditions: ['no contact with the victim or her family'],
  },
};

interface ExpectationView {
  requestMessageId: string;
  requestType: string;
  expectedTypes: string[];
  direction: string;
  status: string;
  requestedAt: string;
  dueAt: string;
  answerMessageId: string | null;
}

describe('SOP 2, 3 and 5 extensions (real PostgreSQL and RabbitMQ)', () => {
  const federation = new LocalFederation({
    codes: ['FR', 'MK', 'IT'],
    logLevel: 'error',
    participants: {
      FR: { accepts: MESSAGE_TYPES.filter((type) => type !== NOT_AT_FR) },
      MK: { accepts: [...MESSAGE_TYPES] },
    },
  });
  let fr: RunningNode;
  let mk: RunningNode;
  let italy: ForeignPeer;

  beforeAll(async () => {
    ({ fr, mk, italy } = await startFrMkItaly(federation));
  }, 180_000);

  afterAll(() => stopFrMkItaly(federation, italy));

  const expectationOf = async (node: RunningNode, caseRef: string, request: string) => {
    const response = await api(node, 'GET', `/cases/${caseRef}/expectations`);
    expect(response.status).toBe(200);
    expect(response.body.nextCursor).toBeNull();
    return (response.body.items as ExpectationView[]).find((e) => e.requestMessageId === request);
  };

  /** What the node's console offers to compose on the case: type → recipients. */
  const composable = async (node: RunningNode, caseRef: string): Promise<Record<string, string[]>> => {
    const response = await api(node, 'GET', `/cases/${caseRef}/compose-options`);
    expect(response.status).toBe(200);
    return Object.fromEntries(
      (response.body.options as Array<{ type: string; to: string[] }>).map((o) => [o.type, o.to]),
    );
  };

  /** Sends and waits for the receipt; the receiver holds the message as accepted. */
  async function deliver(
    from: RunningNode,
    receiver: RunningNode,
    caseRef: string,
    message: { type: MessageType; to: string; payload: unknown; inReplyTo?: string },
  ): Promise<string> {
    const sent = await sendMessage(from, caseRef, message);
    expect({ type: message.type, status: sent.status, body: sent.status === 202 ? null : sent.body }).toEqual(
      {
        type: message.type,
        status: 202,
        body: null,
      },
    );
    await waitDelivered(from, sent.body.id, 20_000);
    expect(await messageStatus(receiver, sent.body.id)).toMatchObject({
      status: 'ACCEPTED',
      type: message.type,
    });
    return sent.body.id as string;
  }

  it.each(PAIRS)(
    '%s goes FR → MK with its receipt, opens an expectation on both sides, and MK’s answer naming it settles it',
    async (request, answer) => {
      const caseRef = await openSharableCase(fr);
      const asked = await deliver(fr, mk, caseRef, {
        type: request,
        to: 'MK',
        payload: examplePayload(request),
      });

      const awaited = await expectationOf(fr, caseRef, asked);
      expect(awaited).toMatchObject({
        requestType: request,
        expectedTypes: [answer],
        direction: 'AWAITED',
        status: 'OPEN',
      });
      expect(Date.parse(awaited!.dueAt) - Date.parse(awaited!.requestedAt)).toBe(
        DEFAULT_DEADLINES_MS[request],
      );
      expect(await expectationOf(mk, caseRef, asked)).toMatchObject({ direction: 'OWED', status: 'OPEN' });

      await recordConsent(mk, caseRef, { recipients: ['FR'] });
      // MK's console offers the answer, to FR, now that FR asked.
      expect(await composable(mk, caseRef)).toMatchObject({ [answer]: ['FR'] });
      // An answer names its request: without inReplyTo, or naming another message, it is refused before it
      // leaves (the case lifecycle: answers correlate to their request).
      const another = `${asked.slice(0, -1)}${asked.endsWith('0') ? '1' : '0'}`;
      for (const inReplyTo of [undefined, another]) {
        const unnamed = await sendMessage(mk, caseRef, {
          type: answer,
          to: 'FR',
          payload: examplePayload(answer),
          inReplyTo,
        });
        expect({ status: unnamed.status, reasons: unnamed.body.reasons }).toEqual({
          status: 409,
          reasons: [
            {
              code: 'CASE_STATE_CONFLICT',
              message: `${answer} answers ${request}, named in inReplyTo, and the case has none such from FR`,
            },
          ],
        });
      }

      const answered = await deliver(mk, fr, caseRef, {
        type: answer,
        to: 'FR',
        payload: examplePayload(answer),
        inReplyTo: asked,
      });
      for (const node of [fr, mk]) {
        await eventually(
          async () => {
            const e = await expectationOf(node, caseRef, asked);
            return e?.status === 'ANSWERED' && e.answerMessageId === answered ? e : undefined;
          },
          20_000,
          `${request} answered on ${node.code}`,
        );
      }
    },
  );

  it.each(PAIRS)(
    'the answer to %s goes FR → MK as well, naming MK’s request, and settles MK’s expectation',
    async (request, answer) => {
      const caseRef = await openSharableCase(mk);
      const asked = await deliver(mk, fr, caseRef, {
        type: request,
        to: 'FR',
        payload: examplePayload(request),
      });
      await recordConsent(fr, caseRef, { recipients: ['MK'] });
      const answered = await deliver(fr, mk, caseRef, {
        type: answer,
        to: 'MK',
        payload: examplePayload(answer),
        inReplyTo: asked,
      });
      const settled = await eventually(
        async () => {
          const e = await expectationOf(mk, caseRef, asked);
          return e?.status === 'ANSWERED' ? e : undefined;
        },
        20_000,
        `${request} answered on MK`,
      );
      expect(settled).toMatchObject({ direction: 'AWAITED', answerMessageId: answered });
    },
  );

  it.each(REPORTS)('%s goes FR → MK and comes back with its receipt', async (type) => {
    const caseRef = await openSharableCase(fr);
    const id = await deliver(fr, mk, caseRef, { type, to: 'MK', payload: examplePayload(type) });
    // A report opens no expectation.
    expect(await expectationOf(fr, caseRef, id)).toBeUndefined();
  });

  it('tells the victim’s country of an offender’s release without CRIMINAL_PROCEEDINGS consent, and after the case closed', async () => {
    const caseRef = await openCase(fr, { identificationStatus: 'IDENTIFIED_VICTIM' });
    // She consented to assistance only: she does not cooperate with the prosecution.
    await recordConsent(fr, caseRef, { scopes: ['SHARE_IDENTITY'], recipients: ['MK'] });
    await recordAssessment(fr, caseRef);
    await recordGuardian(fr, caseRef);

    const hearing = await sendMessage(fr, caseRef, {
      type: 'PROCEEDINGS_STATUS',
      to: 'MK',
      payload: examplePayload('PROCEEDINGS_STATUS'),
    });
    expect(hearing.status).toBe(422);
    expect(hearing.body.reasons.map((r: { code: string; scope?: string }) => [r.code, r.scope])).toEqual([
      ['CONSENT_INSUFFICIENT', 'CRIMINAL_PROCEEDINGS'],
    ]);
    await deliver(fr, mk, caseRef, { type: 'PROCEEDINGS_STATUS', to: 'MK', payload: RELEASE });

    // France closes the case with MK; years later the offender is released: she must still be told.
    const closed = await api(fr, 'POST', `/cases/${caseRef}/close`, { reason: 'COMPLETED' });
    expect(closed.status).toBe(202);
    await waitDelivered(fr, closed.body.notified[0].messageId, 20_000);
    const update = await sendMessage(fr, caseRef, {
      type: 'CASE_UPDATE',
      to: 'MK',
      payload: examplePayload('CASE_UPDATE'),
    });
    expect(update.status).toBe(409);
    // The console still offers the proceedings status on the closed case (as a release), and no update.
    const offered = await composable(fr, caseRef);
    expect(offered.PROCEEDINGS_STATUS).toEqual(['MK']);
    expect(offered.CASE_UPDATE).toBeUndefined();
    const escaped = {
      ...RELEASE,
      event: 'OFFENDER_ESCAPED',
      release: { at: new Date().toISOString() },
    };
    const notice = await deliver(fr, mk, caseRef, { type: 'PROCEEDINGS_STATUS', to: 'MK', payload: escaped });
    const atMk = await api(mk, 'GET', `/cases/${caseRef}`);
    expect(atMk.body.messages.find((m: { id: string }) => m.id === notice).payload).toEqual(escaped);

    // MK owes word that she was told, within two days: on its coordinator's worklist, escalated if late.
    const awaited = await expectationOf(fr, caseRef, notice);
    expect(awaited).toMatchObject({ requestType: 'PROCEEDINGS_STATUS', expectedTypes: ['CASE_UPDATE'] });
    expect(Date.parse(awaited!.dueAt) - Date.parse(awaited!.requestedAt)).toBe(
      DEFAULT_DEADLINES_MS.PROCEEDINGS_STATUS,
    );
    const worklist = await api(mk, 'GET', '/worklist');
    expect(
      (worklist.body.owed as ExpectationView[]).filter((e) => e.requestMessageId === notice),
    ).toMatchObject([{ direction: 'OWED', status: 'OPEN' }]);
    // Only an update naming the notice settles it, and it goes through though the case is closed.
    await recordConsent(mk, caseRef, { recipients: ['FR'] });
    const told = await deliver(mk, fr, caseRef, {
      type: 'CASE_UPDATE',
      to: 'FR',
      payload: {
        sop: 2,
        summary: 'She was told by her case manager; the police patrol near her home again.',
      },
      inReplyTo: notice,
    });
    await eventually(
      async () => {
        const e = await expectationOf(fr, caseRef, notice);
        return e?.status === 'ANSWERED' && e.answerMessageId === told ? e : undefined;
      },
      20_000,
      'the release told',
    );
  });

  it('never sends a new type to a participant that does not announce it, and one that does not answers NOT_ACCEPTED', async () => {
    // MK → FR: FR's directory entry does not list the compensation update.
    const mkCase = await openSharableCase(mk);
    const toFrance = await sendMessage(mk, mkCase, {
      type: NOT_AT_FR,
      to: 'FR',
      payload: examplePayload(NOT_AT_FR),
    });
    expect(toFrance.status).toBe(422);
    expect(toFrance.body.reasons.map((r: { code: string }) => r.code)).toEqual(['NOT_ACCEPTED']);

    // FR → IT: Italy's entry leaves `accepts` out, which means every PROTOCOL.md type and no extension.
    const frCase = await openSharableCase(fr);
    const toItaly = await sendMessage(fr, frCase, {
      type: 'PROCEEDINGS_STATUS',
      to: 'IT',
      payload: examplePayload('PROCEEDINGS_STATUS'),
    });
    expect(toItaly.status).toBe(422);
    expect(toItaly.body.reasons.map((r: { code: string }) => r.code)).toEqual(['NOT_ACCEPTED']);

    // Italy's own software sends it anyway: FR, which does not announce it, rejects it; MK, which does, takes it.
    const caseRef = `TRM-IT-2026-${String(Date.now() % 1_000_000).padStart(6, '0')}`;
    const refused = await italy.send({
      type: NOT_AT_FR,
      to: 'FR',
      caseRef,
      payload: examplePayload(NOT_AT_FR),
    });
    const rejection = await italy.replyTo(refused);
    expect(rejection.envelope.type).toBe('DELIVERY_REJECTED');
    expect(rejection.payload.reasonCode).toBe('NOT_ACCEPTED');
    const taken = await italy.send({
      type: NOT_AT_FR,
      to: 'MK',
      caseRef,
      payload: examplePayload(NOT_AT_FR),
    });
    expect((await italy.replyTo(taken)).envelope.type).toBe('DELIVERY_RECEIPT');
  });
});
