import { LocalFederation, RunningNode } from '../../scripts/lib/local-federation';
import { ForeignPeer } from './foreign-peer';

/** The set-up the transfer suites share: FR and MK as trm-broker nodes, Italy written from PROTOCOL.md. */
export interface FrMkItaly {
  fr: RunningNode;
  mk: RunningNode;
  italy: ForeignPeer;
}

/** For a suite's beforeAll: a fresh federation (databases, vhosts), FR and MK started, Italy connected. */
export async function startFrMkItaly(federation: LocalFederation): Promise<FrMkItaly> {
  await federation.setUp();
  const fr = await federation.start('FR');
  const mk = await federation.start('MK');
  const italy = await ForeignPeer.connect(federation, 'IT');
  return { fr, mk, italy };
}

/** For the suite's afterAll: Italy closed (when beforeAll got that far) and the federation torn down. */
export async function stopFrMkItaly(
  federation: LocalFederation,
  italy: ForeignPeer | undefined,
): Promise<void> {
  await italy?.close();
  await federation.tearDown();
}
