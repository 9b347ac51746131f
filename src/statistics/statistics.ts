import { FixedMargins, suppress, SuppressedTable } from './suppression';

/**
 * Anonymised statistics for rapporteurs (docs/indicators.md, "Anonymised statistics"): counts of cases by two
 * dimensions, suppressed before they leave. Pure: the service reads the rows, this counts and renders.
 */

export const DIMENSIONS = ['period', 'sop', 'country', 'exploitationType', 'sex', 'ageBand'] as const;
export type Dimension = (typeof DIMENSIONS)[number];

/**
 * How `period` groups the cases within an export's calendar year. No quarters: a quarter is the sum of three
 * months, and a quarter's table and a month's table suppressed each on its own would let one recompute a
 * hidden month (docs/indicators.md, "Between exports").
 */
export const GRANULARITIES = ['YEAR', 'MONTH'] as const;
export type Granularity = (typeof GRANULARITIES)[number];

/** What a case tells the statistics: coarse categories only, never a name, a date of birth or a reference. */
export interface StatisticsCase {
  openedAt: Date;
  /** The SOPs the case has entered (its `phases` keys). */
  sops: string[];
  /** The partner countries this node exchanged messages with on the case. */
  countries: string[];
  exploitationTypes: string[] | null;
  sex: string | null;
  ageBand: string | null;
}

export interface StatisticsRequest {
  rows: Dimension;
  /** null: one column, the count itself */
  columns: Dimension | null;
  granularity: Granularity;
  threshold: number;
}

export interface StatisticsTable extends SuppressedTable {
  rows: Dimension;
  columns: Dimension | null;
  rowValues: string[];
  columnValues: string[];
  threshold: number;
}

/** The one column of a one-way table. */
export const ALL = 'ALL';
/** A case without the dimension's value (no referral received yet, no SOP started, no partner). */
export const UNKNOWN = 'UNKNOWN';

/** The dimensions a case may have several values in (a case in SOP 1 and 2 counts in both). */
export const MANY_VALUED: ReadonlySet<Dimension> = new Set<Dimension>(['sop', 'country', 'exploitationType']);

/**
 * A case counts once in each cell its values meet: a case of two exploitation types counts in both. The
 * totals are the sums of the cells they close (so the suppression's equations hold), which for those
 * many-valued dimensions is a count of mentions, not of cases.
 *
 * Suppression is consistent between the exports of one window (docs/indicators.md, "Between exports"): a
 * table and its transpose hide the same cells (one is computed, the other turned), and a margin that is the
 * same count as an entry of a one-way table (the row totals of sex × ageBand are the counts by sex) is hidden
 * exactly where that one-way table hides it.
 */
export function crossTabulate(cases: readonly StatisticsCase[], request: StatisticsRequest): StatisticsTable {
  const { rows, columns } = request;
  if (columns && DIMENSIONS.indexOf(columns) < DIMENSIONS.indexOf(rows))
    return transpose(crossTabulate(cases, { ...request, rows: columns, columns: rows }));
  const { rowValues, columnValues, cells } = count(cases, request);
  const fixed: FixedMargins = {};
  if (columns) {
    const byRow = oneWayHidden(cases, { ...request, columns: null });
    const byColumn = oneWayHidden(cases, { ...request, rows: columns, columns: null });
    // A total over a single-valued dimension counts cases, as the other dimension's one-way table does.
    if (!MANY_VALUED.has(columns)) {
      fixed.rowTotals = rowValues.map((v) => byRow.hidden.get(v) ?? false);
      fixed.grandTotal = byRow.grandTotal;
    }
    if (!MANY_VALUED.has(rows)) {
      fixed.columnTotals = columnValues.map((v) => byColumn.hidden.get(v) ?? false);
      fixed.grandTotal ??= byColumn.grandTotal;
    }
  }
  return {
    rows,
    columns,
    rowValues,
    columnValues,
    threshold: request.threshold,
    ...suppress({ cells }, request.threshold, fixed),
  };
}

function count(
  cases: readonly StatisticsCase[],
  request: StatisticsRequest,
): { rowValues: string[]; columnValues: string[]; cells: number[][] } {
  const counts = new Map<string, Map<string, number>>();
  const columnSet = new Set<string>();
  for (const c of cases) {
    const columnValues = request.columns ? valuesOf(c, request.columns, request.granularity) : [ALL];
    for (const row of valuesOf(c, request.rows, request.granularity)) {
      let line = counts.get(row);
      if (!line) counts.set(row, (line = new Map()));
      for (const column of columnValues) {
        columnSet.add(column);
        line.set(column, (line.get(column) ?? 0) + 1);
      }
    }
  }
  const rowValues = [...counts.keys()].sort();
  const columnValues = request.columns ? [...columnSet].sort() : [ALL];
  const cells = rowValues.map((row) => columnValues.map((column) => counts.get(row)?.get(column) ?? 0));
  return { rowValues, columnValues, cells };
}

/** Which values the one-way table of a dimension hides, and whether it hides its total. */
function oneWayHidden(
  cases: readonly StatisticsCase[],
  request: StatisticsRequest,
): { hidden: Map<string, boolean>; grandTotal: boolean } {
  const table = crossTabulate(cases, request);
  return {
    hidden: new Map(table.rowValues.map((v, r) => [v, table.rowTotals[r] === null])),
    grandTotal: table.grandTotal === null,
  };
}

function transpose(table: StatisticsTable): StatisticsTable {
  return {
    ...table,
    rows: table.columns!,
    columns: table.rows,
    rowValues: table.columnValues,
    columnValues: table.rowValues,
    cells: table.columnValues.map((_, c) => table.cells.map((row) => row[c])),
    rowTotals: table.columnTotals,
    columnTotals: table.rowTotals,
  };
}

/** The values a case has in one dimension (several for the many-valued ones). */
export function valuesOf(c: StatisticsCase, dimension: Dimension, granularity: Granularity): string[] {
  const orUnknown = (values: readonly string[] | null): string[] =>
    values && values.length > 0 ? [...new Set(values)] : [UNKNOWN];
  switch (dimension) {
    case 'period':
      return [periodOf(c.openedAt, granularity)];
    case 'sop':
      return orUnknown(c.sops);
    case 'country':
      return orUnknown(c.countries);
    case 'exploitationType':
      return orUnknown(c.exploitationTypes);
    case 'sex':
      return [c.sex ?? UNKNOWN];
    case 'ageBand':
      return [c.ageBand ?? UNKNOWN];
  }
}

export function periodOf(at: Date, granularity: Granularity): string {
  const year = at.getUTCFullYear();
  const month = at.getUTCMonth();
  switch (granularity) {
    case 'YEAR':
      return String(year);
    case 'MONTH':
      return `${year}-${String(month + 1).padStart(2, '0')}`;
  }
}

/**
 * The window an export covers: one whole calendar year (UTC), the year of `from`, else the year `to` ends in.
 * Exports of different windows then count the same cases or none in common: the difference of two nested
 * windows (a year and eleven of its months, yesterday's table and today's) is not there to be taken
 * (docs/indicators.md, "Between exports").
 */
export function calendarYear(from: Date | null, to: Date): { from: Date; to: Date } {
  const year = from ? from.getUTCFullYear() : new Date(to.getTime() - 1).getUTCFullYear();
  return { from: new Date(Date.UTC(year, 0, 1)), to: new Date(Date.UTC(year + 1, 0, 1)) };
}

/** Whether [from, to) lies within one calendar year (what an export may ask for). */
export function withinOneYear(from: Date, to: Date): boolean {
  return to.getTime() <= calendarYear(from, to).to.getTime();
}

/** Written where a count is suppressed, in the CSV export. */
export const SUPPRESSED = 'x';

/**
 * CSV (RFC 4180, CRLF): a header of the column values and TOTAL, one line per row value ending with its
 * total, a TOTAL line; a suppressed count is `x`. Values are codes (no comma or quote), quoted anyway.
 */
export function toCsv(table: StatisticsTable): string {
  const cell = (value: number | null): string => (value === null ? SUPPRESSED : String(value));
  const quote = (text: string): string => `"${text.replace(/"/g, '""')}"`;
  const header = `${table.rows}${table.columns ? `\\${table.columns}` : ''}`;
  const lines = [[header, ...table.columnValues, 'TOTAL'].map(quote).join(',')];
  table.rowValues.forEach((row, r) =>
    lines.push([quote(row), ...table.cells[r].map(cell), cell(table.rowTotals[r])].join(',')),
  );
  lines.push([quote('TOTAL'), ...table.columnTotals.map(cell), cell(table.grandTotal)].join(','));
  return `${lines.join('\r\n')}\r\n`;
}
