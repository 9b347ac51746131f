import fc from 'fast-check';
import { canonicalForm, CanonicalValues, chainHashHex, GENESIS_HEX, leafHex } from '../audit/audit-chain';
import { ed25519PrivateFromSeed, generateKeyPairs, sign } from '../crypto/trm-crypto';
import { ChainRow, EVIDENCE_FORMAT, EvidenceBundle, WireRecord } from './evidence-bundle';
import { verifyEvidenceBundle } from './evidence-verifier';

/**
 * The verifier without a database: a small bundle built here with real keys and the chain's own hashing (the
 * e2e test, test/evidence.e2e-spec.ts, exports real ones from real nodes). What only a hand-made bundle can
 * reach: keys the directory does not name, link-1 rows, an `unavailable` list that lies, and any shape of
 * JSON at all, which must give a report, never a crash.
 */

const CASE = 'TRM-FR-2026-000001';
const FR = generateKeyPairs('FR');
const MK = generateKeyPairs('MK');
const keys = new Map([
  ['FR', { keyId: FR.signing.keyId, publicKey: FR.signing.publicKey }],
  ['MK', { keyId: MK.signing.keyId, publicKey: MK.signing.publicKey }],
]);

function wire(
  id: string,
  type: string,
  from: 'FR' | 'MK',
  to: string,
  extra: Record<string, unknown> = {},
): WireRecord {
  const signer = from === 'FR' ? FR : MK;
  const body = Buffer.from(
    JSON.stringify({ version: 1, id, type, from, to, caseRef: CASE, inReplyTo: null, ...extra }),
    'utf8',
  );
  return {
    messageId: id,
    direction: from === 'FR' ? 'OUTBOUND' : 'INBOUND',
    type,
    from,
    to,
    keyId: signer.signing.keyId,
    body: body.toString('base64'),
    signature: sign(body, ed25519PrivateFromSeed(signer.signing.privateRaw)),
  };
}

const entry = (
  seq: number,
  action: string,
  fields: { caseRef?: string | null; messageId?: string; messageType?: string; details?: string } = {},
): CanonicalValues => [
  String(seq),
  `2026-11-23T10:00:${String(seq).padStart(2, '0')}.000000Z`,
  action,
  'node:FR',
  fields.caseRef === undefined ? CASE : fields.caseRef,
  fields.messageId ?? null,
  fields.messageType ?? null,
  'MK',
  null,
  null,
  null,
  fields.details ?? '{}',
];

const REFERRAL = '0192f1c6-3b7a-7cc2-9a51-000000000001';
const RECEIPT = '0192f1c6-3b7a-7cc2-9a51-000000000002';
const CHECKPOINT = '0192f1c6-3b7a-7cc2-9a51-000000000003';

/**
 * FR's referral to MK, MK's receipt, another case's entry between, and a checkpoint for MK; `erased`: the case
 * erased before the checkpoint, which took MK's signed receipt.
 */
function bundle(options: { firstLink?: 1 | 2; erased?: boolean } = {}): EvidenceBundle {
  const entries: Array<{ values: CanonicalValues; shown: boolean; link: 1 | 2 }> = [
    { values: entry(1, 'CASE_OPENED'), shown: true, link: options.firstLink ?? 2 },
    { values: entry(2, 'CASE_OPENED', { caseRef: 'TRM-FR-2026-000999' }), shown: false, link: 2 },
    {
      values: entry(3, 'MESSAGE_QUEUED', { messageId: REFERRAL, messageType: 'REFERRAL_REQUEST' }),
      shown: true,
      link: 2,
    },
    {
      values: entry(4, 'MESSAGE_RECEIVED', { messageId: RECEIPT, messageType: 'DELIVERY_RECEIPT' }),
      shown: true,
      link: 2,
    },
    ...(options.erased ? [{ values: entry(5, 'CASE_ERASED'), shown: true, link: 2 as const }] : []),
  ];
  const rows: ChainRow[] = [];
  let previous = GENESIS_HEX;
  const push = (values: CanonicalValues, shown: boolean, link: 1 | 2) => {
    const canonical = canonicalForm(values);
    const hash = chainHashHex(previous, canonical, link);
    const pos = rows.length + 1;
    rows.push(
      shown || link === 1
        ? { pos, link, canonical, prevHash: previous, hash }
        : { pos, link: 2, leaf: leafHex(canonical) },
    );
    previous = hash;
  };
  for (const e of entries) push(e.values, e.shown, e.link);
  const checkpointPos = rows.length;
  const checkpointHash = previous;
  push(
    entry(entries.length + 1, 'AUDIT_CHECKPOINT_SENT', {
      caseRef: null,
      messageId: CHECKPOINT,
      messageType: 'AUDIT_CHECKPOINT',
      details: JSON.stringify({ seq: checkpointPos, headHash: checkpointHash }).replace(/":/g, '": '),
    }),
    true,
    2,
  );
  const receipt = wire(RECEIPT, 'DELIVERY_RECEIPT', 'MK', 'FR', { inReplyTo: REFERRAL });
  return {
    format: EVIDENCE_FORMAT,
    version: 1,
    node: 'FR',
    caseRef: CASE,
    exportedAt: '2026-11-23T11:00:00.000Z',
    exportedBy: 'api:auditor',
    messages: [wire(REFERRAL, 'REFERRAL_REQUEST', 'FR', 'MK')],
    receipts: options.erased ? [] : [receipt],
    unavailable: options.erased ? [{ messageId: RECEIPT, reason: 'ERASED' }] : [],
    erased: options.erased ? { pos: 5, at: '2026-11-23T10:00:05.000000Z' } : null,
    chain: { prevHash: GENESIS_HEX, rows, head: { pos: rows.length, hash: previous } },
    checkpoints: [
      {
        peer: 'MK',
        pos: checkpointPos,
        headHash: checkpointHash,
        wire: {
          ...wire(CHECKPOINT, 'AUDIT_CHECKPOINT', 'FR', 'MK', { caseRef: null }),
          direction: 'OUTBOUND',
        },
      },
    ],
  };
}

const kinds = (b: unknown) => verifyEvidenceBundle(b, keys).problems.map((p) => [p.part, p.kind, p.ref]);

describe('verifyEvidenceBundle', () => {
  it('passes an intact bundle, witnessed up to the checkpoint', () => {
    expect(verifyEvidenceBundle(bundle(), keys)).toMatchObject({
      ok: true,
      messages: 1,
      receipts: 1,
      caseEntries: 3,
      chainRows: 5,
      witnessedUpTo: 4,
      entriesAfterWitness: 0,
      problems: [],
    });
  });

  it('recomputes a link-1 row from its content, and finds it read under the other link', () => {
    const old = bundle({ firstLink: 1 });
    expect(verifyEvidenceBundle(old, keys).ok).toBe(true);
    (old.chain.rows[0] as { link: number }).link = 2;
    expect(kinds(old)).toEqual([['entry', 'EDITED', 'position 1 (seq 1)']]);
  });

  it('names a signature made with a key the directory does not name for its sender', () => {
    const b = bundle();
    b.messages[0].keyId = 'FR-sig-0';
    expect(kinds(b)).toEqual([['message', 'UNKNOWN_KEY', REFERRAL]]);
    const stranger = new Map([...keys].filter(([code]) => code !== 'MK'));
    expect(verifyEvidenceBundle(bundle(), stranger).problems.map((p) => [p.part, p.kind])).toEqual([
      ['receipt', 'UNKNOWN_KEY'],
    ]);
  });

  it('finds a record that says other than its signed body', () => {
    const b = bundle();
    b.messages[0].to = 'IT';
    expect(kinds(b)).toEqual([['message', 'EDITED', REFERRAL]]);
  });

  it('finds a message moved to `unavailable` with a reason the chain contradicts', () => {
    const b = bundle();
    b.messages = [];
    b.unavailable = [{ messageId: REFERRAL, reason: 'NOT_STORED' }];
    expect(kinds(b)).toEqual(expect.arrayContaining([['message', 'REMOVED', REFERRAL]]));
  });

  it('passes an erased case whose received bodies are listed as erased, and says when it was erased', () => {
    expect(verifyEvidenceBundle(bundle({ erased: true }), keys)).toMatchObject({
      ok: true,
      receipts: 0,
      caseEntries: 4,
      erasedAt: '2026-11-23T10:00:05.000000Z',
      erasedBodies: 1,
      problems: [],
    });
  });

  it('accepts an erased body only for a message received before the erasure the chain records', () => {
    const sent = bundle({ erased: true });
    sent.messages = [];
    sent.unavailable.push({ messageId: REFERRAL, reason: 'ERASED' });
    expect(kinds(sent)).toEqual([['message', 'REMOVED', REFERRAL]]);
    const live = bundle();
    live.receipts = [];
    live.unavailable = [{ messageId: RECEIPT, reason: 'ERASED' }];
    expect(kinds(live)).toEqual([['message', 'REMOVED', RECEIPT]]);
  });

  it('finds the erasure left unsaid, claimed without its entry, or restated', () => {
    const unsaid = bundle({ erased: true });
    delete unsaid.erased;
    expect(kinds(unsaid)).toEqual([['erasure', 'REMOVED', 'position 5']]);
    const claimed = bundle();
    claimed.erased = { pos: 3, at: '2026-11-23T10:00:03.000000Z' };
    expect(kinds(claimed)).toEqual([['erasure', 'INSERTED', 'position 3']]);
    const restated = bundle({ erased: true });
    restated.erased = { pos: 5, at: '2026-11-24T10:00:05.000000Z' };
    expect(kinds(restated)).toEqual([['erasure', 'EDITED', 'position 5']]);
  });

  it('finds a checkpoint whose sending the chain does not record', () => {
    const b = bundle();
    b.chain.rows[4] = {
      pos: 5,
      link: 2,
      leaf: leafHex((b.chain.rows[4] as { canonical: string }).canonical),
    };
    expect(kinds(b)).toEqual([['checkpoint', 'REMOVED', CHECKPOINT]]);
  });

  it('finds a checkpoint removed: the chain shows it was sent', () => {
    const b = bundle();
    b.checkpoints = [];
    expect(kinds(b)).toEqual([['checkpoint', 'REMOVED', CHECKPOINT]]);
  });

  it('finds a chain that does not start from the genesis at position 1', () => {
    const b = bundle();
    b.chain.prevHash = '1'.repeat(64);
    expect(kinds(b)).toEqual(expect.arrayContaining([['chain', 'EDITED', 'position 1']]));
  });

  it.each([null, 42, 'text', [], {}, { format: EVIDENCE_FORMAT, version: 1 }])(
    'reports %j as malformed',
    (input) => {
      const report = verifyEvidenceBundle(input, keys);
      expect(report.ok).toBe(false);
      expect(report.problems.map((p) => p.kind)).toEqual(['MALFORMED']);
    },
  );

  it('never throws, whatever a value of the bundle is replaced with, and never passes a changed bundle', () => {
    const paths: string[][] = [];
    const walk = (value: unknown, path: string[]) => {
      paths.push(path);
      if (value && typeof value === 'object')
        for (const [key, child] of Object.entries(value)) walk(child, [...path, key]);
    };
    walk(bundle({ erased: true }), []);
    const replacement = fc.oneof(
      fc.constant(null),
      fc.integer(),
      fc.string({ maxLength: 8 }),
      fc.constant([]),
      fc.constant({}),
      fc.constant('A'.repeat(64)),
    );
    fc.assert(
      fc.property(fc.constantFrom(...paths.filter((p) => p.length > 0)), replacement, (path, value) => {
        const b = bundle({ erased: true }) as unknown as Record<string, unknown>;
        let parent = b;
        for (const key of path.slice(0, -1)) parent = parent[key] as Record<string, unknown>;
        const key = path[path.length - 1];
        if (JSON.stringify(parent[key]) === JSON.stringify(value)) return;
        parent[key] = value;
        const report = verifyEvidenceBundle(JSON.parse(JSON.stringify(b)), keys);
        // What the verifier does not read (the export's time and author) may change freely.
        if (['exportedAt', 'exportedBy'].includes(key)) return;
        expect(report.ok).toBe(false);
      }),
      { numRuns: 300 },
    );
  });
});
