import * as amqp from 'amqplib';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { caseView, checkFederation, CODES, mergeViews, playCase } from '../scripts/demo';
import type { Code, DemoNode, MessageStatus } from '../scripts/demo';
import { eventually, LocalFederation, RunningNode } from '../scripts/lib/local-federation';
import { RabbitmqNode } from '../scripts/lib/rabbitmq-node';
import { examplePayload } from '../src/messages/examples';
import { ForeignPeer } from './support/foreign-peer';
import { LinkProxy } from './support/link-proxy';
import { messageStatus } from './support/node-api';
import { pause, streamThroughOutage } from './support/stream-through-outage';

/**
 * Issue 17: one broker per country. Two RabbitMQ nodes started by this suite (the distribution's
 * rabbitmq-server with the federation plugin): FR's broker, which Italy uses too, and MK's broker. Each
 * broker's trm.transnational is federated from the other (src/transport/federation-links.ts), through a TCP
 * proxy standing for the network between them, which the suite cuts.
 */
describe('one broker per country, linked by RabbitMQ federation (two extra RabbitMQ nodes)', () => {
  const id = randomBytes(3).toString('hex');
  const certs = mkdtempSync(path.join(tmpdir(), 'trm-link-certs-'));
  let brokers: Record<'FR' | 'MK', RabbitmqNode>;
  /** Every broker that started, even if its sibling did not: afterAll stops them all. */
  const started: RabbitmqNode[] = [];
  const proxies = new Map<string, LinkProxy>();
  let federation: LocalFederation | undefined;
  let fr: RunningNode;
  let nodes: Record<Code, RunningNode>;
  let italy: ForeignPeer | undefined;
  /** The figures the report quotes. */
  const figures: Record<string, number> = {};

  beforeAll(async () => {
    // Each country's CA and certificates (scripts/federation-certs.sh); each broker trusts both CAs.
    for (const code of ['FR', 'MK'])
      execFileSync('sh', [
        path.resolve(__dirname, '../scripts/federation-certs.sh'),
        code,
        'localhost',
        certs,
      ]);
    writeFileSync(
      path.join(certs, 'peers-ca.pem'),
      ['fr', 'mk'].map((c) => readFileSync(path.join(certs, `${c}-ca.pem`), 'utf8')).join(''),
    );
    let since = Date.now();
    const results = await Promise.allSettled(
      ['fr', 'mk'].map((c) =>
        RabbitmqNode.start({
          name: `trm-${id}-${c}`,
          tls: {
            cacertfile: path.join(certs, 'peers-ca.pem'),
            certfile: path.join(certs, `${c}-broker.pem`),
            keyfile: path.join(certs, `${c}-broker.key`),
          },
        }).then((b) => (started.push(b), b)),
      ),
    );
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    const [frBroker, mkBroker] = results.map((r) => (r as PromiseFulfilledResult<RabbitmqNode>).value);
    brokers = { FR: frBroker, MK: mkBroker };
    figures.brokersStartMs = Date.now() - since;
    const frSide = { amqpHost: frBroker.amqpHost, managementUrl: frBroker.managementUrl };
    const mkSide = { amqpHost: mkBroker.amqpHost, managementUrl: mkBroker.managementUrl };
    federation = new LocalFederation({
      codes: [...CODES],
      logLevel: 'error',
      brokers: { FR: frSide, IT: frSide, MK: mkSide },
      participants: Object.fromEntries(
        CODES.map((code) => [code, { extensions: ['USE_RESTRICTIONS', 'LANGUAGE'] }]),
      ),
    });
    await federation.setUp();
    // The links go over mutual TLS, through a proxy the suite can cut. The URI carries the downstream
    // broker's link certificate: MK's link to FR's broker presents mk-link.pem.
    for (const [name, broker] of Object.entries(brokers))
      proxies.set(name, await LinkProxy.start(`127.0.0.1:${broker.tlsPort}`));
    since = Date.now();
    await federation.linkBrokers((name) => {
      const downstream = name === 'FR' ? 'mk' : 'fr';
      const query = new URLSearchParams({
        cacertfile: path.join(certs, 'peers-ca.pem'),
        certfile: path.join(certs, `${downstream}-link.pem`),
        keyfile: path.join(certs, `${downstream}-link.key`),
        verify: 'verify_peer',
        server_name_indication: 'localhost',
      });
      return `amqps://127.0.0.1:${proxies.get(name)!.port}?${query}`;
    });
    figures.linksUpMs = Date.now() - since;
    nodes = {
      FR: await federation.start('FR'),
      IT: await federation.start('IT'),
      MK: await federation.start('MK'),
    };
    fr = nodes.FR;
  }, 240_000);

  afterAll(async () => {
    await italy?.close().catch(() => undefined);
    await federation?.tearDown();
    for (const proxy of proxies.values()) await proxy.cut();
    const since = Date.now();
    await Promise.all(started.map((broker) => broker.stop()));
    figures.brokersStopMs = Date.now() - since;
    rmSync(certs, { recursive: true, force: true });
    process.stdout.write(`federated brokers: ${JSON.stringify(figures)}\n`);
  }, 120_000);

  it('plays the demo’s story with MK on its own broker: every message delivered once, over the links', async () => {
    const demoNodes = Object.fromEntries(
      CODES.map((code) => [code, { code, url: nodes[code].url }]),
    ) as Record<Code, DemoNode>;
    const played = await playCase(demoNodes);
    const views = Object.fromEntries(
      await Promise.all(CODES.map(async (c) => [c, await caseView(demoNodes[c], played.caseRef)] as const)),
    ) as Record<Code, MessageStatus[]>;
    const messages = mergeViews(views);
    expect(
      checkFederation(
        messages,
        played.sent.map((m) => m.id),
      ),
    ).toEqual([]);
    // The story really crossed: MK's node holds messages from FR, which never touched MK's broker.
    expect(messages.some((m) => m.from === 'FR' && m.to === 'MK')).toBe(true);
    expect(messages.some((m) => m.from === 'MK' && m.to === 'FR')).toBe(true);
  }, 180_000);

  it('takes a link connection over TLS only with a client certificate of a peer’s CA', async () => {
    const { FR: frBroker } = brokers;
    const ca = readFileSync(path.join(certs, 'peers-ca.pem'));
    const url = `amqps://guest:guest@127.0.0.1:${frBroker.tlsPort}/`;
    // The broker's certificate names localhost; verified as such.
    const servername = 'localhost';
    // No client certificate: the TLS handshake itself fails (fail_if_no_peer_cert).
    await expect(amqp.connect(url, { ca, servername })).rejects.toThrow();
    // A certificate from a CA nobody trusts: refused as well.
    const stranger = mkdtempSync(path.join(tmpdir(), 'trm-stranger-'));
    try {
      execFileSync('sh', [
        path.resolve(__dirname, '../scripts/federation-certs.sh'),
        'XX',
        'localhost',
        stranger,
      ]);
      await expect(
        amqp.connect(url, {
          ca,
          servername,
          cert: readFileSync(path.join(stranger, 'xx-link.pem')),
          key: readFileSync(path.join(stranger, 'xx-link.key')),
        }),
      ).rejects.toThrow();
    } finally {
      rmSync(stranger, { recursive: true, force: true });
    }
    // MK's link certificate gets through: the connection opens (as guest, allowed from loopback).
    const connection = await amqp.connect(url, {
      ca,
      servername,
      cert: readFileSync(path.join(certs, 'mk-link.pem')),
      key: readFileSync(path.join(certs, 'mk-link.key')),
    });
    await connection.close();
  }, 60_000);

  it('loses nothing and applies nothing twice when the link is cut for 30 s under a steady stream', async () => {
    let before = 0;
    const ids = await streamThroughOutage(federation!, fr, nodes.MK, 500, async (sent) => {
      before = sent.length;
      for (const proxy of proxies.values()) await proxy.cut();
      const cutAt = Date.now();
      // While the link is down FR's node has published (SENT: its broker confirmed) and nothing reaches MK.
      await eventually(
        async () => (sent.length > before + 5 ? true : undefined),
        20_000,
        'messages sent during the cut',
      );
      const duringCut = sent.slice(before, before + 5);
      for (const sentId of duringCut)
        await eventually(
          async () => ((await messageStatus(fr, sentId)).status === 'SENT' ? true : undefined),
          10_000,
          'SENT on FR’s broker',
        );
      await pause(30_000 - (Date.now() - cutAt));
      for (const sentId of duringCut) expect((await messageStatus(fr, sentId)).status).toBe('SENT');
      for (const proxy of proxies.values()) await proxy.restore();
      await pause(3_000);
    });
    figures.streamed = ids.length;
    figures.sentDuringCut = ids.length - before;
  }, 240_000);

  it('refuses a forged sender on the sending side, and the receiver rejects a claimed one across the link', async () => {
    // The peers below read FR's and IT's queues as those nodes would: the nodes step aside.
    await federation!.stop('FR');
    await federation!.stop('IT');
    italy = await ForeignPeer.connect(federation!, 'IT');
    const france = await ForeignPeer.connect(federation!, 'FR');
    try {
      const referral = {
        type: 'REFERRAL_REQUEST',
        to: 'MK',
        caseRef: 'TRM-FR-2026-000901',
        payload: examplePayload('REFERRAL_REQUEST'),
      } as const;
      // Italy's login on FR's broker cannot put FR in user_id: the upstream broker refuses the publish.
      const forger = await ForeignPeer.connect(federation!, 'IT');
      const forged = forger.build({ ...referral, caseRef: 'TRM-IT-2026-000901' });
      await expect(
        forger.publish(forged.body, {
          id: forged.id,
          type: referral.type,
          to: 'MK',
          signature: forged.signature,
          userId: 'FR',
        }),
      ).rejects.toThrow(/PRECONDITION_FAILED|user_id/i);
      await forger.close();

      // Italy replays a body FR signed: user_id IT crosses the link as the upstream vouched for it, and MK
      // rejects the envelope's claim to be FR; the rejection goes back over the link to Italy.
      const built = france.build(referral);
      await italy.publish(built.body, {
        id: built.id,
        type: referral.type,
        to: 'MK',
        signature: built.signature,
        keyId: 'FR-sig-1',
      });
      const reply = await italy.replyTo(built.id, 30_000);
      expect(reply.payload.reasonCode).toBe('SENDER_MISMATCH');
      const stored = await federation!.query<{ n: number }>(
        'MK',
        `SELECT count(*)::int AS n FROM messages WHERE id = $1`,
        [built.id],
      );
      expect(stored[0].n).toBe(0);
    } finally {
      await france.close();
    }
  }, 120_000);
});
