import {
  crossTabulate,
  Dimension,
  DIMENSIONS,
  GRANULARITIES,
  periodOf,
  StatisticsCase,
  StatisticsTable,
  SUPPRESSED,
  toCsv,
  wholePeriods,
} from './statistics';
import { isSafe } from './suppression';

const THRESHOLD = 5;

/** A population of 400 ordinary cases and one rare person, alone in every one of their categories. */
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
    openedAt: new Date(Date.UTC(2025, 10, 15)),
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
    expect(requests.length).toBe(3 * 6 * 6);
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

  it('widens the window of an export to whole periods', () => {
    const from = new Date('2026-02-10T08:00:00Z');
    const to = new Date('2026-05-03T12:00:00Z');
    expect(wholePeriods(from, to, 'MONTH')).toEqual({
      from: new Date('2026-02-01T00:00:00Z'),
      to: new Date('2026-06-01T00:00:00Z'),
    });
    expect(wholePeriods(from, to, 'QUARTER')).toEqual({
      from: new Date('2026-01-01T00:00:00Z'),
      to: new Date('2026-07-01T00:00:00Z'),
    });
    expect(wholePeriods(null, new Date('2027-01-01T00:00:00Z'), 'YEAR')).toEqual({
      from: null,
      to: new Date('2027-01-01T00:00:00Z'),
    });
  });

  it('names periods by year, quarter and month (UTC)', () => {
    const at = new Date('2026-11-30T23:30:00Z');
    expect(GRANULARITIES.map((g) => periodOf(at, g))).toEqual(['2026', '2026-Q4', '2026-11']);
  });
});

function rareValues(rare: StatisticsCase, granularity: (typeof GRANULARITIES)[number]): string[] {
  return [
    periodOf(rare.openedAt, granularity),
    ...rare.sops,
    ...rare.countries,
    ...(rare.exploitationTypes ?? []),
    rare.sex!,
    rare.ageBand!,
  ];
}
