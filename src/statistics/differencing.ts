import { Dimension, Granularity, MANY_VALUED } from './statistics';
import type { SuppressedTable } from './suppression';

/**
 * The reader's side of several exports (docs/indicators.md, "Between exports"): which hidden counts can be
 * recomputed from what the exports publish together. Pure; the tests' check that no set of exports of a
 * population lets one recompute a suppressed count.
 *
 * Each entry of an export is named by the count it is, so the same count in two exports has one name: the
 * window, the values it is restricted to (`period` dropped when it is the window's year) and what it adds up
 * (cases, or mentions of the many-valued dimensions a total sums over). Each line of each export (its cells
 * add up to its total) is an equation between those counts; a hidden count is recomputed when it is
 * published in another export, or when a line has it as its only unknown (repeated until nothing changes).
 */

/** An export as a reader holds it. */
export interface Exported extends SuppressedTable {
  rows: Dimension;
  columns: Dimension | null;
  rowValues: string[];
  columnValues: string[];
  granularity: Granularity;
  /** The start of the window (the calendar year). */
  from: string;
}

type Equation = Map<string, number>;

/** The names of the hidden counts the exports, taken together, let one recompute. */
export function recomputable(exports: readonly Exported[]): string[] {
  const published = new Set<string>();
  const hidden = new Set<string>();
  const equations: Equation[] = [];
  for (const e of exports) {
    const grid = entries(e);
    for (const row of grid)
      for (const entry of row) (entry.value === null ? hidden : published).add(entry.name);
    equations.push(...linesOf(grid));
  }
  const known = new Set(published);
  const recomputed = [...hidden].filter((name) => known.has(name));
  for (let changed = true; changed;) {
    changed = false;
    for (const equation of equations) {
      const unknown = [...equation.entries()].filter(([name, k]) => k !== 0 && !known.has(name));
      if (unknown.length !== 1) continue;
      known.add(unknown[0][0]);
      recomputed.push(unknown[0][0]);
      changed = true;
    }
  }
  return recomputed.sort();
}

interface Entry {
  name: string;
  value: number | null;
}

/** The export's extended grid (cells, row totals, column totals, grand total), each entry named. */
function entries(e: Exported): Entry[][] {
  const constraint = (dimension: Dimension | null, value: string): string[] =>
    dimension === null || (dimension === 'period' && e.granularity === 'YEAR')
      ? []
      : [`${dimension}=${value}`];
  const summed = (dimensions: Array<Dimension | null>): string => {
    const many = dimensions.filter((d): d is Dimension => d !== null && MANY_VALUED.has(d)).sort();
    return many.length === 0 ? 'cases' : `mentions of ${many.join(' × ')}`;
  };
  const name = (measure: string, constraints: string[]): string =>
    `${e.from.slice(0, 4)} | ${measure} | ${[...constraints].sort().join(', ')}`;
  const grid: Entry[][] = e.rowValues.map((row, r) => [
    ...e.columnValues.map((column, c) => ({
      name: name('cases', [...constraint(e.rows, row), ...constraint(e.columns, column)]),
      value: e.cells[r][c],
    })),
    { name: name(summed([e.columns]), constraint(e.rows, row)), value: e.rowTotals[r] },
  ]);
  grid.push([
    ...e.columnValues.map((column, c) => ({
      name: name(summed([e.rows]), constraint(e.columns, column)),
      value: e.columnTotals[c],
    })),
    { name: name(summed([e.rows, e.columns]), []), value: e.grandTotal },
  ]);
  return grid;
}

/** Each row and column of the grid: its cells minus its total is 0 (an entry met twice cancels out). */
function linesOf(grid: Entry[][]): Equation[] {
  const equation = (line: Entry[]): Equation => {
    const terms = new Map<string, number>();
    line.forEach((entry, i) => {
      const k = i === line.length - 1 ? -1 : 1;
      terms.set(entry.name, (terms.get(entry.name) ?? 0) + k);
    });
    return terms;
  };
  const width = grid[0].length;
  return [
    ...grid.map((row) => equation(row)),
    ...Array.from({ length: width }, (_, c) => equation(grid.map((row) => row[c]))),
  ];
}
