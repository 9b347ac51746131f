import * as fc from 'fast-check';
import { isSafe, suppress } from './suppression';

describe('small-cell suppression', () => {
  it('publishes a table with no small count as it is', () => {
    const table = suppress(
      {
        cells: [
          [10, 0],
          [7, 12],
        ],
      },
      5,
    );
    expect(table).toEqual({
      cells: [
        [10, 0],
        [7, 12],
      ],
      rowTotals: [10, 19],
      columnTotals: [17, 12],
      grandTotal: 29,
    });
  });

  it('hides a small cell and, in its row and column, the smallest other non-zero cell', () => {
    // 2 is primary; 6 (its row) and 7 (its column) are secondary, and 9 closes the rectangle.
    const table = suppress(
      {
        cells: [
          [2, 6, 20],
          [7, 9, 30],
          [40, 50, 60],
        ],
      },
      5,
    );
    expect(table.cells).toEqual([
      [null, null, 20],
      [null, null, 30],
      [40, 50, 60],
    ]);
    expect(table.rowTotals).toEqual([28, 46, 150]);
    expect(table.columnTotals).toEqual([49, 65, 110]);
    expect(isSafe(table, 5)).toBe(true);
  });

  it('hides a small margin too, and another margin beside it', () => {
    // Row 0's total is 3 (1 + 2): both cells and the total are primary; the column totals' line then needs
    // nothing more, but the row totals' column does: the other row total is hidden with it.
    const table = suppress(
      {
        cells: [
          [1, 2],
          [30, 40],
        ],
      },
      5,
    );
    expect(table.rowTotals[0]).toBeNull();
    expect(table.rowTotals[1]).toBeNull();
    expect(table.cells[0]).toEqual([null, null]);
    expect(isSafe(table, 5)).toBe(true);
  });

  it('hides everything of a population smaller than the threshold', () => {
    const table = suppress(
      {
        cells: [
          [1, 0],
          [0, 2],
        ],
      },
      5,
    );
    expect(table.grandTotal).toBeNull();
    expect(table.cells.flat().filter((v) => v !== null && v > 0)).toEqual([]);
  });

  it('leaves zeros published: they tell only that nobody is there', () => {
    expect(
      suppress(
        {
          cells: [
            [0, 0],
            [0, 9],
          ],
        },
        5,
      ).cells,
    ).toEqual([
      [0, 0],
      [0, 9],
    ]);
  });

  it('follows the threshold it is given', () => {
    expect(
      suppress(
        {
          cells: [
            [7, 30],
            [30, 30],
          ],
        },
        10,
      ).cells[0][0],
    ).toBeNull();
    expect(
      suppress(
        {
          cells: [
            [7, 30],
            [30, 30],
          ],
        },
        5,
      ).cells[0][0],
    ).toBe(7);
  });

  it('isSafe finds a lone hidden entry and a small published count', () => {
    const lone = {
      cells: [
        [null, 20],
        [30, 40],
      ],
      rowTotals: [22, 70],
      columnTotals: [32, 60],
      grandTotal: 92,
    };
    expect(isSafe(lone, 5)).toBe(false);
    const small = {
      cells: [
        [3, 20],
        [30, 40],
      ],
      rowTotals: [23, 70],
      columnTotals: [33, 60],
      grandTotal: 93,
    };
    expect(isSafe(small, 5)).toBe(false);
  });

  it('property: every table comes out safe, and what is published is true', () => {
    const tables = fc
      .tuple(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 6 }))
      .chain(([rows, columns]) =>
        fc.array(
          fc.array(fc.oneof(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 200 })), {
            minLength: columns,
            maxLength: columns,
          }),
          { minLength: rows, maxLength: rows },
        ),
      );
    fc.assert(
      fc.property(tables, fc.integer({ min: 2, max: 10 }), (cells, threshold) => {
        const out = suppress({ cells }, threshold);
        expect(isSafe(out, threshold)).toBe(true);
        out.cells.forEach((row, r) => row.forEach((v, c) => v !== null && expect(v).toBe(cells[r][c])));
        const total = cells.flat().reduce((a, b) => a + b, 0);
        if (out.grandTotal !== null) expect(out.grandTotal).toBe(total);
      }),
      { numRuns: 300 },
    );
  });
});
