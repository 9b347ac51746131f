import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { api, call, type Schemas } from '../../api/client';
import { useLoad } from '../../api/useLoad';
import { Loading, Problem } from '../../components/Problem';
import { useCodes } from '../../i18n/labels';

const PALETTE = ['#1d3557', '#a3121f', '#1e6b35', '#7a4b00', '#5a3e8a', '#0b6e79', '#8a5a00', '#4a5561'];
const DAYS = 30;
const MAX_PAGES = 5;

/** Refusals (audit decisions DENY) by reason code per day over the last 30 days. */
export function AuditDashboard() {
  const { t } = useTranslation();
  const label = useCodes();
  const from = useMemo(() => new Date(Date.now() - DAYS * 86_400_000).toISOString(), []);
  const denied = useLoad(async () => {
    const all: Schemas['AuditEntryView'][] = [];
    let after: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const result = await call(() =>
        api.GET('/audit/entries', {
          params: {
            query: {
              decision: 'DENY',
              from,
              limit: 1000,
              order: 'asc',
              ...(after ? { after } : {}),
            } as never,
          },
        }),
      );
      all.push(...result.entries);
      after = (result.nextCursor as unknown as string | null) ?? undefined;
      if (!after) break;
    }
    return all;
  }, [from]);
  const { rows, reasons } = useMemo(() => {
    const byDay = new Map<string, Record<string, number>>();
    const seen = new Set<string>();
    for (const e of denied.data ?? []) {
      const day = e.at.slice(0, 10);
      const reason = (e.reasonCode as unknown as string | null) ?? 'NONE';
      seen.add(reason);
      const row = byDay.get(day) ?? {};
      row[reason] = (row[reason] ?? 0) + 1;
      byDay.set(day, row);
    }
    return {
      rows: [...byDay.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([day, counts]) => ({ day, ...counts })),
      reasons: [...seen].sort(),
    };
  }, [denied.data]);
  return (
    <section aria-labelledby="dashboard-title">
      <h1 id="dashboard-title">{t('dashboard.title', 'Dashboard')}</h1>
      <div className="panel">
        <h2 id="chart-title">{t('dashboard.refusals', 'Refusals by reason, last 30 days')}</h2>
        {denied.loading && <Loading />}
        <Problem error={denied.error} />
        {denied.data && rows.length === 0 && (
          <p className="empty">{t('dashboard.none', 'No refusal in the last 30 days.')}</p>
        )}
        {rows.length > 0 && (
          <>
            <div className="chart" role="img" aria-labelledby="chart-title" aria-describedby="chart-table">
              <ResponsiveContainer width="100%" height="100%">
                <BarChart data={rows}>
                  <CartesianGrid strokeDasharray="3 3" />
                  <XAxis dataKey="day" />
                  <YAxis allowDecimals={false} />
                  <Tooltip />
                  <Legend />
                  {reasons.map((r, i) => (
                    <Bar
                      key={r}
                      dataKey={r}
                      name={label('reasonCode', r)}
                      stackId="reasons"
                      fill={PALETTE[i % PALETTE.length]}
                      isAnimationActive={false}
                    />
                  ))}
                </BarChart>
              </ResponsiveContainer>
            </div>
            <details>
              <summary>{t('dashboard.asTable', 'The same figures as a table')}</summary>
              <table id="chart-table">
                <thead>
                  <tr>
                    <th scope="col">{t('dashboard.day', 'Day')}</th>
                    {reasons.map((r) => (
                      <th scope="col" key={r}>
                        {label('reasonCode', r)} <code className="code">{r}</code>
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {rows.map((row) => (
                    <tr key={row.day}>
                      <th scope="row">{row.day}</th>
                      {reasons.map((r) => (
                        <td key={r}>{(row as Record<string, number | string>)[r] ?? 0}</td>
                      ))}
                    </tr>
                  ))}
                </tbody>
              </table>
            </details>
          </>
        )}
      </div>
    </section>
  );
}
