import { execFile, spawn } from 'node:child_process';
import { renameSync } from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { DataSource } from 'typeorm';
import { MIGRATIONS } from '../migrations';
import { CasePeopleEncryption1763901000000 } from '../migrations/1763901000000-case-people-encryption';
import { main as rotateKeys } from '../scripts/keys-rotate';
import { LocalFederation, RunningNode } from '../scripts/lib/local-federation';
import { CaseEntity } from '../src/cases/case.entity';
import { bindFieldCipher } from '../src/crypto/encrypted-column';
import { createDataKey, ensureDataKey, FieldCipher } from '../src/crypto/field-cipher';
import { prepareStoredFields } from '../src/crypto/field-rekey';
import { ENTITIES } from '../src/entities';
import { examplePayload } from '../src/messages/examples';
import { api, openCase, recordGuardian, sendMessage, waitDelivered } from './support/node-api';
import { ThrowawayDatabase } from './support/throwaway-database';

/**
 * Issue 5, "Data at rest": victims' personal data is encrypted field by field in each node's PostgreSQL.
 * A referral with distinctive names crosses from FR to MK; then `pg_dump` of both databases must not
 * contain any of them, in clear or JSON-escaped, while the API still reads them back.
 */
const GIVEN = 'Zoryslava';
const FAMILY = 'Kvitnevska-Oldenbarth';
const CYRILLIC = 'Зорислава Квітневська';
const BIRTH = '2009-08-27';
const HEALTH = 'recurrent Hallerbrook syndrome flare-ups';
const CHILD_VIEW = 'wants to stay near her brother Tymofiy';
const RISK_SUMMARY = 'recruiter Velimir Drazhenko watches the Kisela Voda flat';
const EVIDENCE = 'threatening voice messages to her aunt Oleksandra';
const PLAN = 'escort by the Ohrid unit, no stop at the Tetovo bus station';
const OVERRIDE = 'referral must not wait: the Drazhenko network moves her this week';
// The case row names professionals too: her case manager and her guardian's institution.
const MANAGER = 'Ottilie Brandvoort';
const GUARDIAN_INSTITUTION = 'Foyer Quenelbrook de Lyon';
const SECRETS = [
  GIVEN,
  FAMILY,
  CYRILLIC,
  BIRTH,
  HEALTH,
  CHILD_VIEW,
  RISK_SUMMARY,
  EVIDENCE,
  PLAN,
  OVERRIDE,
  MANAGER,
  GUARDIAN_INSTITUTION,
];

/** Each secret as it could appear in a dump: plain, JSON-escaped (\uxxxx, \uXXXX), and PostgreSQL's bytea hex. */
function forms(secret: string): string[] {
  const escaped = secret.replace(
    /[^\x20-\x7e]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  const upper = escaped.replace(/\\u([0-9a-f]{4})/g, (_, hex: string) => `\\u${hex.toUpperCase()}`);
  return [secret, escaped, upper, Buffer.from(secret, 'utf8').toString('hex')];
}

function expectNoSecrets(text: string): void {
  for (const secret of SECRETS) {
    for (const form of forms(secret))
      expect({ secret, found: text.includes(form) }).toEqual({ secret, found: false });
  }
  // The Cyrillic name in parts too (a dump may break nothing, but a partial leak is a leak).
  for (const part of CYRILLIC.split(' ')) expect(text.includes(part)).toBe(false);
}

const run = promisify(execFile);

type ServedMessage = {
  id: string;
  payload: { person: Record<string, unknown>; medical: { conditions: string[] } };
};

describe('personal data at rest (real PostgreSQL and RabbitMQ)', () => {
  const federation = new LocalFederation({ codes: ['FR', 'MK'], logLevel: 'error' });
  let fr: RunningNode;
  let mk: RunningNode;
  let caseRef: string;
  let referralId: string;

  async function dump(code: string): Promise<string> {
    const { stdout } = await run('pg_dump', ['--no-owner', `--dbname=${federation.databaseUrl(code)}`], {
      maxBuffer: 64 * 1024 * 1024,
    });
    return stdout;
  }

  beforeAll(async () => {
    await federation.setUp();
    fr = await federation.start('FR');
    mk = await federation.start('MK');

    caseRef = await openCase(fr, {
      ageStatus: 'DOCUMENTED_CHILD',
      identificationStatus: 'IDENTIFIED_VICTIM',
    });
    // A child's referral needs her guardian on the case first (case lifecycle).
    await recordGuardian(fr, caseRef);
    const guardian = { kind: 'GUARDIAN', institution: GUARDIAN_INSTITUTION, appointedAt: '2026-11-20' };
    expect((await api(fr, 'PUT', `/cases/${caseRef}/guardian`, guardian)).status).toBe(200);
    const manager = { name: MANAGER, institution: 'OCRTEH', role: 'case officer' };
    expect((await api(fr, 'PUT', `/cases/${caseRef}/manager`, manager)).status).toBe(200);
    const consent = await api(fr, 'POST', `/cases/${caseRef}/consents`, {
      scopes: ['SHARE_IDENTITY', 'SHARE_HEALTH', 'RETURN', 'REINTEGRATION'],
      recipients: ['MK'],
      givenBy: 'GUARDIAN',
      childView: CHILD_VIEW,
      informed: true,
      informedLanguage: 'mk',
    });
    expect(consent.status).toBe(201);
    const assessment = await api(fr, 'POST', `/cases/${caseRef}/risk-assessments`, {
      level: 'LOW',
      factors: [
        { code: 'RF-02', status: 'PRESENT', evidence: EVIDENCE },
        { code: 'RF-04', status: 'ABSENT' },
      ],
      summary: RISK_SUMMARY,
      protectionPlan: PLAN,
      complete: true,
      validUntil: new Date(Date.now() + 30 * 86_400_000).toISOString(),
    });
    expect(assessment.status).toBe(201);
    const high = await api(fr, 'POST', `/cases/${caseRef}/risk-assessments`, {
      level: 'HIGH',
      factors: [{ code: 'RF-02', status: 'PRESENT', evidence: EVIDENCE }],
      summary: RISK_SUMMARY,
      protectionPlan: PLAN,
      complete: true,
      validUntil: new Date(Date.now() + 30 * 86_400_000).toISOString(),
    });
    expect(high.status).toBe(201);
    const override = await api(fr, 'POST', `/cases/${caseRef}/risk-overrides`, {
      messageType: 'REFERRAL_REQUEST',
      reason: OVERRIDE,
    });
    expect(override.status).toBe(201);

    const example = examplePayload('REFERRAL_REQUEST');
    const sent = await sendMessage(fr, caseRef, {
      type: 'REFERRAL_REQUEST',
      to: 'MK',
      payload: {
        ...example,
        person: {
          ...example.person,
          givenName: GIVEN,
          familyName: FAMILY,
          otherNames: [CYRILLIC],
          dateOfBirth: BIRTH,
        },
        medical: { ...example.medical, conditions: [HEALTH] },
      },
    });
    expect(sent.status).toBe(202);
    referralId = sent.body.id as string;
    await waitDelivered(fr, referralId);
  }, 120_000);

  afterAll(async () => {
    await federation.tearDown();
  });

  it('keeps no name, date of birth or health note in clear in either database, yet serves them back', async () => {
    for (const code of ['FR', 'MK']) {
      const text = await dump(code);
      // The dump really holds the referral: its case and its encrypted payload, under this node's key.
      expect(text).toContain(caseRef);
      expect(text).toContain(`v2.${code}-data-1.`);
      expectNoSecrets(text);
    }

    const atMk = await api(mk, 'GET', `/cases/${caseRef}`);
    expect(atMk.status).toBe(200);
    const received = (atMk.body.messages as ServedMessage[]).find((m) => m.id === referralId)!;
    expect(received.payload.person).toMatchObject({
      givenName: GIVEN,
      familyName: FAMILY,
      otherNames: [CYRILLIC],
    });
    expect(received.payload.person.dateOfBirth).toBe(BIRTH);
    expect(received.payload.medical.conditions).toEqual([HEALTH]);

    const consents = await api(fr, 'GET', `/cases/${caseRef}/consents`);
    expect(consents.body.items.map((c: { childView: string }) => c.childView)).toEqual([CHILD_VIEW]);
    const assessments = await api(fr, 'GET', `/cases/${caseRef}/risk-assessments`);
    expect(assessments.body.items[0]).toMatchObject({
      summary: RISK_SUMMARY,
      protectionPlan: PLAN,
      level: 'HIGH',
    });
    expect(assessments.body.items[0].factors[0]).toEqual({
      code: 'RF-02',
      status: 'PRESENT',
      evidence: EVIDENCE,
    });
    const atFr = await api(fr, 'GET', `/cases/${caseRef}`);
    expect(atFr.body.case.managers).toEqual([
      { country: 'FR', name: MANAGER, institution: 'OCRTEH', role: 'case officer' },
    ]);
    expect(atFr.body.case.guardian).toMatchObject({ institution: GUARDIAN_INSTITUTION });
    const stored = await federation.query<{ managers: string; guardian: string }>(
      'FR',
      `SELECT managers, guardian FROM cases WHERE case_ref = $1`,
      [caseRef],
    );
    // Under the case's own key (v3, docs/data-at-rest.md "Per-case keys"), itself wrapped by FR-data-1.
    expect(stored[0].managers).toMatch(/^v3\./);
    expect(stored[0].guardian).toMatch(/^v3\./);
    const [key] = await federation.query<{ wrapped_key: string }>(
      'FR',
      `SELECT wrapped_key FROM case_keys WHERE case_ref = $1`,
      [caseRef],
    );
    expect(key.wrapped_key).toMatch(/^v2\.FR-data-1\./);
  });

  it('rotates the data key while the node runs: every value moves to the new key, the old one is released', async () => {
    const lines: string[] = [];
    const code = await rotateKeys(
      ['FR'],
      { TRM_KEYS_DIR: federation.keysDir, DATABASE_URL: federation.appDatabaseUrl('FR') },
      (line) => lines.push(line),
    );
    expect({ code, lines }).toMatchObject({ code: 0 });
    expect(lines).toContain(`created data key FR-data-2 in ${federation.keysDir}; it is now the active key`);
    // A case's values are under its own key: rotation re-wraps the case keys and leaves the values as they are.
    expect(lines.some((l) => /^case_keys\.wrapped_key: [1-9]\d* re-encrypted, 0 left$/.test(l))).toBe(true);
    expect(lines.some((l) => /^messages\.payload: \d+ re-encrypted, 0 left$/.test(l))).toBe(true);
    expect(lines).toContain('consent_records.child_view: 0 re-encrypted, 0 left');
    expect(lines).toContain('cases.managers: 0 re-encrypted, 0 left');
    expect(lines).toContain('cases.guardian: 0 re-encrypted, 0 left');
    expect(
      lines.some((l) => l.startsWith('data key FR-data-1 no longer encrypts anything in this database')),
    ).toBe(true);
    expect(lines.at(-1)).toBe('done: every encrypted value is under FR-data-2');

    // Run again with --resume (as after an interruption): no new key, nothing left to move.
    const again: string[] = [];
    expect(
      await rotateKeys(
        ['FR', '--resume'],
        { TRM_KEYS_DIR: federation.keysDir, DATABASE_URL: federation.appDatabaseUrl('FR') },
        (line) => again.push(line),
      ),
    ).toBe(0);
    expect(again.filter((l) => l.includes('created data key'))).toEqual([]);
    expect(again.filter((l) => / [1-9]\d* re-encrypted/.test(l))).toEqual([]);
    expect(again.at(-1)).toBe('done: every encrypted value is under FR-data-2');

    // The running node writes under the new key too.
    const update = await sendMessage(fr, caseRef, {
      type: 'CASE_UPDATE',
      to: 'MK',
      payload: examplePayload('CASE_UPDATE'),
    });
    expect(update.status).toBe(202);
    await waitDelivered(fr, update.body.id as string);

    const text = await dump('FR');
    expect(text).toContain('v2.FR-data-2.');
    expect(text).not.toContain('.FR-data-1.');
    expectNoSecrets(text);
    const rows = await federation.query<{ key_id: string }>(
      'FR',
      `SELECT DISTINCT split_part(wrapped_key, '.', 2) AS key_id FROM case_keys WHERE wrapped_key IS NOT NULL`,
    );
    expect(rows).toEqual([{ key_id: 'FR-data-2' }]);
    const payloads = await federation.query<{ format: string }>(
      'FR',
      `SELECT DISTINCT split_part(payload, '.', 1) AS format FROM messages WHERE case_ref = $1 AND payload IS NOT NULL`,
      [caseRef],
    );
    expect(payloads).toEqual([{ format: 'v3' }]);

    // And still reads everything back, old rows and new.
    const file = await api(fr, 'GET', `/cases/${caseRef}`);
    expect(file.status).toBe(200);
    const referral = (file.body.messages as ServedMessage[]).find((m) => m.id === referralId)!;
    expect(referral.payload.person.otherNames).toEqual([CYRILLIC]);
    const consents = await api(fr, 'GET', `/cases/${caseRef}/consents`);
    expect(consents.body.items[0].childView).toBe(CHILD_VIEW);
  }, 120_000);

  it('answers a value swapped between two people’s rows with a clear error, audited, never with the other person’s data', async () => {
    // A second case, with a case manager of its own.
    const other = await openCase(fr, { identificationStatus: 'IDENTIFIED_VICTIM' });
    const manager = { name: 'Jorun Halvdanstad', institution: 'ASE', role: 'case officer' };
    expect((await api(fr, 'PUT', `/cases/${other}/manager`, manager)).status).toBe(200);
    // Someone with write access to the database gives the second case the first one's (valid) ciphertext.
    await federation.query(
      'FR',
      `UPDATE cases SET managers = (SELECT managers FROM cases WHERE case_ref = $1) WHERE case_ref = $2`,
      [caseRef, other],
    );
    const swapped = await api(fr, 'GET', `/cases/${other}`);
    expect(swapped.status).toBe(500);
    expect(swapped.body.error).toBe('STORED_DATA_UNREADABLE');
    const [{ id }] = await federation.query<{ id: string }>(
      'FR',
      `SELECT id::text FROM cases WHERE case_ref = $1`,
      [other],
    );
    expect(swapped.body.message).toBe(
      `stored data could not be decrypted: cases.managers (row ${id}) holds a value under its case's key ` +
        'that fails authentication: altered, or moved from another row, column or case',
    );
    expectNoSecrets(JSON.stringify(swapped.body));
    const audited = await federation.query(
      'FR',
      `SELECT actor, case_ref, decision, reason_code, details FROM audit_log
       WHERE action = 'STORED_DATA_INTEGRITY_FAILED' ORDER BY seq`,
    );
    expect(audited).toContainEqual({
      actor: 'node:FR',
      case_ref: other,
      decision: 'DENY',
      reason_code: 'FIELD_INTEGRITY',
      details: { column: 'cases.managers', rowId: id },
    });
    // The first case reads as before.
    const first = await api(fr, 'GET', `/cases/${caseRef}`);
    expect(first.status).toBe(200);
    expect(first.body.case.managers[0].name).toBe(MANAGER);
  });

  it('detects an altered ciphertext or one moved to another column, with an error that names no data', async () => {
    // Flip one character of the ciphertext of MK's stored referral.
    await federation.query(
      'MK',
      `UPDATE messages SET payload = overlay(payload placing
         (CASE WHEN substr(payload, length(payload) - 3, 1) = 'A' THEN 'B' ELSE 'A' END) from length(payload) - 3 for 1)
       WHERE id = $1`,
      [referralId],
    );
    const tampered = await api(mk, 'GET', `/cases/${caseRef}`);
    expect(tampered.status).toBe(500);
    expect(tampered.body.error).toBe('STORED_DATA_UNREADABLE');
    expect(tampered.body.message).toMatch(
      /messages\.payload \(row [0-9a-f-]{36}\) holds a value under its case's key that fails authentication/,
    );
    expectNoSecrets(JSON.stringify(tampered.body));

    // A valid ciphertext copied from another column does not open either: the column is authenticated.
    await federation.query(
      'FR',
      `SET session_replication_role = replica;
       UPDATE consent_records SET child_view = (SELECT summary FROM risk_assessments WHERE case_ref = '${caseRef}' LIMIT 1)
       WHERE case_ref = '${caseRef}'`,
    );
    const moved = await api(fr, 'GET', `/cases/${caseRef}/consents`);
    expect(moved.status).toBe(500);
    expect(moved.body.message).toMatch(
      /consent_records\.child_view \(row [0-9a-f-]{36}\) holds a value under its case's key that fails/,
    );
    expectNoSecrets(JSON.stringify(moved.body));
  });

  it('refuses to start without a data key its stored values name, and says which key', async () => {
    await federation.stop('MK');
    // A node with a data key, but not the one MK's rows were written under.
    expect(createDataKey(federation.keysDir, 'MK')).toBe('MK-data-2');
    const keyFile = path.join(federation.keysDir, 'MK.data-1.key');
    renameSync(keyFile, `${keyFile}.away`);
    try {
      const config = federation.nodeConfig('MK');
      const child = spawn(
        process.execPath,
        ['-r', 'ts-node/register/transpile-only', path.resolve(__dirname, '../src/main.ts')],
        {
          env: {
            ...process.env,
            TRM_COUNTRY: 'MK',
            TRM_DIRECTORY_FILE: federation.directoryFile,
            TRM_KEYS_DIR: federation.keysDir,
            DATABASE_URL: config.databaseUrl,
            AMQP_URL: config.amqpUrl,
            PORT: '0',
            TRM_LOG_LEVEL: 'debug',
            TRM_AUTH_SECRET: config.auth.secret,
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
      // A node that keeps running instead of refusing is killed, and the assertions below say why it failed.
      const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
      const exitCode = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      clearTimeout(guard);
      expect({ exitCode, output }).toMatchObject({ exitCode: 1 });
      expect(output).toMatch(
        /[a-z_]+\.[a-z_]+ holds values encrypted under data key MK-data-1, which is not in \S+: restore the key file MK\.data-1\.key/,
      );
      expectNoSecrets(output);
    } finally {
      renameSync(`${keyFile}.away`, keyFile);
    }
  }, 90_000);
});

/**
 * The case-people migration on a database written before it: managers and guardian (jsonb) keep their
 * values through the type change, the node's boot step encrypts them, and going back is refused after.
 */
describe('case managers and guardian encryption migration on existing cases (real PostgreSQL)', () => {
  let scratch: ThrowawayDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    scratch = await ThrowawayDatabase.create();
  });

  afterAll(() => scratch?.drop());

  it('keeps the values through the type change, encrypts them at boot, and refuses to go back after', async () => {
    dataSource = await scratch.migrateWithout(CasePeopleEncryption1763901000000);
    // What an older node wrote, in clear: one case with a manager and a guardian, one with neither.
    const managers = [{ country: 'FR', name: MANAGER, institution: 'OCRTEH' }];
    const guardian = { kind: 'GUARDIAN', institution: GUARDIAN_INSTITUTION, appointedAt: '2026-11-20' };
    await dataSource.query(
      `INSERT INTO cases (case_ref, owner_country, managers, guardian)
       VALUES ('TRM-FR-2026-000001', 'FR', $1, $2)`,
      [JSON.stringify(managers), JSON.stringify(guardian)],
    );
    await dataSource.query(`INSERT INTO cases (case_ref, owner_country) VALUES ('TRM-FR-2026-000002', 'FR')`);

    dataSource = await scratch.open({ entities: ENTITIES, migrations: MIGRATIONS });
    expect((await dataSource.runMigrations()).map((m) => m.name)).toEqual([
      'CasePeopleEncryption1763901000000',
    ]);
    ensureDataKey(scratch.keysDir, 'FR');
    const cipher = FieldCipher.load(scratch.keysDir, 'FR');
    await prepareStoredFields(dataSource, cipher, bindFieldCipher(dataSource, cipher));

    const stored: Array<{ managers: string; guardian: string | null }> = await dataSource.query(
      `SELECT managers, guardian FROM cases ORDER BY case_ref`,
    );
    const sealed = /^v2\.FR-data-1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22}\./;
    expect(stored[0].managers).toMatch(sealed);
    expect(stored[0].guardian).toMatch(sealed);
    expect(stored[1].managers).toMatch(sealed);
    expect(stored[1].guardian).toBeNull();
    const cases = await dataSource.manager.find(CaseEntity, { order: { caseRef: 'ASC' } });
    expect(cases.map((c) => [c.managers, c.guardian])).toEqual([
      [managers, guardian],
      [[], null],
    ]);

    // The boot binds values to their rows (v2, migrations/1763901400000-row-bound-fields.ts), which this
    // older down does not count: it still refuses, at the type change, and nothing changes.
    await expect(dataSource.undoLastMigration()).rejects.toThrow(/invalid input syntax for type json/);
    expect(await dataSource.query(`SELECT managers, guardian FROM cases ORDER BY case_ref`)).toEqual(stored);
  });
});
