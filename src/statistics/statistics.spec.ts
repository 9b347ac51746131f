import { Exported, recomputable } from './differencing';
import {
  calendarYear,
  crossTabulate,
  Dimension,
  DIMENSIONS,
  GRANULARITIES,
  periodOf,
  StatisticsCase,
  StatisticsTable,
  SUPPRESSED,
  toCsv,
  withinOneYear,
} from './statistics';
import { isSafe } from './suppression';

const THRESHOLD = 5;

/**
 * A population of 400 ordinary cases and one rare person, alone in every one of their categories, opened the
 * same year (an export covers one calendar year: only exports of the same year share cases).
 */
function population(): { cases: StatisticsCase[]; rare: StatisticsCase } {
  const cases: StatisticsCase[] = [];
  const sexes = ['FEMALE', 'MALE'];
  const bands = ['18-24', '25-34', '14-17'];
  const types = ['SEXUAL', 'LABOUR'];
  const countries = ['IT', 'MK', 'AL'];
  for (let i = 0; i < 400; i++) {
    cases.push({
      openedAt: new Date(Date.UTC(2026, i % 3, 1 + (i % 28))),
      sops: i % 2 === 0 ? ['1', '2'] : ['1'],
      countries: [countries[i % 3]],
      exploitationTypes: [types[i % 2]],
      sex: sexes[i % 2],
      ageBand: bands[i % 3],
    });
  }
  const rare: StatisticsCase = {
    openedAt: new Date(Date.UTC(2026, 10, 15)),
    sops: ['5'],
    countries: ['XK'],
    exploitationTypes: ['ORGAN_REMOVAL'],
    sex: 'OTHER',
    ageBand: '0-13',
  };
  return { cases: [...cases, rare], rare };
}

/** Every export offered: each dimension alone, and each pair in both orders, at each granularity. */
function everyRequest(): Array<{
  rows: Dimension;
  columns: Dimension | null;
  granularity: (typeof GRANULARITIES)[number];
}> {
  const requests = [];
  for (const granularity of GRANULARITIES)
    for (const rows of DIMENSIONS)
      for (const columns of [null, ...DIMENSIONS.filter((d) => d !== rows)])
        requests.push({ rows, columns, granularity });
  return requests;
}

/** The CSV read back into the JSON table's numbers (null where `x`). */
function readCsv(csv: string): Array<Array<number | null>> {
  return csv
    .trim()
    .split('\r\n')
    .slice(1)
    .map((line) =>
      line
        .split(',')
        .slice(1)
        .map((v) => (v === SUPPRESSED ? null : Number(v))),
    );
}

function gridOf(table: StatisticsTable): Array<Array<number | null>> {
  return [
    ...table.cells.map((row, r) => [...row, table.rowTotals[r]]),
    [...table.columnTotals, table.grandTotal],
  ];
}

describe('anonymised statistics', () => {
  it('no export identifies the one rare person, in JSON or CSV, for any pair of dimensions', () => {
    const { cases, rare } = population();
    const requests = everyRequest();
    expect(requests.length).toBe(2 * 6 * 6);
    for (const request of requests) {
      const table = crossTabulate(cases, { ...request, threshold: THRESHOLD });
      const json = JSON.parse(JSON.stringify(table)) as StatisticsTable;
      const label = `${request.rows} × ${request.columns ?? '-'} (${request.granularity})`;
      // The suppression rules hold: no small count published, no line with one lone hidden entry.
      expect({ label, safe: isSafe(json, THRESHOLD) }).toEqual({ label, safe: true });
      // The CSV says exactly what the JSON says.
      expect({ label, csv: readCsv(toCsv(table)) }).toEqual({ label, csv: gridOf(json) });
      // The rare person's own row (and cell) is hidden wherever it appears.
      const rareRow = json.rowValues.findIndex((v) => rareValues(rare, request.granularity).includes(v));
      // (Every dimension has a rare value, but the year: the window, shared with everyone.)
      const hasRareRow = !(request.rows === 'period' && request.granularity === 'YEAR');
      expect({ label, hasRareRow: rareRow >= 0 }).toEqual({ label, hasRareRow });
      if (hasRareRow)
        expect({ label, rareRowShown: json.rowTotals[rareRow] }).toEqual({ label, rareRowShown: null });
      // Nothing published counts fewer than the threshold (0 tells only that nobody is there).
      for (const value of gridOf(json).flat())
        if (value !== null)
          expect({ label, value, small: value > 0 && value < THRESHOLD }).toMatchObject({ small: false });
    }
  });

  it('the same population with the rare person removed publishes the ordinary cells', () => {
    const { cases } = population();
    const table = crossTabulate(cases.slice(0, -1), {
      rows: 'sex',
      columns: 'exploitationType',
      granularity: 'YEAR',
      threshold: THRESHOLD,
    });
    expect(table.cells).toEqual([
      [0, 200],
      [200, 0],
    ]);
    expect(table.grandTotal).toBe(400);
  });

  it('counts a case in each value of a many-valued dimension, and an absent value as UNKNOWN', () => {
    const c: StatisticsCase = {
      openedAt: new Date('2026-05-02T00:00:00Z'),
      sops: ['1', '2'],
      countries: [],
      exploitationTypes: null,
      sex: null,
      ageBand: null,
    };
    const table = crossTabulate(Array(6).fill(c), {
      rows: 'sop',
      columns: 'country',
      granularity: 'MONTH',
      threshold: THRESHOLD,
    });
    expect(table.rowValues).toEqual(['1', '2']);
    expect(table.columnValues).toEqual(['UNKNOWN']);
    expect(table.cells).toEqual([[6], [6]]);
    expect(table.grandTotal).toBe(12);
  });

  it('an export covers one whole calendar year', () => {
    const year = { from: new Date('2026-01-01T00:00:00Z'), to: new Date('2027-01-01T00:00:00Z') };
    expect(calendarYear(new Date('2026-02-10T08:00:00Z'), new Date('2026-05-03T12:00:00Z'))).toEqual(year);
    expect(calendarYear(null, new Date('2027-01-01T00:00:00Z'))).toEqual(year);
    expect(calendarYear(null, new Date('2026-07-01T00:00:00Z'))).toEqual(year);
    expect(withinOneYear(new Date('2026-02-10T08:00:00Z'), new Date('2027-01-01T00:00:00Z'))).toBe(true);
    expect(withinOneYear(new Date('2025-12-01T00:00:00Z'), new Date('2026-02-01T00:00:00Z'))).toBe(false);
  });

  it('names periods by year and month (UTC)', () => {
    const at = new Date('2026-11-30T23:30:00Z');
    expect(GRANULARITIES.map((g) => periodOf(at, g))).toEqual(['2026', '2026-11']);
  });
});

describe('between exports (differencing)', () => {
  const exported = (table: StatisticsTable, granularity: (typeof GRANULARITIES)[number]): Exported => ({
    ...(JSON.parse(JSON.stringify(table)) as StatisticsTable),
    granularity,
    from: '2026-01-01T00:00:00.000Z',
  });

  it('no set of exports of a year, not even all of them together, lets one recompute a hidden count', () => {
    const { cases } = population();
    const all = everyRequest().map((r) =>
      exported(crossTabulate(cases, { ...r, threshold: THRESHOLD }), r.granularity),
    );
    expect(all.length).toBe(72);
    // Together: every line of every export at once, and every count published anywhere (so any pair too).
    expect(recomputable(all)).toEqual([]);
    // The rare person's counts are among the hidden ones, in every export that has them.
    const sexes = all.find((e) => e.rows === 'sex' && e.columns === null)!;
    expect(sexes.rowTotals[sexes.rowValues.indexOf('OTHER')]).toBeNull();
  });

  it('the check finds what two exports suppressed differently would give away', () => {
    const { cases } = population();
    const bySex = crossTabulate(cases, {
      rows: 'sex',
      columns: null,
      granularity: 'YEAR',
      threshold: THRESHOLD,
    });
    const other = bySex.rowValues.indexOf('OTHER');
    const [hiddenPartner, publishedPartner] = bySex.rowTotals[0] === null ? [0, 1] : [1, 0];
    expect(bySex.rowTotals[other]).toBeNull();
    // The same table with the other partner hidden: safe on its own, but not beside the first.
    const swap = <T>(values: T[], real: number[][]): T[] =>
      values.map((v, r) =>
        r === hiddenPartner ? (real[r][0] as T) : r === publishedPartner ? (null as T) : v,
      );
    const raw = crossTabulate(cases, { rows: 'sex', columns: null, granularity: 'YEAR', threshold: 1 });
    const differently: StatisticsTable = {
      ...bySex,
      cells: swap(
        bySex.cells.map((row) => row[0]),
        raw.cells as number[][],
      ).map((v) => [v]),
      rowTotals: swap(bySex.rowTotals, raw.cells as number[][]),
    };
    expect(isSafe(differently, THRESHOLD)).toBe(true);
    expect(recomputable([exported(bySex, 'YEAR'), exported(differently, 'YEAR')])).toContain(
      '2026 | cases | sex=OTHER',
    );
  });

  it('a table and its transpose hide the same counts', () => {
    const { cases } = population();
    const request = { granularity: 'MONTH' as const, threshold: THRESHOLD };
    const a = crossTabulate(cases, { ...request, rows: 'sex', columns: 'country' });
    const b = crossTabulate(cases, { ...request, rows: 'country', columns: 'sex' });
    expect(b.cells).toEqual(a.columnValues.map((_, c) => a.cells.map((row) => row[c])));
    expect([b.rowTotals, b.columnTotals, b.grandTotal]).toEqual([a.columnTotals, a.rowTotals, a.grandTotal]);
  });
});

function rareValues(rare: StatisticsCase, granularity: (typeof GRANULARITIES)[number]): string[] {
  // The year is the window, shared with everyone; the month is the rare person's own.
  return [
    ...(granularity === 'YEAR' ? [] : [periodOf(rare.openedAt, granularity)]),
    ...rare.sops,
    ...rare.countries,
    ...(rare.exploitationTypes ?? []),
    rare.sex!,
    rare.ageBand!,
  ];
}
