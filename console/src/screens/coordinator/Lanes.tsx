import { useTranslation } from 'react-i18next';
import { Badge, CodeWithLabel, When } from '../../components/format';
import { useCodes } from '../../i18n/labels';

export interface LaneMessage {
  id: string;
  direction: string;
  type: string;
  counterpart: string;
  status: string;
  reasonCode?: unknown;
  /** The language of the free text (ISO 639-1), when the envelope carried one. */
  language?: unknown;
  createdAt: string;
}

/**
 * The case's messages as one lane (column) per country, one row per message in time order: the sender's lane
 * says what went where, the receiver's lane its delivery status and a rejection's reason code. Receipts are
 * folded into the status of the message they acknowledge.
 */
export function Lanes({
  self,
  countries,
  messages,
}: {
  self: string;
  countries: string[];
  messages: LaneMessage[];
}) {
  const { t } = useTranslation();
  const label = useCodes();
  const lanes = [self, ...countries.filter((c) => c !== self)];
  for (const m of messages) if (!lanes.includes(m.counterpart)) lanes.push(m.counterpart);
  const rows = messages
    .filter((m) => m.type !== 'DELIVERY_RECEIPT')
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  if (rows.length === 0) return <p className="empty">{t('lanes.none', 'No message yet.')}</p>;
  return (
    <div className="table-wrap">
      <table className="lanes">
        <caption className="sr-only">
          {t('lanes.caption', 'Messages of the case by country, oldest first')}
        </caption>
        <thead>
          <tr>
            <th scope="col">{t('lanes.when', 'When')}</th>
            {lanes.map((c) => (
              <th scope="col" key={c} className="lane">
                {c}
                {c === self && <span className="muted"> ({t('lanes.thisNode', 'this node')})</span>}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((m) => {
            const from = m.direction === 'OUTBOUND' ? self : m.counterpart;
            const to = m.direction === 'OUTBOUND' ? m.counterpart : self;
            const reason = typeof m.reasonCode === 'string' ? m.reasonCode : null;
            return (
              <tr key={m.id} data-message-id={m.id}>
                <th scope="row">
                  <When at={m.createdAt} />
                </th>
                {lanes.map((c) => (
                  <td key={c} className={`lane${c === self ? ' lane-self' : ''}`}>
                    {c === from && (
                      <span className="lane-send">
                        {label('messageType', m.type)} → {to}
                      </span>
                    )}
                    {c === to && (
                      <span>
                        {label('messageType', m.type)} ← {from}
                        <br />
                        <Badge kind="messageStatus" code={m.status} />
                        {m.direction === 'INBOUND' && typeof m.language === 'string' && (
                          <>
                            <br />
                            <span className="muted">
                              {t('lanes.language', 'free text in {{language}}', { language: m.language })}
                            </span>
                          </>
                        )}
                        {reason && (
                          <>
                            <br />
                            <CodeWithLabel kind="reasonCode" code={reason} />
                          </>
                        )}
                      </span>
                    )}
                  </td>
                ))}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
