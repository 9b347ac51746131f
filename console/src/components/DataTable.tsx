import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';

/**
 * Rows under their column headings, or the `empty` sentence when there is none (without one, the bare
 * table): the table every list screen shows. `children` are the body's rows.
 */
export function DataTable({
  columns,
  count,
  empty,
  children,
}: {
  columns: ReactNode[];
  count: number;
  empty?: ReactNode;
  children: ReactNode;
}) {
  if (count === 0 && empty !== undefined) return <p className="empty">{empty}</p>;
  return (
    <div className="table-wrap">
      <table>
        <thead>
          <tr>
            {columns.map((column, i) => (
              <th scope="col" key={i}>
                {column}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}

/** The button that appends the next page of a cursor-paged list, while there is one. */
export function NextPage({
  next,
  busy,
  onNext,
}: {
  next: string | null;
  busy: boolean;
  onNext: (after: string) => void;
}) {
  const { t } = useTranslation();
  if (!next) return null;
  return (
    <p>
      <button type="button" onClick={() => onNext(next)} disabled={busy}>
        {t('cases.next', 'Next page')}
      </button>
    </p>
  );
}
