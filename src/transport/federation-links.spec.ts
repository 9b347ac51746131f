import { BrokerAdmin, federationLinkPermissions } from './broker-admin';
import { CountryBroker, upstreamDefinition } from './federation-links';

const broker = (address: string): CountryBroker => ({
  name: 'FR',
  admin: new BrokerAdmin({ url: 'http://127.0.0.1:15672' }),
  countries: ['FR', 'IT'],
  address,
});

describe('federation links', () => {
  it('builds the upstream URI with the link user, the vhost and the TLS parameters kept', () => {
    const definition = upstreamDefinition(
      broker('amqps://fr-broker.example:5671?certfile=/etc/rabbitmq/mk-link.pem&verify=verify_peer'),
      'trm',
      'link.MK',
      'p@ss/word',
    );
    expect(definition.uri).toBe(
      'amqps://link.MK:p%40ss%2Fword@fr-broker.example:5671/trm?certfile=/etc/rabbitmq/mk-link.pem&verify=verify_peer',
    );
    // What keeps the sender proven and nothing lost (docs/protocol.md, docs/deployment.md).
    expect(definition).toMatchObject({
      exchange: 'trm.transnational',
      'trust-user-id': true,
      'ack-mode': 'on-confirm',
      'max-hops': 1,
    });
  });

  it('refuses an address that is not AMQP', () => {
    expect(() => upstreamDefinition(broker('http://fr-broker:15672'), 'trm', 'link.MK', 'x')).toThrow(
      /amqp:\/\/ or amqps:\/\//,
    );
  });

  it('lets a link bind only traffic addressed to its own countries, and publish nothing', () => {
    const { permissions, topicPermissions } = federationLinkPermissions(['MK']);
    const [topic] = topicPermissions;
    const read = new RegExp(topic.read);
    expect(read.test('routine.MK.#')).toBe(true);
    expect(read.test('urgent.MK.#')).toBe(true);
    expect(read.test('routine.FR.#')).toBe(false);
    expect(read.test('#')).toBe(false);
    expect(new RegExp(topic.write).test('routine.MK.FR.REFERRAL_REQUEST')).toBe(false);
    const configure = new RegExp(permissions.configure);
    expect(configure.test('federation: trm.transnational -> trm-ab12-mk@localhost')).toBe(true);
    for (const queue of ['trm.inbox.FR', 'trm.transnational', 'trm.dead', 'amq.default'])
      expect(configure.test(queue)).toBe(false);
    expect(new RegExp(permissions.read).test('trm.inbox.FR')).toBe(false);
    expect(() => federationLinkPermissions(['mk'])).toThrow(/Invalid participant code/);
  });
});
