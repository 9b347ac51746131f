/**
 * Small-cell suppression of a two-way table of counts with its margins (docs/indicators.md, "Anonymised
 * statistics"). Pure: plain numbers in, the same table with some cells hidden out.
 *
 * The table is read as its (rows + 1) × (columns + 1) extension: every row of cells ends with its row
 * total, every column with its column total, and the totals row ends with the grand total. Each such line
 * is one equation (the cells add up to the total), so a single hidden entry in a line could be recomputed
 * by subtraction. The rules:
 * 1. primary: any entry (cell or total) between 1 and `threshold - 1` is hidden; a published 0 tells only
 *    that nobody is there, so 0 is not sensitive;
 * 2. secondary: while some line has exactly one hidden entry, hide one more in that line, the smallest
 *    non-zero published one (a zero could be hidden too, but it would protect little: the reader would
 *    guess it), preferring a cell over a total so the margins stay published.
 * Every line then has zero or at least two hidden entries.
 */

export interface CountTable {
  /** cells[row][column] */
  cells: number[][];
}

export interface SuppressedTable {
  /** null where hidden */
  cells: Array<Array<number | null>>;
  rowTotals: Array<number | null>;
  columnTotals: Array<number | null>;
  grandTotal: number | null;
}

/**
 * Margins decided elsewhere (docs/indicators.md, "Between exports"): a total that is the same count as an
 * entry of another export (a row total of sex × ageBand is the count by sex of the one-way table) is hidden
 * there and here alike, so it is given hidden or not, and the secondary rule closes lines with cells.
 */
export interface FixedMargins {
  rowTotals?: boolean[];
  columnTotals?: boolean[];
  grandTotal?: boolean;
}

/** Hides every entry that is, or would let one compute, a count under `threshold`. */
export function suppress(table: CountTable, threshold: number, fixed: FixedMargins = {}): SuppressedTable {
  const rows = table.cells.length;
  const columns = rows === 0 ? 0 : table.cells[0].length;
  // The extended grid: the last row and the last column hold the totals.
  const grid: number[][] = table.cells.map((row) => [...row, sum(row)]);
  const totalsRow: number[] = [];
  for (let c = 0; c <= columns; c++) totalsRow.push(sum(grid.map((row) => row[c])));
  grid.push(rows === 0 ? [0] : totalsRow);
  const hidden = grid.map((row) => row.map((value) => value > 0 && value < threshold));
  // A fixed margin keeps its given state: never a partner, unless a line has nothing else to hide.
  const locked = grid.map((row) => row.map(() => false));
  const fix = (r: number, c: number, value: boolean | undefined) => {
    if (value === undefined) return;
    hidden[r][c] = value;
    locked[r][c] = true;
  };
  fixed.rowTotals?.forEach((value, r) => fix(r, columns, value));
  fixed.columnTotals?.forEach((value, c) => fix(rows, c, value));
  fix(rows, columns, fixed.grandTotal);

  const lines = linesOf(rows + 1, columns + 1);
  for (let changed = true; changed;) {
    changed = false;
    for (const line of lines) {
      const hiddenCount = line.filter(([r, c]) => hidden[r][c]).length;
      if (hiddenCount !== 1) continue;
      const partner =
        pickPartner(line, grid, hidden, rows, columns, locked) ??
        pickPartner(line, grid, hidden, rows, columns);
      if (!partner) continue; // nothing else in the line: the one hidden entry is its own total's twin
      hidden[partner[0]][partner[1]] = true;
      changed = true;
    }
  }

  const shown = (r: number, c: number): number | null => (hidden[r][c] ? null : grid[r][c]);
  return {
    cells: table.cells.map((row, r) => row.map((_, c) => shown(r, c))),
    rowTotals: table.cells.map((_, r) => shown(r, columns)),
    columnTotals: Array.from({ length: columns }, (_, c) => shown(rows, c)),
    grandTotal: shown(rows, columns),
  };
}

type Position = [number, number];

/** Every row and every column of the extended grid. */
function linesOf(height: number, width: number): Position[][] {
  const lines: Position[][] = [];
  for (let r = 0; r < height; r++) lines.push(Array.from({ length: width }, (_, c): Position => [r, c]));
  for (let c = 0; c < width; c++) lines.push(Array.from({ length: height }, (_, r): Position => [r, c]));
  return lines;
}

/** The published entry of a line to hide beside its one hidden entry: smallest non-zero, cells before totals. */
function pickPartner(
  line: Position[],
  grid: number[][],
  hidden: boolean[][],
  rows: number,
  columns: number,
  locked?: boolean[][],
): Position | undefined {
  const isTotal = ([r, c]: Position): boolean => r === rows || c === columns;
  const candidates = line
    .filter(([r, c]) => !hidden[r][c] && !locked?.[r][c])
    .sort(
      (a, b) =>
        Number(grid[a[0]][a[1]] === 0) - Number(grid[b[0]][b[1]] === 0) ||
        Number(isTotal(a)) - Number(isTotal(b)) ||
        grid[a[0]][a[1]] - grid[b[0]][b[1]],
    );
  return candidates[0];
}

function sum(values: number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

/**
 * Whether a suppressed table keeps every line safe: no published entry under the threshold (other than 0),
 * and no line with exactly one hidden entry. The tests' check, and a guard before anything is exported.
 */
export function isSafe(table: SuppressedTable, threshold: number): boolean {
  const grid: Array<Array<number | null>> = table.cells.map((row, r) => [...row, table.rowTotals[r]]);
  grid.push([...table.columnTotals, table.grandTotal]);
  const published = grid.flat().filter((value): value is number => value !== null);
  if (published.some((value) => value > 0 && value < threshold)) return false;
  const width = grid[0].length;
  const lines = linesOf(grid.length, width);
  return lines.every((line) => line.filter(([r, c]) => grid[r][c] === null).length !== 1);
}
