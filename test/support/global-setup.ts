import { chooseProvisioner } from '../../scripts/lib/broker-provisioner';
import { sweepDeadRuns } from '../../scripts/lib/leftovers';

/**
 * Before any suite: what killed runs left on this machine (databases and their roles, vhosts, key
 * directories) goes, so that a CI timeout or a Ctrl-C twice does not pile up across runs.
 */
async function globalSetup(): Promise<void> {
  try {
    const managementUrl = process.env.RABBITMQ_MANAGEMENT_URL ?? 'http://guest:guest@127.0.0.1:15672';
    const removed = await sweepDeadRuns({
      pgAdminUrl: process.env.TRM_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
      managementUrl,
      // rabbitmqctl when the management API does not answer, as LocalFederation does.
      broker: (await chooseProvisioner(managementUrl)).provisioner,
    });
    if (removed.length > 0) console.log(`\nremoved what killed test runs left: ${removed.join(', ')}`);
  } catch (error) {
    // Unit specs need neither service; the suites that do say so themselves.
    console.log(
      `\nleft-overs of killed runs not swept: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

// Jest loads a globalSetup module's export itself.
export = globalSetup;
