import {
  canonicalForm,
  CanonicalValues,
  chainHash,
  chainHashFromLeafHex,
  chainHashHex,
  ChainChecker,
  ChainProblem,
  GENESIS_HASH,
  GENESIS_HEX,
  leafHex,
  SealedRow,
} from './audit-chain';

const START = Date.parse('2026-11-23T10:00:00.000Z');
const at = (ms: number): string => new Date(ms).toISOString().replace('Z', '000Z');

function entry(seq: number, changes: Partial<Record<'at' | 'actor', string>> = {}): CanonicalValues {
  return [
    String(seq),
    changes.at ?? at(START + seq * 1000),
    'MESSAGE_QUEUED',
    changes.actor ?? 'api:coordinator-1',
    'TRM-FR-2026-000001',
    `0192f1c6-3b7a-7cc2-9a51-7d8a1d0c2f${String(seq).padStart(2, '0')}`,
    'REFERRAL_REQUEST',
    'MK',
    'CONSENT',
    'ALLOW',
    null,
    '{"consentId": "c-1"}',
  ];
}

/** Seals entries the way the sealer does, from position 1. */
function seal(entries: CanonicalValues[]): SealedRow[] {
  let previous = GENESIS_HEX;
  return entries.map((values, i) => {
    const canonical = canonicalForm(values);
    const hash = chainHashHex(previous, canonical);
    const row: SealedRow = { pos: i + 1, entrySeq: values[0]!, prevHash: previous, hash, canonical, link: 2 };
    previous = hash;
    return row;
  });
}

function check(
  rows: SealedRow[],
  options: ConstructorParameters<typeof ChainChecker>[0] = {},
): ChainProblem[] {
  const checker = new ChainChecker(options);
  for (const row of rows) checker.push(row);
  return [...checker.finish()].sort((a, b) => (a.pos ?? 0) - (b.pos ?? 0));
}

const chain = (n = 30) => seal(Array.from({ length: n }, (_, i) => entry(i + 1)));
const kinds = (problems: ChainProblem[]) => problems.map((p) => [p.kind, p.seq]);

describe('canonical form and hash', () => {
  it('prints the JSON array as PostgreSQL json_build_array does: ", " between elements, null as null', () => {
    expect(canonicalForm(['7', null, 'a "quoted"\nline\u0001', 'é'])).toBe(
      '[1, "7", null, "a \\"quoted\\"\\nline\\u0001", "é"]',
    );
  });

  it('chains: each hash covers the previous hash and the entry', () => {
    const canonical = canonicalForm(entry(1));
    const first = chainHash(GENESIS_HASH, canonical);
    expect(first.toString('hex')).toBe(chainHashHex(GENESIS_HEX, canonical));
    expect(chainHash(first, canonical).equals(first)).toBe(false);
    expect(chainHash(GENESIS_HASH, canonicalForm(entry(1, { actor: 'api:other' }))).equals(first)).toBe(
      false,
    );
  });
});

describe('links', () => {
  // The example of docs/audit.md, "The hash chain".
  const example =
    '[1, "1", "2026-11-23T10:15:00.123000Z", "MESSAGE_QUEUED", "api:coordinator-1", "TRM-FR-2026-000123", "0192f1c6-3b7a-7cc2-9a51-7d8a1d0c2f10", "REFERRAL_REQUEST", "MK", "CONSENT", "ALLOW", null, "{\\"consentId\\": \\"c-1\\"}"]';

  it('link 1 hashes the canonical text, link 2 its leaf: both as documented', () => {
    expect(chainHashHex(GENESIS_HEX, example, 1)).toBe(
      '0c9befc880d6c6f6e8a49717a09f38da0620e6c6c089d961c4cd07881276e47c',
    );
    expect(leafHex(example)).toBe('e8ad443db693a27227344a8d00bf487c2d9e394d6259a866d8c8426959158486');
    expect(chainHashHex(GENESIS_HEX, example, 2)).toBe(
      'b1bca0e357a0969c5757f34705e7ecb2fc5749019e71e0a76757c3633e09cba3',
    );
  });

  it('a link-2 hash is recomputed from the leaf alone, without the entry', () => {
    const previous = chainHashHex(GENESIS_HEX, example);
    const canonical = canonicalForm(entry(2));
    expect(chainHashFromLeafHex(previous, leafHex(canonical))).toBe(chainHashHex(previous, canonical, 2));
  });

  it('checks a chain whose older rows are link 1, and a row read under the other link is edited', () => {
    const rows = chain(12).map((row) => ({ ...row }));
    let previous = GENESIS_HEX;
    rows.forEach((row, i) => {
      row.prevHash = previous;
      if (i < 6) row.link = 1;
      row.hash = chainHashHex(previous, row.canonical!, row.link);
      previous = row.hash;
    });
    expect(check(rows)).toEqual([]);
    rows[3] = { ...rows[3], link: 2 };
    expect(kinds(check(rows))).toEqual([['EDITED', '4']]);
  });
});

describe('ChainChecker', () => {
  it('passes an intact chain and counts every row', () => {
    const checker = new ChainChecker();
    for (const row of chain()) checker.push(row);
    expect(checker.finish()).toEqual([]);
    expect(checker.rowsChecked).toBe(30);
  });

  it('finds an edited entry', () => {
    const rows = chain();
    rows[9] = { ...rows[9], canonical: canonicalForm(entry(10, { actor: 'api:someone-else' })) };
    expect(kinds(check(rows))).toEqual([['EDITED', '10']]);
  });

  it('finds a removed entry whose seal is still there', () => {
    const rows = chain();
    rows[9] = { ...rows[9], canonical: null };
    expect(check(rows)).toEqual([
      { kind: 'REMOVED', seq: '10', pos: 10, detail: 'the entry is missing from the audit log' },
    ]);
  });

  it('finds a removed entry whose seal went too, with or without the positions renumbered', () => {
    const gap = chain().filter((row) => row.pos !== 10);
    expect(check(gap)).toEqual([expect.objectContaining({ kind: 'REMOVED', seq: '11', pos: 11 })]);
    expect(check(gap)[0].detail).toContain('chain positions 10..10 are missing after seq 9');

    const renumbered = gap.map((row) => (row.pos > 10 ? { ...row, pos: row.pos - 1 } : row));
    expect(kinds(check(renumbered))).toEqual([['REMOVED', '11']]);
  });

  it('finds an inserted entry, even one hashed onto its predecessor', () => {
    const rows = chain();
    const forged = canonicalForm(entry(99, { at: at(START + 10_500) }));
    const inserted: SealedRow = {
      pos: 11,
      entrySeq: '99',
      prevHash: rows[9].hash,
      hash: chainHashHex(rows[9].hash, forged),
      canonical: forged,
      link: 2,
    };
    const tampered = [
      ...rows.slice(0, 10),
      inserted,
      ...rows.slice(10).map((r) => ({ ...r, pos: r.pos + 1 })),
    ];
    expect(kinds(check(tampered))).toEqual([['INSERTED', '99']]);
  });

  it('finds a backdated entry appended with a valid seal', () => {
    const entries = Array.from({ length: 30 }, (_, i) => entry(i + 1));
    entries.push(entry(31, { at: at(START - 86_400_000) }));
    expect(kinds(check(seal(entries)))).toEqual([['INSERTED', '31']]);
  });

  it('finds two reordered seals (positions swapped)', () => {
    const rows = chain();
    const swapped = rows.map((row) =>
      row.pos === 10 ? { ...rows[10], pos: 10 } : row.pos === 11 ? { ...rows[9], pos: 11 } : row,
    );
    const problems = check(swapped);
    expect(kinds(problems)).toEqual([['REORDERED', '11']]);
    expect(problems[0].detail).toBe('it was sealed after seq 10 but now comes before it');
  });

  it('finds two reordered entries (seq numbers swapped) and where each was sealed', () => {
    const rows = chain();
    const swap = (values: CanonicalValues, seq: string) => canonicalForm([seq, ...values.slice(1)]);
    const tampered = rows.map((row) =>
      row.pos === 10
        ? { ...row, canonical: swap(entry(11), '10') }
        : row.pos === 11
          ? { ...row, canonical: swap(entry(10), '11') }
          : row,
    );
    const problems = check(tampered);
    expect(kinds(problems)).toEqual([
      ['REORDERED', '10'],
      ['REORDERED', '11'],
    ]);
    expect(problems[0].detail).toBe('it holds the entry that was sealed as seq 11');
  });

  it('finds a chain that does not start at the genesis', () => {
    expect(kinds(check(chain().slice(3)))).toEqual([['REMOVED', '4']]);
    const rows = chain();
    rows[0] = { ...rows[0], prevHash: 'ab'.repeat(32) };
    expect(kinds(check(rows))).toEqual([['REMOVED', '1']]);
  });

  it('checks one range with context around it, reporting and counting only the range', () => {
    const rows = chain();
    rows[4] = { ...rows[4], canonical: null };
    rows[14] = { ...rows[14], canonical: canonicalForm(entry(15, { actor: 'x' })) };
    const checker = new ChainChecker({ reportFrom: 11, reportTo: 20 });
    for (const row of rows.slice(2)) checker.push(row);
    expect(kinds(checker.finish())).toEqual([['EDITED', '15']]);
    expect(checker.rowsChecked).toBe(10);
  });
});
