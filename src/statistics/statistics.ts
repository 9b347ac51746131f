import { suppress, SuppressedTable } from './suppression';

/**
 * Anonymised statistics for rapporteurs (docs/indicators.md, "Anonymised statistics"): counts of cases by two
 * dimensions, suppressed before they leave. Pure: the service reads the rows, this counts and renders.
 */

export const DIMENSIONS = ['period', 'sop', 'country', 'exploitationType', 'sex', 'ageBand'] as const;
export type Dimension = (typeof DIMENSIONS)[number];

export const GRANULARITIES = ['YEAR', 'QUARTER', 'MONTH'] as const;
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

/**
 * A case counts once in each cell its values meet: a case of two exploitation types counts in both. The
 * totals are the sums of the cells they close (so the suppression's equations hold), which for those
 * many-valued dimensions is a count of mentions, not of cases.
 */
export function crossTabulate(cases: readonly StatisticsCase[], request: StatisticsRequest): StatisticsTable {
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
  return {
    rows: request.rows,
    columns: request.columns,
    rowValues,
    columnValues,
    threshold: request.threshold,
    ...suppress({ cells }, request.threshold),
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
    case 'QUARTER':
      return `${year}-Q${Math.floor(month / 3) + 1}`;
    case 'MONTH':
      return `${year}-${String(month + 1).padStart(2, '0')}`;
  }
}

/**
 * The period an export covers, widened to whole periods of its granularity (`from` back to its period's
 * start, `to` on to the next period's start unless it is one): windows a second apart would otherwise
 * differ by one case, and the difference of two safe tables would show that case.
 */
export function wholePeriods(
  from: Date | null,
  to: Date,
  granularity: Granularity,
): { from: Date | null; to: Date } {
  const start = (at: Date): Date => {
    const months = granularity === 'YEAR' ? 12 : granularity === 'QUARTER' ? 3 : 1;
    const month = Math.floor(at.getUTCMonth() / months) * months;
    return new Date(Date.UTC(at.getUTCFullYear(), month, 1));
  };
  const next = (at: Date): Date => {
    const months = granularity === 'YEAR' ? 12 : granularity === 'QUARTER' ? 3 : 1;
    const begin = start(at);
    return new Date(Date.UTC(begin.getUTCFullYear(), begin.getUTCMonth() + months, 1));
  };
  return { from: from && start(from), to: start(to).getTime() === to.getTime() ? to : next(to) };
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
