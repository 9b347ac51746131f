import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { useCodes, type CodeKind } from '../i18n/labels';

/** A date and time in the chosen language, with the ISO value for machines and tooltips. */
export function When({ at, dateOnly = false }: { at: string | null | undefined; dateOnly?: boolean }) {
  const { i18n } = useTranslation();
  if (!at) return <>—</>;
  const date = new Date(at);
  if (Number.isNaN(date.getTime())) return <>{at}</>;
  const text = new Intl.DateTimeFormat(
    i18n.language,
    dateOnly ? { dateStyle: 'medium' } : { dateStyle: 'medium', timeStyle: 'short' },
  ).format(date);
  return <time dateTime={date.toISOString()}>{text}</time>;
}

/** A code's label with a status colour; the code stays readable in the title and for quoting abroad. */
export function Badge({
  kind,
  code,
  tone,
}: {
  kind: CodeKind;
  code: string | null | undefined;
  tone?: string;
}) {
  const label = useCodes();
  if (!code) return <>—</>;
  return (
    <span className={`badge badge-${(tone ?? code).toLowerCase()}`} title={code}>
      {label(kind, code)}
    </span>
  );
}

/** A label followed by its code, for refusals and rejections. */
export function CodeWithLabel({ kind, code }: { kind: CodeKind; code: string | null | undefined }) {
  const label = useCodes();
  if (!code) return <>—</>;
  const text = label(kind, code);
  return (
    <span>
      {text !== code && <>{text} </>}
      <code className="code">{code}</code>
    </span>
  );
}

export function CaseLink({ caseRef }: { caseRef: string }) {
  return <Link to={`/cases/${encodeURIComponent(caseRef)}`}>{caseRef}</Link>;
}

export function isOverdue(dueAt: string | null | undefined): boolean {
  return !!dueAt && new Date(dueAt).getTime() < Date.now();
}

/** Options naming countries: the name with its code, or the bare code where the language has no name. */
export function CountryOptions({ codes }: { codes: string[] }) {
  const label = useCodes();
  return (
    <>
      {codes.map((c) => (
        <option key={c} value={c}>
          {label('country', c) === c ? c : `${label('country', c)} (${c})`}
        </option>
      ))}
    </>
  );
}

/** The five SOPs as filter options: number and title, the number as the value. */
export function SopOptions() {
  const { t } = useTranslation();
  const label = useCodes();
  return (
    <>
      {[1, 2, 3, 4, 5].map((n) => (
        <option key={n} value={String(n)}>
          {t('common.sop', 'SOP {{n}}', { n })} · {label('sop', n)}
        </option>
      ))}
    </>
  );
}

/** An audited decision and, when there is one, the reason code it gave. */
export function Decision({
  decision,
  reasonCode,
}: {
  decision: string | null | undefined;
  reasonCode: unknown;
}) {
  return (
    <>
      {decision ? <Badge kind="decision" code={decision} /> : '—'}{' '}
      {typeof reasonCode === 'string' && reasonCode && <CodeWithLabel kind="reasonCode" code={reasonCode} />}
    </>
  );
}
