import { DataSource } from 'typeorm';
import { buildSchemas } from '../scripts/schemas';
import { CaseEntity } from '../src/cases/case.entity';
import * as catalogue from '../src/messages/catalogue';
import type { Envelope } from '../src/messages/catalogue';
import { examplePayload } from '../src/messages/examples';
import {
  isExtensionType,
  MESSAGE_TYPES,
  MessageType,
  SOP_OF_TYPE,
  TECHNICAL_TYPES,
  VITAL_INTEREST_TYPES,
} from '../src/messages/message-types';
import { TransferGate } from '../src/transfers/transfer.gate';
import { LOCAL_SECOND_COORDINATOR, LocalFederation, RunningNode } from '../scripts/lib/local-federation';
import { CONSENT, ForeignPeer, Reply } from './support/foreign-peer';
import {
  ALL_SCOPES,
  api,
  ApiResponse,
  openCase,
  openSharableCase,
  recordAssessment,
  recordConsent,
  recordGuardian,
  sendMessage,
  waitDelivered,
} from './support/node-api';

/**
 * The rules of domain.md a node must never break ("Rules the node must never break"), each proved end to end
 * on real nodes (FR and MK are trm-broker nodes, IT a PROTOCOL.md peer in plain amqplib), each written so that
 * it fails when the rule is taken out of the code. Every rule was checked that way when this file was written.
 */

type Payload = Record<string, unknown>;

const BUSINESS_TYPES = MESSAGE_TYPES.filter((t) => !(TECHNICAL_TYPES as readonly string[]).includes(t));
const payload = (type: MessageType, change: Payload = {}): Payload => {
  const result: Payload = { ...(examplePayload(type) as object), ...change };
  for (const [key, value] of Object.entries(change)) if (value === undefined) delete result[key];
  return result;
};
const reasonsOf = (response: ApiResponse) =>
  (response.body?.reasons ?? []) as Array<{
    code: string;
    message: string;
    scope?: string;
    overridable?: boolean;
  }>;

describe('the rules a node must never break (real PostgreSQL and RabbitMQ)', () => {
  // FR and MK announce every type of the catalogue, the extensions too (docs/protocol.md); IT none of them.
  const federation = new LocalFederation({
    codes: ['FR', 'MK', 'IT'],
    logLevel: 'error',
    participants: { FR: { accepts: [...MESSAGE_TYPES] }, MK: { accepts: [...MESSAGE_TYPES] } },
  });
  let fr: RunningNode;
  let mk: RunningNode;
  let italy: ForeignPeer;

  beforeAll(async () => {
    await federation.setUp();
    fr = await federation.start('FR');
    mk = await federation.start('MK');
    italy = await ForeignPeer.connect(federation, 'IT');
  });

  afterAll(async () => {
    await italy?.close();
    await federation.tearDown();
  });

  const count = async (code: string, sql: string, params: unknown[] = []): Promise<number> =>
    (await federation.query<{ n: number }>(code, `SELECT count(*)::int AS n FROM (${sql}) AS q`, params))[0]
      .n;

  /** FR's case, with what the rule under test does not take away: consent for MK and IT, assessment, guardian. */
  async function preparedCase(
    options: { identificationStatus?: string; scopes?: string[]; level?: string } = {},
  ): Promise<string> {
    const caseRef = await openCase(fr, {
      identificationStatus: options.identificationStatus ?? 'IDENTIFIED_VICTIM',
    });
    await recordConsent(fr, caseRef, { scopes: options.scopes, recipients: ['MK', 'IT'] });
    await recordAssessment(fr, caseRef, {
      level: options.level ?? 'LOW',
      protectionPlan: 'Escorted travel; police liaison at arrival; shelter address shared with nobody.',
    });
    await recordGuardian(fr, caseRef);
    return caseRef;
  }

  /**
   * The case as FR's API shows it: its record, its workflow and its business messages. Left out are the
   * timeline (the audit trail, where a refusal must show) and the technical messages (FR's DELIVERY_REJECTED).
   */
  async function caseAtFr(caseRef: string): Promise<unknown> {
    const response = await api(fr, 'GET', `/cases/${caseRef}`);
    expect(response.status).toBe(200);
    const { timeline: _, ...workflow } = response.body.workflow;
    const messages = (response.body.messages as Array<{ type: string }>).filter(
      (m) => !(TECHNICAL_TYPES as readonly string[]).includes(m.type),
    );
    return { case: response.body.case, workflow, messages };
  }

  /** IT's rejection of `id` by its receiver, once it came. */
  async function rejectionOf(id: string): Promise<Reply> {
    const reply = await italy.replyTo(id, 20_000);
    expect(reply.envelope.type).toBe('DELIVERY_REJECTED');
    return reply;
  }

  /**
   * The override path for a refusal marked overridable. Today one coordinator records it with a written
   * reason (POST /cases/:ref/risk-overrides); when overrides take four eyes (branch `integrity`), only this
   * helper changes. Returns the answer that recorded it (or refused to).
   */
  async function overrideRisk(
    caseRef: string,
    messageType: MessageType,
    reason: string,
  ): Promise<ApiResponse> {
    return api(fr, 'POST', `/cases/${caseRef}/risk-overrides`, { messageType, reason });
  }

  /** Four eyes: a second coordinator confirms the first one's override before the gate counts it. */
  async function confirmOverride(caseRef: string, id: string): Promise<ApiResponse> {
    return api(fr, 'POST', `/cases/${caseRef}/risk-overrides/${id}/confirm`, undefined, {
      as: LOCAL_SECOND_COORDINATOR,
    });
  }

  describe('no return or removal while identification is in progress', () => {
    const PENDING = ['PRESUMED_VICTIM', 'IDENTIFICATION_IN_PROGRESS'];
    const RULE = 'no return or removal while identification is in progress';

    it.each(PENDING)(
      'a case held as %s: FR refuses to send a RETURN_PLAN, and rejects a peer’s, changing nothing and auditing both',
      async (identificationStatus) => {
        const caseRef = await preparedCase({ identificationStatus });
        const before = await caseAtFr(caseRef);

        // The HTTP side: FR's own coordinator plans a return.
        const refused = await sendMessage(fr, caseRef, {
          type: 'RETURN_PLAN',
          to: 'MK',
          payload: payload('RETURN_PLAN'),
        });
        expect(refused.status).toBe(422);
        expect(reasonsOf(refused)).toEqual([{ code: 'POLICY_DENIED', message: RULE }]);
        const refusals = await federation.query<{ reason_code: string; decision: string }>(
          'FR',
          `SELECT reason_code, decision FROM audit_log WHERE case_ref = $1 AND action = 'MESSAGE_REFUSED'`,
          [caseRef],
        );
        expect(refusals).toEqual([{ reason_code: 'POLICY_DENIED', decision: 'DENY' }]);

        // The wire: another country sends a return plan for the person FR still identifies.
        const id = await italy.send({
          type: 'RETURN_PLAN',
          to: 'FR',
          caseRef,
          payload: payload('RETURN_PLAN'),
        });
        const rejection = await rejectionOf(id);
        expect(rejection.payload.reasonCode).toBe('POLICY_DENIED');
        expect(rejection.payload.reason).toContain(RULE);
        const rejected = await federation.query<{
          counterpart: string;
          reason_code: string;
          decision: string;
        }>(
          'FR',
          `SELECT counterpart, reason_code, decision FROM audit_log WHERE message_id = $1 AND action = 'MESSAGE_REJECTED'`,
          [id],
        );
        expect(rejected).toEqual([{ counterpart: 'IT', reason_code: 'POLICY_DENIED', decision: 'DENY' }]);

        // Nothing in the case changed: no return plan stored either way, the same case, workflow and messages.
        expect(
          await count('FR', `SELECT 1 FROM messages WHERE case_ref = $1 AND type = 'RETURN_PLAN'`, [caseRef]),
        ).toBe(0);
        expect(await caseAtFr(caseRef)).toEqual(before);
      },
    );
  });

  describe('assistance is never conditional on cooperation with the police', () => {
    const WITHOUT_PROCEEDINGS = ALL_SCOPES.filter((s) => s !== 'CRIMINAL_PROCEEDINGS');
    const SOP_2_AND_3 = MESSAGE_TYPES.filter((t) => SOP_OF_TYPE[t] === 2 || SOP_OF_TYPE[t] === 3);
    // An answer goes only to the country whose request or alert it names: proved in its own test below.
    const ANSWERS: Array<[MessageType, MessageType]> = [
      ['EMERGENCY_ALERT', 'EMERGENCY_ALERT_ACKNOWLEDGEMENT'],
      ['TRAVEL_DOCUMENT_REQUEST', 'TRAVEL_DOCUMENT_RESULT'],
    ];
    const isAnswer = (t: MessageType) => ANSWERS.some(([, answer]) => answer === t);
    // Every other SOP 2 and 3 type of the catalogue (extensions too), for each of the two
    // SOPs it can serve, referrals to them, and a health step of assistance (SHARE_HEALTH, still no police).
    const ASSISTANCE: Array<[string, MessageType, Payload]> = [
      ...[2, 3].map((sop): [string, MessageType, Payload] => [
        `REFERRAL_REQUEST for SOP ${sop}`,
        'REFERRAL_REQUEST',
        payload('REFERRAL_REQUEST', { requestedSop: sop }),
      ]),
      ...SOP_2_AND_3.filter((t) => !isAnswer(t)).flatMap((type) =>
        type === 'CASE_UPDATE' || type === 'ASSISTANCE_STEP_REPORT'
          ? [2, 3].map((sop): [string, MessageType, Payload] => [
              `${type} for SOP ${sop}`,
              type,
              payload(type, { sop }),
            ])
          : [[type, type, payload(type)] as [string, MessageType, Payload]],
      ),
      [
        'ASSISTANCE_STEP_REPORT of medical care',
        'ASSISTANCE_STEP_REPORT',
        payload('ASSISTANCE_STEP_REPORT', { step: 'MEDICAL_CARE' }),
      ],
    ];

    it('the assistance types are the catalogue’s SOP 2 and 3 types', () => {
      expect(
        [...new Set([...ASSISTANCE.map(([, type]) => type), ...ANSWERS.map(([, answer]) => answer)])].sort(),
      ).toEqual([...SOP_2_AND_3, 'REFERRAL_REQUEST'].sort());
      expect([...SOP_2_AND_3].sort()).toEqual([
        'ASSISTANCE_STEP_REPORT',
        'CASE_UPDATE',
        'EMERGENCY_ALERT',
        'EMERGENCY_ALERT_ACKNOWLEDGEMENT',
        'MISSING_PERSON_SEARCH_RESULT',
        'TRAVEL_DOCUMENT_REQUEST',
        'TRAVEL_DOCUMENT_RESULT',
      ]);
    });

    it('FR sends every assistance message under a consent without CRIMINAL_PROCEEDINGS and MK takes it; an evidence request under it is refused', async () => {
      const sent: string[] = [];
      for (const [what, type, body] of ASSISTANCE) {
        const caseRef = await preparedCase({ scopes: WITHOUT_PROCEEDINGS });
        const response = await sendMessage(fr, caseRef, { type, to: 'MK', payload: body });
        expect([what, response.status]).toEqual([what, 202]);
        sent.push(response.body.id);
      }
      for (const id of sent) await waitDelivered(fr, id);

      const caseRef = await preparedCase({ scopes: WITHOUT_PROCEEDINGS });
      const evidence = await sendMessage(fr, caseRef, {
        type: 'EVIDENCE_REQUEST',
        to: 'MK',
        payload: payload('EVIDENCE_REQUEST'),
      });
      expect(evidence.status).toBe(422);
      expect(reasonsOf(evidence)).toEqual([
        expect.objectContaining({ code: 'CONSENT_INSUFFICIENT', scope: 'CRIMINAL_PROCEEDINGS' }),
      ]);
    });

    it('MK takes every assistance message from a peer whose declared consent lacks CRIMINAL_PROCEEDINGS; not an evidence request', async () => {
      const consent = { ...CONSENT, consentId: 'it-no-proceedings', scopes: WITHOUT_PROCEEDINGS };
      const ids = await Promise.all(
        ASSISTANCE.map(([, type, body], i) =>
          italy.send({
            type,
            to: 'MK',
            caseRef: `TRM-IT-2026-0002${String(i).padStart(2, '0')}`,
            payload: body,
            consent,
          }),
        ),
      );
      const replies = await Promise.all(ids.map((id) => italy.replyTo(id, 20_000)));
      expect(
        replies.map((r, i) => [ASSISTANCE[i][0], r.envelope.type, r.payload.reasonCode ?? null]),
      ).toEqual(ASSISTANCE.map(([what]) => [what, 'DELIVERY_RECEIPT', null]));
      const evidence = await italy.send({
        type: 'EVIDENCE_REQUEST',
        to: 'MK',
        caseRef: 'TRM-IT-2026-000299',
        payload: payload('EVIDENCE_REQUEST'),
        consent,
      });
      const rejection = await rejectionOf(evidence);
      expect(rejection.payload.reasonCode).toBe('CONSENT_INSUFFICIENT');
      expect(rejection.payload.reason).toContain('CRIMINAL_PROCEEDINGS');
    });

    it.each(ANSWERS)(
      'FR answers MK’s %s (%s) under a consent without CRIMINAL_PROCEEDINGS, and MK takes it',
      async (request, answer) => {
        const caseRef = await openSharableCase(mk);
        const asked = await sendMessage(mk, caseRef, { type: request, to: 'FR', payload: payload(request) });
        expect(asked.status).toBe(202);
        await waitDelivered(mk, asked.body.id);
        await recordConsent(fr, caseRef, { scopes: WITHOUT_PROCEEDINGS, recipients: ['MK'] });
        const answered = await sendMessage(fr, caseRef, {
          type: answer,
          to: 'MK',
          payload: payload(answer),
          inReplyTo: asked.body.id,
        });
        expect([answer, answered.status, answered.body.reasons ?? null]).toEqual([answer, 202, null]);
        await waitDelivered(fr, answered.body.id);
      },
    );
  });

  describe('evidence contact with the country of origin', () => {
    const touchingOrigin: Array<[string, (caseRef: string) => Promise<Payload>]> = [
      [
        'the request names the origin’s authorities',
        async () => payload('EVIDENCE_REQUEST', { targetsOriginAuthorities: true }),
      ],
      [
        'the case records the recipient as the country of origin',
        async (caseRef) => {
          const roles = await api(fr, 'PUT', `/cases/${caseRef}/roles`, {
            roles: [{ country: 'MK', role: 'ORIGIN' }],
          });
          expect(roles.status).toBe(200);
          return payload('EVIDENCE_REQUEST', { targetsOriginAuthorities: false });
        },
      ],
    ];

    it.each(touchingOrigin)(
      'at HIGH risk, when %s: refused as overridable; the override delivers it and both steps are audited; at CRITICAL nothing delivers it',
      async (_, build) => {
        const caseRef = await preparedCase({ level: 'HIGH' });
        const evidence = { type: 'EVIDENCE_REQUEST', to: 'MK', payload: await build(caseRef) };

        const refused = await sendMessage(fr, caseRef, evidence);
        expect(refused.status).toBe(422);
        expect(reasonsOf(refused)).toEqual([
          {
            code: 'POLICY_DENIED',
            message:
              "the risk is HIGH: EVIDENCE_REQUEST needs a coordinator's override with a written reason, confirmed by a second coordinator",
            overridable: true,
          },
        ]);
        expect(await count('FR', `SELECT 1 FROM messages WHERE case_ref = $1`, [caseRef])).toBe(0);

        const override = await overrideRisk(
          caseRef,
          'EVIDENCE_REQUEST',
          'The prosecutor in Skopje is the one investigating the network; liaison through the embassy agreed.',
        );
        expect(override.status).toBe(201);
        // Pending: one coordinator alone cannot open the way.
        const pending = await sendMessage(fr, caseRef, evidence);
        expect(pending.status).toBe(422);
        expect(await count('FR', `SELECT 1 FROM messages WHERE case_ref = $1`, [caseRef])).toBe(0);
        expect((await confirmOverride(caseRef, override.body.id)).status).toBe(200);
        const sent = await sendMessage(fr, caseRef, evidence);
        expect(sent.status).toBe(202);
        await waitDelivered(fr, sent.body.id);
        expect(
          await count('MK', `SELECT 1 FROM messages WHERE id = $1 AND type = 'EVIDENCE_REQUEST'`, [
            sent.body.id,
          ]),
        ).toBe(1);
        const steps = await federation.query<{
          action: string;
          decision: string | null;
          overridden: boolean | null;
        }>(
          'FR',
          `SELECT action, decision, (details->>'riskOverridden')::boolean AS overridden FROM audit_log
           WHERE case_ref = $1 AND action IN ('MESSAGE_REFUSED', 'RISK_OVERRIDE_REQUESTED', 'RISK_OVERRIDE_CONFIRMED', 'MESSAGE_QUEUED')
           ORDER BY seq`,
          [caseRef],
        );
        expect(steps.map(({ action, overridden }) => ({ action, overridden }))).toEqual([
          { action: 'MESSAGE_REFUSED', overridden: null },
          { action: 'RISK_OVERRIDE_REQUESTED', overridden: null },
          { action: 'MESSAGE_REFUSED', overridden: null },
          { action: 'RISK_OVERRIDE_CONFIRMED', overridden: null },
          { action: 'MESSAGE_QUEUED', overridden: true },
        ]);
        expect(steps.find((s) => s.action === 'RISK_OVERRIDE_CONFIRMED')?.decision).toBe('ALLOW');

        // CRITICAL: the earlier override does not carry over, none can be recorded, redaction changes nothing.
        await recordAssessment(fr, caseRef, { level: 'CRITICAL' });
        const critical = await sendMessage(fr, caseRef, evidence);
        expect(critical.status).toBe(422);
        expect(reasonsOf(critical)).toEqual([
          {
            code: 'POLICY_DENIED',
            message: 'the person is in immediate danger (CRITICAL): use the emergency path; no override',
          },
        ]);
        const noOverride = await overrideRisk(
          caseRef,
          'EVIDENCE_REQUEST',
          'We need the evidence before the trial date.',
        );
        expect(noOverride.status).toBe(422);
        expect(noOverride.body.error).toBe('NOT_OVERRIDABLE');
        expect((await sendMessage(fr, caseRef, { ...evidence, redact: true })).status).toBe(422);
        expect(
          await count('FR', `SELECT 1 FROM messages WHERE case_ref = $1 AND type = 'EVIDENCE_REQUEST'`, [
            caseRef,
          ]),
        ).toBe(1);
      },
    );
  });

  describe('a case with no consent to share sends nothing cross-border but an emergency alert', () => {
    // IT refers a person to FR and asks everything of FR: FR's case then holds every request an answer needs,
    // and no consent record of FR's own.
    const caseRef = 'TRM-IT-2026-000400';
    const REQUESTS: MessageType[] = [
      'REFERRAL_REQUEST',
      'IDENTITY_VERIFICATION_REQUEST',
      'RISK_ASSESSMENT_REQUEST',
      'FAMILY_TRACING_REQUEST',
      'RETURN_PLAN',
      'REINTEGRATION_REQUEST',
      'EVIDENCE_REQUEST',
    ];

    it('every other type of the catalogue is refused for want of consent, on either legal basis; only the alert reaches IT', async () => {
      for (const type of REQUESTS) {
        const body =
          type === 'REFERRAL_REQUEST' ? payload(type, { residenceInOrigin: undefined }) : payload(type);
        const id = await italy.send({ type, to: 'FR', caseRef, payload: body });
        expect([type, (await italy.replyTo(id, 20_000)).envelope.type]).toEqual([type, 'DELIVERY_RECEIPT']);
      }
      await recordGuardian(fr, caseRef);
      expect((await api(fr, 'GET', `/cases/${caseRef}/consents`)).body.items).toEqual([]);

      const outcomes: unknown[] = [];
      const expected: unknown[] = [];
      for (const type of MESSAGE_TYPES.filter((t) => t !== 'EMERGENCY_ALERT')) {
        for (const legalBasis of ['CONSENT', 'VITAL_INTEREST']) {
          const response = await sendMessage(fr, caseRef, {
            type,
            to: 'IT',
            payload: payload(type),
            legalBasis,
          });
          const reasons = reasonsOf(response);
          outcomes.push([
            type,
            legalBasis,
            response.status,
            reasons.map((r) => r.code),
            reasons.map((r) => r.message),
          ]);
          // Under CONSENT, the reason is the missing consent (a technical type is the node's own to send); a
          // vital interest is claimed for an alert only.
          const technical = (TECHNICAL_TYPES as readonly string[]).includes(type);
          // An arrival is confirmed only after an accepted RETURN_PLAN_CONFIRMATION sent to the same country,
          // which no consent let FR send (refused above): the case lifecycle stops it before the consent gate.
          const unreachable = type === 'ARRIVAL_CONFIRMATION' && legalBasis === 'CONSENT';
          // IT speaks PROTOCOL.md alone: an extension type is never sent to it, whatever the consent (one that
          // may not go on VITAL_INTEREST at all is refused for that first, as any such type is).
          const extension =
            isExtensionType(type) &&
            (legalBasis === 'CONSENT' || (VITAL_INTEREST_TYPES as readonly string[]).includes(type));
          expected.push(
            extension
              ? [type, legalBasis, 422, ['NOT_ACCEPTED'], expect.any(Array)]
              : unreachable
                ? [
                    type,
                    legalBasis,
                    409,
                    ['CASE_STATE_CONFLICT'],
                    ['ARRIVAL_CONFIRMATION needs the return plan confirmed as accepted first'],
                  ]
                : [
                    type,
                    legalBasis,
                    422,
                    legalBasis === 'CONSENT' && !technical
                      ? expect.arrayContaining(['CONSENT_INSUFFICIENT'])
                      : ['POLICY_DENIED'],
                    expect.any(Array),
                  ],
          );
        }
      }
      expect(outcomes).toEqual(expected);
      const underConsent = await sendMessage(fr, caseRef, {
        type: 'EMERGENCY_ALERT',
        to: 'IT',
        payload: payload('EMERGENCY_ALERT'),
      });
      expect(reasonsOf(underConsent).map((r) => r.code)).toEqual(['CONSENT_INSUFFICIENT']);

      const alert = await sendMessage(fr, caseRef, {
        type: 'EMERGENCY_ALERT',
        to: 'IT',
        legalBasis: 'VITAL_INTEREST',
        payload: payload('EMERGENCY_ALERT'),
      });
      expect(alert.status).toBe(202);
      await italy.waitFor((r) => r.envelope.id === alert.body.id, 20_000, 'the alert at IT');
      // The alert left last: anything refused before it would have arrived before it.
      expect(
        italy
          .received((r) => r.envelope.caseRef === caseRef && r.envelope.type !== 'DELIVERY_RECEIPT')
          .map((r) => r.envelope.type),
      ).toEqual(['EMERGENCY_ALERT']);
      expect(
        await count(
          'FR',
          `SELECT 1 FROM messages WHERE case_ref = $1 AND direction = 'OUTBOUND' AND type <> 'DELIVERY_RECEIPT'`,
          [caseRef],
        ),
      ).toBe(1);
    });
  });

  describe('family tracing only when the person wishes to return to her family', () => {
    it('the risk gate refuses it on a real case even when the schema is bypassed; the API refuses it too', async () => {
      const caseRef = await preparedCase();
      const gate = fr.app!.get(TransferGate);
      const decide = (wishToReturnToFamily: unknown) =>
        fr.app!.get(DataSource).transaction(async (manager) =>
          gate.decide(manager, {
            case: await manager.findOneByOrFail(CaseEntity, { caseRef }),
            type: 'FAMILY_TRACING_REQUEST',
            to: 'MK',
            legalBasis: 'CONSENT',
            payload: payload('FAMILY_TRACING_REQUEST', { wishToReturnToFamily }),
            redact: false,
            now: new Date(),
          }),
        );
      // Her wish, and the same case and consent: allowed, so what refuses below is the wish alone.
      expect(await decide(true)).toMatchObject({ allow: true });
      for (const wish of [false, undefined, 'yes'])
        expect(await decide(wish)).toEqual({
          allow: false,
          reasons: [
            {
              code: 'POLICY_DENIED',
              message: 'family tracing only when the person has said she wishes to return to her family',
            },
          ],
        });

      const refused = await sendMessage(fr, caseRef, {
        type: 'FAMILY_TRACING_REQUEST',
        to: 'MK',
        payload: payload('FAMILY_TRACING_REQUEST', { wishToReturnToFamily: false }),
      });
      expect(refused.status).toBe(422);
      expect(await count('FR', `SELECT 1 FROM messages WHERE case_ref = $1`, [caseRef])).toBe(0);
    });

    it('a peer’s family tracing request without her wish is rejected at the wire, and nothing of it is kept', async () => {
      const caseRef = await preparedCase();
      const before = await caseAtFr(caseRef);
      const id = await italy.send({
        type: 'FAMILY_TRACING_REQUEST',
        to: 'FR',
        caseRef,
        payload: payload('FAMILY_TRACING_REQUEST', { wishToReturnToFamily: false }),
      });
      const rejection = await rejectionOf(id);
      // The schema's equals(true) answers first (SCHEMA_INVALID); without it, the lifecycle's rule does.
      expect([rejection.payload.reasonCode, rejection.payload.reason]).toEqual(
        rejection.payload.reasonCode === 'SCHEMA_INVALID'
          ? ['SCHEMA_INVALID', expect.stringContaining('wishToReturnToFamily')]
          : [
              'POLICY_DENIED',
              'family tracing only when the person has said she wishes to return to her family',
            ],
      );
      expect(await count('FR', `SELECT 1 FROM messages WHERE id = $1`, [id])).toBe(0);
      expect(await caseAtFr(caseRef)).toEqual(before);
      // With her wish, the same request is taken: it was the wish that was refused.
      const wished = await italy.send({
        type: 'FAMILY_TRACING_REQUEST',
        to: 'FR',
        caseRef,
        payload: payload('FAMILY_TRACING_REQUEST'),
      });
      expect((await italy.replyTo(wished, 20_000)).envelope.type).toBe('DELIVERY_RECEIPT');
    });
    it('with the schema’s equals(true) bypassed at FR’s door, the lifecycle’s rule alone rejects a peer’s request without her wish', async () => {
      const caseRef = await preparedCase();
      const before = await caseAtFr(caseRef);
      // FR's real receiver, its payload check made to pass IT's family tracing whatever the wish says (the
      // rest of the payload still checked): what refuses it now is the rule, not the schema.
      const validate = catalogue.validatePayload;
      const bypassed = jest
        .spyOn(catalogue, 'validatePayload')
        .mockImplementation((type, input, envelope) => {
          const at = envelope as Partial<Envelope> | undefined;
          if (type !== 'FAMILY_TRACING_REQUEST' || at?.from !== 'IT' || at.to !== 'FR')
            return validate(type, input, envelope);
          const wish = (input as Payload).wishToReturnToFamily;
          const checked = validate(type, { ...(input as Payload), wishToReturnToFamily: true }, envelope);
          return checked.ok
            ? { ok: true, payload: { ...checked.payload, wishToReturnToFamily: wish as true } }
            : checked;
        });
      try {
        for (const wishToReturnToFamily of [false, undefined]) {
          const id = await italy.send({
            type: 'FAMILY_TRACING_REQUEST',
            to: 'FR',
            caseRef,
            payload: payload('FAMILY_TRACING_REQUEST', { wishToReturnToFamily }),
          });
          const rejection = await rejectionOf(id);
          // POLICY_DENIED, not SCHEMA_INVALID: the schema was indeed out of the way.
          expect([
            String(wishToReturnToFamily),
            rejection.payload.reasonCode,
            rejection.payload.reason,
          ]).toEqual([
            String(wishToReturnToFamily),
            'POLICY_DENIED',
            'family tracing only when the person has said she wishes to return to her family',
          ]);
          expect(await count('FR', `SELECT 1 FROM messages WHERE id = $1`, [id])).toBe(0);
        }
      } finally {
        bypassed.mockRestore();
      }
      expect(await caseAtFr(caseRef)).toEqual(before);
    });
  });

  describe('least data per message type', () => {
    const schemas = buildSchemas();
    const declared = (type: MessageType) =>
      Object.keys((schemas[`${type}.schema.json`].properties ?? {}) as object);
    const referral = examplePayload('REFERRAL_REQUEST') as unknown as Payload;
    // A field of each data class of domain.md, with a value that is valid where the class is declared.
    const DATA_CLASS_FIELDS: Array<[string, string, unknown]> = [
      ['identity', 'person', referral.person],
      ['health', 'medical', referral.medical],
      ['case facts', 'residenceInOrigin', referral.residenceInOrigin],
      [
        'identity (the family)',
        'familyMembers',
        (examplePayload('FAMILY_TRACING_REQUEST') as unknown as Payload).familyMembers,
      ],
      ['secret location', 'placement', { description: 'secure child shelter, region Île-de-France' }],
      ['intelligence sources and methods', 'sources', ['informant in the network']],
    ];
    // For every business type, every data-class field its payload does not declare.
    const UNNEEDED = BUSINESS_TYPES.flatMap((type) =>
      DATA_CLASS_FIELDS.filter(([, field]) => !declared(type).includes(field)).map(
        ([dataClass, field, value]) => ({ type, dataClass, field, value }),
      ),
    );

    it('the table covers every business type of the catalogue', () => {
      expect([...new Set(UNNEEDED.map((u) => u.type))].sort()).toEqual([...BUSINESS_TYPES].sort());
    });

    it('FR refuses, naming the field, every message carrying a field its type does not need; nothing is stored', async () => {
      const caseRef = await preparedCase();
      const outcomes = [];
      for (const { type, field, value } of UNNEEDED) {
        const response = await sendMessage(fr, caseRef, {
          type,
          to: 'MK',
          payload: { ...payload(type), [field]: value },
        });
        outcomes.push([
          type,
          field,
          response.status,
          (response.body.fields ?? []).map((f: { path: string }) => f.path),
        ]);
      }
      expect(outcomes).toEqual(UNNEEDED.map(({ type, field }) => [type, field, 422, [field]]));
      // A secret location's address is not even a member of a placement.
      const address = await sendMessage(fr, caseRef, {
        type: 'REFERRAL_REQUEST',
        to: 'MK',
        payload: payload('REFERRAL_REQUEST', {
          placement: { description: 'shelter', address: '12 rue X, Lyon' },
        }),
      });
      expect(address.status).toBe(422);
      expect(address.body.fields.map((f: { path: string }) => f.path)).toEqual(['placement.address']);
      expect(await count('FR', `SELECT 1 FROM messages WHERE case_ref = $1`, [caseRef])).toBe(0);
    });

    it('MK rejects every such message from a peer (SCHEMA_INVALID), audits it and keeps none', async () => {
      const ids = await Promise.all(
        UNNEEDED.map(({ type, field, value }, i) =>
          italy.send({
            type,
            to: 'MK',
            caseRef: `TRM-IT-2026-0005${String(i).padStart(2, '0')}`,
            payload: { ...payload(type), [field]: value },
          }),
        ),
      );
      const replies = await Promise.all(ids.map((id) => italy.replyTo(id, 20_000)));
      // The reason names a member only when it is one of the protocol's (else <invalid-key>): not asserted.
      expect(replies.map((r, i) => [UNNEEDED[i].type, UNNEEDED[i].field, r.payload.reasonCode])).toEqual(
        UNNEEDED.map(({ type, field }) => [type, field, 'SCHEMA_INVALID']),
      );
      const audited = await federation.query<{ reason_code: string }>(
        'MK',
        `SELECT reason_code FROM audit_log WHERE action = 'MESSAGE_REJECTED' AND message_id = ANY($1)`,
        [ids],
      );
      expect(audited.map((a) => a.reason_code)).toEqual(ids.map(() => 'SCHEMA_INVALID'));
      expect(await count('MK', `SELECT 1 FROM messages WHERE id = ANY($1::uuid[])`, [ids])).toBe(0);
    });

    it('residence in the country of origin travels only there: refused to another, or stripped on request; rejected by another receiver', async () => {
      const caseRef = await preparedCase();
      const toItaly = { type: 'REFERRAL_REQUEST', to: 'IT', payload: payload('REFERRAL_REQUEST') };
      const refused = await sendMessage(fr, caseRef, toItaly);
      expect(refused.status).toBe(422);
      expect(reasonsOf(refused)).toEqual([
        expect.objectContaining({ code: 'POLICY_DENIED', fields: ['residenceInOrigin'] }),
      ]);

      const stripped = await sendMessage(fr, caseRef, { ...toItaly, redact: true });
      expect(stripped.status).toBe(202);
      expect(stripped.body.redacted).toEqual(['residenceInOrigin']);
      const [atItaly] = await italy.waitFor(
        (r) => r.envelope.id === stripped.body.id,
        20_000,
        'the referral at IT',
      );
      expect(Object.keys(atItaly.payload)).not.toContain('residenceInOrigin');
      expect(atItaly.payload.person).toEqual(referral.person);

      // The country of origin itself gets it.
      const toOrigin = await sendMessage(fr, caseRef, {
        type: 'REFERRAL_REQUEST',
        to: 'MK',
        payload: payload('REFERRAL_REQUEST'),
      });
      expect(toOrigin.status).toBe(202);

      // A peer sending MK's residence to FR: FR is not the country it names.
      const id = await italy.send({
        type: 'REFERRAL_REQUEST',
        to: 'FR',
        caseRef: 'TRM-IT-2026-000600',
        payload: referral,
      });
      const rejection = await rejectionOf(id);
      expect(rejection.payload.reasonCode).toBe('POLICY_DENIED');
      expect(rejection.payload.reason).toContain('residenceInOrigin');
      expect(await count('FR', `SELECT 1 FROM cases WHERE case_ref = 'TRM-IT-2026-000600'`)).toBe(0);
    });
  });
});
