/**
 * One side of a federation link between two countries' brokers (docs/deployment.md, "Linking two brokers"),
 * run by each country's broker administrator on its own broker:
 *
 *   # on FR's broker, so that MK's broker may take MK's traffic from it:
 *   TRM_LINK_PASSWORD=… npm run broker:link -- grant MK            (MK's broker serves MK; or MK,XK)
 *   # on MK's broker, to take it:
 *   TRM_LINK_PASSWORD=… npm run broker:link -- follow FR MK 'amqps://fr-broker.example:5671?cacertfile=…&certfile=…&keyfile=…&verify=verify_peer&server_name_indication=fr-broker.example'
 *
 * `grant <downstream broker> [countries]` creates the user link.<downstream> with federationLinkPermissions
 * (countries default to the broker's name); `follow <upstream broker> <this broker> <address>` defines the
 * upstream, logging in as link.<this broker>, and the federation policy. Both are idempotent; a new
 * TRM_LINK_PASSWORD (on both sides) rotates the password.
 *
 * Environment: RABBITMQ_MANAGEMENT_URL (this broker's management API, as an administrator; default
 * http://guest:guest@127.0.0.1:15672), TRM_BROKER_VHOST (default `/`), TRM_LINK_PASSWORD (required).
 */
import { BrokerAdmin } from '../src/transport/broker-admin';
import { followUpstream, grantLink, linkUser } from '../src/transport/federation-links';

const USAGE =
  'usage: broker:link -- grant <downstream broker> [COUNTRY,…] | follow <upstream broker> <this broker> <amqp(s) address>';

export async function brokerLink(
  args: string[],
  env: NodeJS.ProcessEnv,
  log: (line: string) => void,
): Promise<void> {
  const password = env.TRM_LINK_PASSWORD?.trim();
  if (!password)
    throw new Error('TRM_LINK_PASSWORD is required (the link user’s password, the same on both sides)');
  const vhost = env.TRM_BROKER_VHOST || '/';
  const admin = new BrokerAdmin({ url: env.RABBITMQ_MANAGEMENT_URL || 'http://guest:guest@127.0.0.1:15672' });
  const [action, ...rest] = args;
  if (action === 'grant' && (rest.length === 1 || rest.length === 2)) {
    const [downstream, countries = downstream] = rest;
    await grantLink(admin, vhost, { name: downstream, countries: countries.split(',') }, password);
    log(`${admin.endpoint}: user ${linkUser(downstream)} may take ${countries}'s traffic in vhost ${vhost}`);
  } else if (action === 'follow' && rest.length === 3) {
    const [upstream, self, address] = rest;
    await followUpstream(admin, vhost, { name: upstream, address }, linkUser(self), password);
    log(`${admin.endpoint}: trm.transnational in vhost ${vhost} federated from upstream ${upstream}`);
  } else {
    throw new Error(USAGE);
  }
}

if (require.main === module) {
  brokerLink(process.argv.slice(2), process.env, (line) => console.log(line)).catch((error: unknown) => {
    console.error(`broker-link failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  });
}
