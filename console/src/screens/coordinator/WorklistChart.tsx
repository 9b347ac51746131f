import { useTranslation } from 'react-i18next';
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { Schemas } from '../../api/client';
import { useCodes } from '../../i18n/labels';

type Expectation = Schemas['ExpectationView'];
const COLOURS: Record<string, string> = { OPEN: '#1d3557', OVERDUE: '#a3121f' };

/** Open expectations by partner country and status (owed to it or awaited from it). */
export function WorklistChart({ owed, awaited }: { owed: Expectation[]; awaited: Expectation[] }) {
  const { t } = useTranslation();
  const label = useCodes();
  const counts = new Map<string, Record<string, number>>();
  const add = (country: string, status: string): void => {
    const row = counts.get(country) ?? {};
    row[status] = (row[status] ?? 0) + 1;
    counts.set(country, row);
  };
  for (const e of owed) if (e.status === 'OPEN' || e.status === 'OVERDUE') add(e.owedTo, e.status);
  for (const e of awaited) if (e.status === 'OPEN' || e.status === 'OVERDUE') add(e.owedBy, e.status);
  const rows = [...counts.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([country, c]) => ({ country, ...c }));
  if (rows.length === 0) return null;
  return (
    <section className="panel" aria-labelledby="worklist-chart-title">
      <h2 id="worklist-chart-title">{t('worklist.chart', 'Open expectations by partner country')}</h2>
      <div
        className="chart"
        role="img"
        aria-labelledby="worklist-chart-title"
        aria-describedby="worklist-chart-table"
      >
        <ResponsiveContainer width="100%" height="100%">
          <BarChart data={rows}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis dataKey="country" />
            <YAxis allowDecimals={false} />
            <Tooltip />
            <Legend />
            {['OPEN', 'OVERDUE'].map((s) => (
              <Bar
                key={s}
                dataKey={s}
                name={label('expectationStatus', s)}
                stackId="s"
                fill={COLOURS[s]}
                isAnimationActive={false}
              />
            ))}
          </BarChart>
        </ResponsiveContainer>
      </div>
      <details>
        <summary>{t('dashboard.asTable', 'The same figures as a table')}</summary>
        <table id="worklist-chart-table">
          <thead>
            <tr>
              <th scope="col">{t('worklist.col.country', 'Country')}</th>
              <th scope="col">{label('expectationStatus', 'OPEN')}</th>
              <th scope="col">{label('expectationStatus', 'OVERDUE')}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.country}>
                <th scope="row">{r.country}</th>
                <td>{(r as Record<string, number | string>).OPEN ?? 0}</td>
                <td>{(r as Record<string, number | string>).OVERDUE ?? 0}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </section>
  );
}
