import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { eventually, LocalDirectory, LocalFederation, RunningNode } from '../scripts/lib/local-federation';
import { main as anchorMain } from '../scripts/directory-anchor';
import { main as signMain } from '../scripts/directory-sign';
import { main as verifyMain } from '../scripts/directory-verify';
import { generateKeyPairs } from '../src/crypto/trm-crypto';
import { DirectoryReload, DirectoryService } from '../src/directory/directory.service';
import { api, laterMessageDelivered, openSharableCase, sendMessage } from './support/node-api';

/**
 * The signed directory (docs/directory.md) on real nodes: FR takes a newly signed version without a restart,
 * so a new participant (IT) becomes reachable, and refuses a tampered, an older, a foreign and an unsigned
 * file, keeping its version, each decision audited; a restart with a refused file in place keeps the version
 * the database remembers.
 */
describe('signed directory (real PostgreSQL and RabbitMQ)', () => {
  // IT is a participant from the start (keys, broker user, queues, database) but not yet in the directory.
  const federation = new LocalFederation({
    codes: ['FR', 'MK', 'IT'],
    listed: ['FR', 'MK'],
    logLevel: 'error',
  });
  const POLL_MS = 300;
  let fr: RunningNode;
  let scratch: string;
  /** Version 1 as the anchor signed it: genuine, and older than what FR will run with. */
  let version1: string;

  beforeAll(async () => {
    await federation.setUp();
    scratch = mkdtempSync(path.join(tmpdir(), 'trm-directory-'));
    version1 = path.join(scratch, 'version-1.json');
    copyFileSync(federation.directoryFile, version1);
    fr = await federation.start('FR', { directoryPollMs: POLL_MS });
  });

  afterAll(async () => {
    await federation.tearDown();
    rmSync(scratch, { recursive: true, force: true });
  });

  const runningVersion = async (node = fr): Promise<number> =>
    (await api(node, 'GET', '/directory')).body.version as number;

  const directoryAudit = (code = 'FR') =>
    federation.query<{ action: string; reason: string | null; details: Record<string, unknown> }>(
      code,
      `SELECT action, reason_code AS reason, details FROM audit_log
       WHERE action IN ('DIRECTORY_ACCEPTED', 'DIRECTORY_REFUSED') ORDER BY seq`,
    );

  /** Waits until FR's poll has refused the file now in place with `code`; returns the entry. */
  const refusedByPoll = (code: string, version: number | null) =>
    eventually(
      async () =>
        (await directoryAudit()).find(
          (e) => e.reason === code && e.details.trigger === 'poll' && e.details.version === version,
        ),
      10_000,
      `FR refusing ${code}`,
    );

  /** The outcomes of FR's next `count` directory polls (the real readings, observed as they complete). */
  async function laterPolls(count: number): Promise<string[]> {
    // A poll reads without going through reload() (that would queue it behind itself): observe the reading.
    const service = fr.app!.get(DirectoryService) as unknown as {
      readAndDecide: (trigger: string, force: boolean) => Promise<DirectoryReload>;
    };
    const read = service.readAndDecide.bind(service);
    const outcomes: string[] = [];
    const observed = jest.spyOn(service, 'readAndDecide').mockImplementation(async (trigger, force) => {
      const result = await read(trigger, force);
      if (trigger === 'poll') outcomes.push(result.outcome);
      return result;
    });
    try {
      await eventually(
        async () => (outcomes.length >= count ? true : undefined),
        20_000,
        `${count} directory polls at FR`,
      );
    } finally {
      observed.mockRestore();
    }
    return outcomes.slice(0, count);
  }

  /** Version 2 as published: what the later versions change. */
  let version2: LocalDirectory;
  /** A later version's content: version 2's participants with MK renamed, so it differs from version 2. */
  const nextContent = (version = 3): LocalDirectory => ({
    version,
    participants: version2.participants.map((p) =>
      p.code === 'MK' ? { ...p, name: 'North Macedonia: national referral mechanism' } : p,
    ),
  });

  it('runs with version 1, signed by the anchor it is configured with, and cannot reach IT yet', async () => {
    const directory = (await api(fr, 'GET', '/directory')).body;
    expect(directory).toMatchObject({
      version: 1,
      signature: { alg: 'Ed25519', anchor: federation.anchorPublicKey },
    });
    expect(directory.participants.map((p: { code: string }) => p.code)).toEqual(['FR', 'MK']);
    expect(await directoryAudit()).toEqual([
      {
        action: 'DIRECTORY_ACCEPTED',
        reason: null,
        details: expect.objectContaining({ from: null, to: 1, signed: true, trigger: 'boot' }),
      },
    ]);
    const caseRef = await openSharableCase(fr);
    const toItaly = await sendMessage(fr, caseRef, {
      type: 'CASE_UPDATE',
      to: 'IT',
      payload: { sop: 3, summary: 'Too early.' },
    });
    expect(toItaly.status).toBe(422);
    expect(JSON.stringify(toItaly.body)).toContain('IT');
  });

  it('takes a newly signed version at its next poll, without a restart: IT becomes reachable', async () => {
    const published = federation.publishDirectory((participants) => [
      ...participants,
      federation.entries.get('IT')!,
    ]);
    expect(published.version).toBe(2);
    version2 = published;
    await eventually(
      async () => ((await runningVersion()) === 2 ? true : undefined),
      10_000,
      'FR on version 2',
    );
    expect((await directoryAudit()).at(-1)).toEqual({
      action: 'DIRECTORY_ACCEPTED',
      reason: null,
      details: expect.objectContaining({
        from: 1,
        to: 2,
        signed: true,
        trigger: 'poll',
        anchor: federation.anchorPublicKey,
      }),
    });
    await federation.start('IT');
    await laterMessageDelivered(fr, 'IT');
  });

  it('refuses a tampered file (a key swapped after signing), audits it once, and keeps version 2', async () => {
    const signed = federation.writeDirectory(nextContent(), path.join(scratch, 'version-3.json'));
    const attacker = generateKeyPairs('MK', 9);
    const tampered = {
      ...signed,
      participants: signed.participants.map((p) =>
        p.code === 'MK'
          ? { ...p, encryptionKey: { keyId: 'MK-enc-1', publicKey: attacker.encryption.publicKey } }
          : p,
      ),
    };
    writeFileSync(federation.directoryFile, JSON.stringify(tampered, null, 2));
    await refusedByPoll('DIRECTORY_SIGNATURE_INVALID', 3);
    // Later polls see the same file: no new entry for it. Three polls that read it are waited for (the real
    // service, counted), so a slow machine cannot make the check below pass before any poll ran.
    expect(await laterPolls(3)).toEqual(['UNCHANGED', 'UNCHANGED', 'UNCHANGED']);
    expect((await directoryAudit()).filter((e) => e.reason === 'DIRECTORY_SIGNATURE_INVALID')).toHaveLength(
      1,
    );
    expect(await runningVersion()).toBe(2);
    const mkKey = (await api(fr, 'GET', '/directory')).body.participants.find(
      (p: { code: string }) => p.code === 'MK',
    );
    expect(mkKey.encryptionKey).toEqual(federation.entries.get('MK')!.encryptionKey);

    // Asked to read it again, it says why, and audits that reading too.
    const reload = await api(fr, 'POST', '/directory/reload', undefined, { as: 'admin' });
    expect(reload.status).toBe(200);
    expect(reload.body).toMatchObject({
      outcome: 'REFUSED',
      version: 2,
      code: 'DIRECTORY_SIGNATURE_INVALID',
    });
    expect((await directoryAudit()).at(-1)).toMatchObject({
      action: 'DIRECTORY_REFUSED',
      reason: 'DIRECTORY_SIGNATURE_INVALID',
      details: { version: 3, current: 2, trigger: 'request' },
    });
    expect((await api(fr, 'POST', '/directory/reload')).status).toBe(403);
  });

  it('refuses an older version, genuine as it is (a replay of version 1)', async () => {
    copyFileSync(version1, federation.directoryFile);
    await refusedByPoll('DIRECTORY_OLDER', 1);
    expect(await runningVersion()).toBe(2);
    expect((await api(fr, 'GET', '/directory')).body.participants).toHaveLength(3);
  });

  it('refuses a file signed by another key, and an unsigned one', async () => {
    const otherAnchor = path.join(scratch, 'other-anchor.key');
    expect(anchorMain([otherAnchor])).toBe(0);
    const next = path.join(scratch, 'next.json');
    writeFileSync(next, JSON.stringify(nextContent()));
    expect(signMain([next, '--key', otherAnchor, '--out', federation.directoryFile])).toBe(0);
    await refusedByPoll('DIRECTORY_WRONG_ANCHOR', 3);

    writeFileSync(federation.directoryFile, JSON.stringify(nextContent(4)));
    await refusedByPoll('DIRECTORY_UNSIGNED', 4);
    expect(await runningVersion()).toBe(2);
  });

  it('keeps version 2 across a restart with an older file in place, then takes version 3 signed by the anchor', async () => {
    copyFileSync(version1, federation.directoryFile);
    await federation.stop('FR');
    // No polling now: the reload below is what takes version 3.
    fr = await federation.start('FR', { directoryPollMs: 0 });
    expect(await runningVersion()).toBe(2);
    expect((await directoryAudit()).at(-1)).toMatchObject({
      action: 'DIRECTORY_REFUSED',
      reason: 'DIRECTORY_OLDER',
      details: { version: 1, current: 2, trigger: 'boot' },
    });
    await laterMessageDelivered(fr, 'IT');

    // What the coordinating body runs: npm run directory:sign, then directory:verify.
    const next = path.join(scratch, 'version-3-unsigned.json');
    writeFileSync(next, JSON.stringify(nextContent(1)));
    expect(
      signMain([
        next,
        '--key',
        federation.anchorKeyFile,
        '--version',
        '3',
        '--out',
        federation.directoryFile,
      ]),
    ).toBe(0);
    expect(verifyMain([federation.directoryFile, '--anchor', federation.anchorPublicKey])).toBe(0);
    const reload = await api(fr, 'POST', '/directory/reload', undefined, { as: 'admin' });
    expect(reload.body).toEqual({ outcome: 'ACCEPTED', version: 3, from: 2 });
    const mk = (await api(fr, 'GET', '/directory')).body.participants.find(
      (p: { code: string }) => p.code === 'MK',
    );
    expect(mk.name).toBe('North Macedonia: national referral mechanism');
    expect((await api(fr, 'POST', '/directory/reload', undefined, { as: 'admin' })).body).toEqual({
      outcome: 'UNCHANGED',
      version: 3,
    });
    const versions = await federation.query<{ version: string; anchor: string }>(
      'FR',
      `SELECT version::text, anchor FROM directory_versions ORDER BY version`,
    );
    expect(versions).toEqual(
      ['1', '2', '3'].map((version) => ({ version, anchor: federation.anchorPublicKey })),
    );
  });

  it('takes a new version on SIGHUP, in a node run as its own process', async () => {
    const port = 33000 + Math.floor(Math.random() * 1000);
    const mk = await federation.spawn('MK', port, { TRM_DIRECTORY_POLL_SECONDS: '0' });
    expect(await runningVersion(mk)).toBe(3);
    federation.writeDirectory(nextContent(4));
    mk.process!.kill('SIGHUP');
    await eventually(
      async () => ((await runningVersion(mk)) === 4 ? true : undefined),
      10_000,
      'MK on version 4',
    );
    expect((await directoryAudit('MK')).at(-1)).toMatchObject({
      action: 'DIRECTORY_ACCEPTED',
      details: { from: 3, to: 4, trigger: 'signal' },
    });
    await federation.stop('MK');
  });

  it('directory:verify refuses a tampered file and a foreign anchor', () => {
    const tampered = JSON.parse(readFileSync(federation.directoryFile, 'utf8')) as LocalDirectory;
    tampered.version = 99;
    const file = path.join(scratch, 'tampered.json');
    writeFileSync(file, JSON.stringify(tampered));
    expect(verifyMain([file, '--anchor', federation.anchorPublicKey])).toBe(1);
    expect(verifyMain([federation.directoryFile, '--anchor', path.join(scratch, 'other-anchor.key')])).toBe(
      1,
    );
  });
});
