import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, call } from '../../api/client';
import { useLoad } from '../../api/useLoad';
import { allPages } from '../../api/usePages';
import { CountryOptions, SopOptions } from '../../components/format';
import { Loading, Problem } from '../../components/Problem';
import { useCodes } from '../../i18n/labels';

/** The directory's contacts by country and SOP, in escalation order. */
export function Contacts() {
  const { t } = useTranslation();
  const label = useCodes();
  const [country, setCountry] = useState('');
  const [sop, setSop] = useState('');
  const list = useLoad(
    // Every page: the contact list is the directory file's, a few entries per country.
    () =>
      allPages((after) =>
        call(() =>
          api.GET('/directory/contacts', {
            params: {
              query: {
                ...(country ? { country } : {}),
                ...(sop ? { sop: Number(sop) } : {}),
                after,
                limit: 500,
              },
            },
          }),
        ),
      ),
    [country, sop],
  );
  const countries = useLoad(() => call(() => api.GET('/directory')), []);
  const codes = (
    (countries.data as { participants?: Array<{ code: string }> } | undefined)?.participants ?? []
  ).map((p) => p.code);
  return (
    <section aria-labelledby="contacts-title">
      <h1 id="contacts-title">{t('contacts.title', 'Contacts')}</h1>
      <div className="panel form-inline">
        <div className="field">
          <label htmlFor="contacts-country">{t('contacts.country', 'Country')}</label>
          <select id="contacts-country" value={country} onChange={(e) => setCountry(e.target.value)}>
            <option value="">{t('cases.any', 'Any')}</option>
            <CountryOptions codes={codes} />
          </select>
        </div>
        <div className="field">
          <label htmlFor="contacts-sop">{t('contacts.sop', 'SOP')}</label>
          <select id="contacts-sop" value={sop} onChange={(e) => setSop(e.target.value)}>
            <option value="">{t('cases.any', 'Any')}</option>
            <SopOptions />
          </select>
        </div>
      </div>
      {list.loading && !list.data && <Loading />}
      <Problem error={list.error} />
      {list.data && (
        <div className="panel table-wrap">
          {list.data.length === 0 ? (
            <p className="empty">{t('contacts.none', 'No contact listed.')}</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th scope="col">{t('contacts.country', 'Country')}</th>
                  <th scope="col">{t('contacts.sop', 'SOP')}</th>
                  <th scope="col">{t('contacts.rank', 'Escalation order')}</th>
                  <th scope="col">{t('contacts.institution', 'Institution')}</th>
                  <th scope="col">{t('contacts.role', 'Role')}</th>
                  <th scope="col">{t('contacts.phone', 'Phone')}</th>
                  <th scope="col">{t('contacts.email', 'E-mail')}</th>
                </tr>
              </thead>
              <tbody>
                {list.data.map((c, i) => (
                  <tr key={i}>
                    <td>{c.country}</td>
                    <td>
                      {c.sop} · {label('sop', c.sop)}
                    </td>
                    <td>{c.rank + 1}</td>
                    <td>
                      {c.institution}
                      {c.department && <span className="muted"> · {c.department}</span>}
                    </td>
                    <td>{c.role ?? '—'}</td>
                    <td>{c.phone ? <a href={`tel:${c.phone}`}>{c.phone}</a> : '—'}</td>
                    <td>{c.email ? <a href={`mailto:${c.email}`}>{c.email}</a> : '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      )}
    </section>
  );
}
