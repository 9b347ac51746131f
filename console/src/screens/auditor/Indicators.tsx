import { type ReactNode, useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import {
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { api, call, type Schemas } from '../../api/client';
import { useLoad } from '../../api/useLoad';
import { Loading, Problem } from '../../components/Problem';
import { useCodes } from '../../i18n/labels';

const PALETTE = ['#1d3557', '#a3121f', '#1e6b35', '#7a4b00', '#5a3e8a', '#0b6e79'];
const MONTHS = 6;

type Indicators = Schemas['IndicatorsView'];
type Row = Record<string, string | number | null>;
interface Series {
  key: string;
  name: string;
}

/** The first instant of the month `back` months before this one (UTC). */
function monthStart(back: number): Date {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - back, 1));
}

/**
 * SOP-compliance indicators and anonymised statistics, drawn (docs/indicators.md): the indicators month by
 * month, answer times per partner country against the deadline, the gates' refusals by reason, and the cases
 * opened per month with small counts suppressed. Each chart has its figures as a table beside it.
 */
export function IndicatorsScreen() {
  const { t } = useTranslation();
  const label = useCodes();
  // The starts of the last six months, this one included, then now: the current month counts so far (a `to`
  // in the future would count as overdue what is not yet).
  const months = useMemo(
    () => [...Array.from({ length: MONTHS }, (_, i) => monthStart(MONTHS - 1 - i)), new Date()],
    [],
  );
  const monthly = useLoad(async () => {
    const views: Indicators[] = [];
    for (let i = 0; i < MONTHS; i++) {
      const query = { from: months[i].toISOString(), to: months[i + 1].toISOString() };
      views.push(await call(() => api.GET('/indicators', { params: { query } })));
    }
    return views;
  }, [months]);
  // An export covers one calendar year: the six months may need two.
  const statistics = useLoad(async () => {
    const years = [...new Set(months.slice(0, MONTHS).map((m) => m.getUTCFullYear()))];
    const tables: Array<Schemas['StatisticsView']> = [];
    for (const year of years) {
      const from = new Date(Date.UTC(year, 0, 1)).toISOString();
      tables.push(
        await call(() =>
          api.GET('/statistics', { params: { query: { rows: 'period', granularity: 'MONTH', from } } }),
        ),
      );
    }
    return tables;
  }, [months]);

  const overTime = useMemo(
    () =>
      (monthly.data ?? []).map((v, i) => ({
        month: months[i].toISOString().slice(0, 7),
        refusals: v.refusals.reduce((n, r) => n + r.count, 0),
        withdrawals: v.consentWithdrawals.withdrawals,
        overdue: v.answerTimes.reduce((n, a) => n + a.overdue, 0),
        escalated: v.escalations.reduce((n, e) => n + e.escalated, 0),
      })),
    [monthly.data, months],
  );
  // The rules that must never break: each line must stay on 0.
  const rules = useMemo(
    () =>
      (monthly.data ?? []).map((v, i) => ({
        month: months[i].toISOString().slice(0, 7),
        removals: v.returnsDuringIdentification.duringIdentification,
        familyTracing: v.familyTracing.withAsylumClaimPending + v.familyTracing.withoutWish,
        evidence: v.evidenceContactsWithOrigin.withoutConsentOrVitalInterest,
      })),
    [monthly.data, months],
  );
  const returns = useMemo(
    () =>
      (monthly.data ?? []).map((v, i) => ({
        month: months[i].toISOString().slice(0, 7),
        returns: v.returnChecklists.returns,
        complete: v.returnChecklists.completeBeforeDeparture,
        children: v.childFollowUps.returnedChildren,
        followUps: v.childFollowUps.reported,
      })),
    [monthly.data, months],
  );
  // The whole period at once: the months' rows side by side would split each country's few answers.
  const whole = useLoad(
    () => call(() => api.GET('/indicators', { params: { query: { from: months[0].toISOString() } } })),
    [months],
  );
  const answers = useMemo(
    () =>
      (whole.data?.answerTimes ?? [])
        .filter((a) => a.answered > 0)
        .map((a) => ({
          what: `${a.country} · ${label('messageType', a.requestType)}`,
          median: a.medianHours,
          p90: a.p90Hours,
          deadline: a.deadlineHours,
        })),
    [whole.data, label],
  );
  const { refusals, gates } = useMemo(() => {
    const byReason = new Map<string, Row>();
    const seen = new Set<string>();
    for (const r of whole.data?.refusals ?? []) {
      const row = byReason.get(r.reasonCode) ?? { reason: label('reasonCode', r.reasonCode) };
      row[r.gate] = ((row[r.gate] as number | undefined) ?? 0) + r.count;
      byReason.set(r.reasonCode, row);
      seen.add(r.gate);
    }
    return { refusals: [...byReason.values()], gates: [...seen].sort() };
  }, [whole.data, label]);
  const opened = useMemo(() => {
    const shown = new Set(months.slice(0, MONTHS).map((m) => m.toISOString().slice(0, 7)));
    return (statistics.data ?? []).flatMap((table) =>
      table.rowValues
        .map((period, r) => ({ period, cases: table.rowTotals[r] }))
        .filter((row) => shown.has(row.period)),
    );
  }, [statistics.data, months]);

  const gateName = (gate: string): string => t(`indicators.gate.${gate}`, gate);
  return (
    <section aria-labelledby="indicators-title">
      <h1 id="indicators-title">{t('indicators.title', 'Indicators')}</h1>
      <Problem error={monthly.error ?? whole.error ?? statistics.error} />
      {(monthly.loading || whole.loading || statistics.loading) && <Loading />}
      {monthly.data && (
        <ChartPanel
          id="chart-over-time"
          title={t('indicators.overTime', 'Indicators month by month')}
          rows={overTime}
          first={{ key: 'month', name: t('indicators.month', 'Month') }}
          series={[
            { key: 'refusals', name: t('indicators.refusals', 'Refusals') },
            { key: 'withdrawals', name: t('indicators.withdrawals', 'Consent withdrawals') },
            { key: 'overdue', name: t('indicators.overdue', 'Answers overdue') },
            { key: 'escalated', name: t('indicators.escalated', 'Escalations') },
          ]}
          draw={(series) => <MonthlyLines data={overTime} series={series} />}
        />
      )}
      {monthly.data && (
        <ChartPanel
          id="chart-rules"
          title={t('indicators.rules', 'Rules that must never break, month by month (each must stay at 0)')}
          rows={rules}
          first={{ key: 'month', name: t('indicators.month', 'Month') }}
          series={[
            { key: 'removals', name: t('indicators.removals', 'Returns during identification') },
            {
              key: 'familyTracing',
              name: t('indicators.familyTracing', 'Family tracing under an asylum claim or without her wish'),
            },
            {
              key: 'evidence',
              name: t('indicators.evidence', 'Evidence contact with the origin without consent'),
            },
          ]}
          draw={(series) => <MonthlyLines data={rules} series={series} />}
        />
      )}
      {monthly.data && (
        <ChartPanel
          id="chart-returns"
          title={t('indicators.returns', 'Returns, checklists and follow-ups, month by month')}
          rows={returns}
          first={{ key: 'month', name: t('indicators.month', 'Month') }}
          series={[
            { key: 'returns', name: t('indicators.returnsArrived', 'Returns (arrivals)') },
            {
              key: 'complete',
              name: t('indicators.checklistComplete', 'Checklist complete before departure'),
            },
            { key: 'children', name: t('indicators.childrenReturned', 'Children returned') },
            { key: 'followUps', name: t('indicators.followUpsReported', 'Follow-up reports made') },
          ]}
          draw={(series) => <Bars data={returns} x="month" series={series} />}
        />
      )}
      {whole.data && (
        <ChartPanel
          id="chart-answer-times"
          title={t('indicators.answerTimes', 'Answer times per partner country against the deadline (hours)')}
          empty={t('indicators.noAnswers', 'No answer in the period.')}
          rows={answers}
          first={{ key: 'what', name: t('indicators.countryAndRequest', 'Country and request') }}
          series={[
            { key: 'median', name: t('indicators.median', 'Median') },
            { key: 'p90', name: t('indicators.p90', '90th percentile') },
            { key: 'deadline', name: t('indicators.deadline', 'Deadline') },
          ]}
          draw={(series) => <Bars data={answers} x="what" series={series} />}
        />
      )}
      {whole.data && (
        <ChartPanel
          id="chart-refusals"
          title={t('indicators.refusalsByReason', "Gates' refusals by reason")}
          empty={t('indicators.noRefusals', 'No refusal in the period.')}
          rows={refusals}
          first={{ key: 'reason', name: t('indicators.reason', 'Reason') }}
          series={gates.map((g) => ({ key: g, name: gateName(g) }))}
          draw={(series) => <Bars data={refusals} x="reason" series={series} stacked />}
        />
      )}
      {statistics.data && (
        <ChartPanel
          id="chart-opened"
          title={t('indicators.opened', 'Cases opened per month (small counts suppressed)')}
          empty={t('indicators.noCases', 'No case opened in the period.')}
          rows={opened}
          first={{ key: 'period', name: t('indicators.month', 'Month') }}
          series={[{ key: 'cases', name: t('indicators.cases', 'Cases') }]}
          draw={(series) => <Bars data={opened} x="period" series={series} />}
        />
      )}
    </section>
  );
}

/** One line per series over rows keyed by `month`. */
function MonthlyLines({ data, series }: { data: Row[]; series: Series[] }) {
  return (
    <LineChart data={data}>
      <CartesianGrid strokeDasharray="3 3" />
      <XAxis dataKey="month" />
      <YAxis allowDecimals={false} />
      <Tooltip />
      <Legend />
      {series.map((s, i) => (
        <Line
          key={s.key}
          dataKey={s.key}
          name={s.name}
          stroke={PALETTE[i % PALETTE.length]}
          isAnimationActive={false}
        />
      ))}
    </LineChart>
  );
}

function Bars({ data, x, series, stacked }: { data: Row[]; x: string; series: Series[]; stacked?: boolean }) {
  return (
    <BarChart data={data}>
      <CartesianGrid strokeDasharray="3 3" />
      <XAxis dataKey={x} />
      <YAxis allowDecimals={false} />
      <Tooltip />
      <Legend />
      {series.map((s, i) => (
        <Bar
          key={s.key}
          dataKey={s.key}
          name={s.name}
          fill={PALETTE[i % PALETTE.length]}
          isAnimationActive={false}
          {...(stacked ? { stackId: 'stack' } : {})}
        />
      ))}
    </BarChart>
  );
}

/** A chart and, as its text alternative, the same figures as a table (a suppressed count says so). */
function ChartPanel({
  id,
  title,
  empty,
  rows,
  first,
  series,
  draw,
}: {
  id: string;
  title: string;
  empty?: string;
  rows: Row[];
  first: Series;
  series: Series[];
  draw: (series: Series[]) => ReactNode;
}) {
  const { t } = useTranslation();
  return (
    <div className="panel">
      <h2 id={`${id}-title`}>{title}</h2>
      {rows.length === 0 ? (
        <p className="empty">{empty}</p>
      ) : (
        <>
          <div
            className="chart"
            role="img"
            aria-labelledby={`${id}-title`}
            aria-describedby={`${id}-table`}
            data-chart={id}
          >
            <ResponsiveContainer width="100%" height="100%">
              {draw(series) as never}
            </ResponsiveContainer>
          </div>
          <details>
            <summary>{t('dashboard.asTable', 'The same figures as a table')}</summary>
            <table id={`${id}-table`}>
              <thead>
                <tr>
                  <th scope="col">{first.name}</th>
                  {series.map((s) => (
                    <th scope="col" key={s.key}>
                      {s.name}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {rows.map((row) => (
                  <tr key={String(row[first.key])}>
                    <th scope="row">{row[first.key]}</th>
                    {series.map((s) => (
                      <td key={s.key}>
                        {row[s.key] === null ? t('indicators.suppressed', 'suppressed') : (row[s.key] ?? 0)}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </details>
        </>
      )}
    </div>
  );
}
