import { humanize } from '../forms/schema-tools';

/** A message payload as nested definition lists (read-only), whatever its type. */
export function Payload({ value }: { value: unknown }) {
  if (value === null || value === undefined) return <>—</>;
  if (Array.isArray(value))
    return (
      <ul>
        {value.map((v, i) => (
          <li key={i}>
            <Payload value={v} />
          </li>
        ))}
      </ul>
    );
  if (typeof value === 'object')
    return (
      <dl className="facts">
        {Object.entries(value as Record<string, unknown>).map(([k, v]) => (
          <div key={k} className="contents">
            <dt>{humanize(k)}</dt>
            <dd>
              <Payload value={v} />
            </dd>
          </div>
        ))}
      </dl>
    );
  return <>{String(value)}</>;
}
