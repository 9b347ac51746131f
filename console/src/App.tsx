import {
  lazy,
  Suspense,
  useCallback,
  useEffect,
  useRef,
  useState,
  type MouseEvent,
  type ReactNode,
} from 'react';
import { useTranslation } from 'react-i18next';
import { createHashRouter, NavLink, Outlet, RouterProvider, useLocation } from 'react-router';
import { logout, session, type Principal } from './api/client';
import { useStore } from './api/store';
import { useIdleTimeout } from './auth/idle';
import { LoginPage, SessionExpiredDialog } from './auth/Login';
import { ErrorBoundary } from './components/ErrorBoundary';
import { liveMessage } from './components/live';
import { ExchangeHeldBanner } from './components/ExchangeHeldBanner';
import { NodeDownBanner } from './components/NodeDownBanner';
import { Loading } from './components/Problem';
import { LANGUAGES, saveLanguage, savedLanguage, setLanguage, type Language } from './i18n';
import { useCodes } from './i18n/labels';
import { Worklist } from './screens/coordinator/Worklist';

type Role = Principal['role'];

const Cases = lazy(() => import('./screens/coordinator/Cases').then((m) => ({ default: m.Cases })));
const NewCase = lazy(() => import('./screens/coordinator/NewCase').then((m) => ({ default: m.NewCase })));
const CaseFile = lazy(() => import('./screens/coordinator/CaseFile').then((m) => ({ default: m.CaseFile })));
const Compose = lazy(() => import('./screens/coordinator/Compose').then((m) => ({ default: m.Compose })));
const Contacts = lazy(() => import('./screens/coordinator/Contacts').then((m) => ({ default: m.Contacts })));
const AuditEntries = lazy(() =>
  import('./screens/auditor/AuditEntries').then((m) => ({ default: m.AuditEntries })),
);
const AuditTimeline = lazy(() =>
  import('./screens/auditor/AuditTimeline').then((m) => ({ default: m.AuditTimeline })),
);
const ChainState = lazy(() =>
  import('./screens/auditor/ChainState').then((m) => ({ default: m.ChainState })),
);
const AuditDashboard = lazy(() =>
  import('./screens/auditor/AuditDashboard').then((m) => ({ default: m.AuditDashboard })),
);
const IndicatorsScreen = lazy(() =>
  import('./screens/auditor/Indicators').then((m) => ({ default: m.IndicatorsScreen })),
);
const AgencyHome = lazy(() => import('./screens/agency/AgencyHome').then((m) => ({ default: m.AgencyHome })));
const AgencySubmission = lazy(() =>
  import('./screens/agency/AgencySubmission').then((m) => ({ default: m.AgencySubmission })),
);
const AgencySubmit = lazy(() =>
  import('./screens/agency/AgencySubmit').then((m) => ({ default: m.AgencySubmit })),
);
const Accounts = lazy(() => import('./screens/admin/Accounts').then((m) => ({ default: m.Accounts })));
const Grants = lazy(() => import('./screens/admin/Grants').then((m) => ({ default: m.Grants })));
const Retention = lazy(() => import('./screens/admin/Retention').then((m) => ({ default: m.Retention })));

const NAVIGATION: Record<Role, Array<{ to: string; key: string; label: string }>> = {
  coordinator: [
    { to: '/', key: 'nav.worklist', label: 'Worklist' },
    { to: '/cases', key: 'nav.cases', label: 'Cases' },
    { to: '/cases/new', key: 'nav.newCase', label: 'New case' },
    { to: '/contacts', key: 'nav.contacts', label: 'Contacts' },
    { to: '/indicators', key: 'nav.indicators', label: 'Indicators' },
  ],
  auditor: [
    { to: '/', key: 'nav.auditEntries', label: 'Audit entries' },
    { to: '/audit/cases', key: 'nav.caseTimeline', label: 'Case timeline' },
    { to: '/audit/chain', key: 'nav.chain', label: 'Chain state' },
    { to: '/audit/dashboard', key: 'nav.dashboard', label: 'Dashboard' },
    { to: '/indicators', key: 'nav.indicators', label: 'Indicators' },
  ],
  agency: [{ to: '/', key: 'nav.agencyHome', label: 'Agency home' }],
  admin: [
    { to: '/', key: 'nav.accounts', label: 'Accounts' },
    { to: '/admin/grants', key: 'nav.grants', label: 'Case grants' },
    { to: '/admin/retention', key: 'nav.retention', label: 'Retention' },
  ],
};

/** Shows the screen only to the roles the API lets use it; others read that it is not for them. */
function For({ roles, children }: { roles: Role[]; children: ReactNode }) {
  const { t } = useTranslation();
  const { principal } = useStore(session);
  if (!principal || !roles.includes(principal.role))
    return (
      <section aria-labelledby="not-available">
        <h1 id="not-available">{t('common.notAvailableTitle', 'Not available')}</h1>
        <p role="alert">{t('common.notAvailable', 'This screen is not available for your role.')}</p>
      </section>
    );
  return <Suspense fallback={<Loading />}>{children}</Suspense>;
}

function Home() {
  const { principal } = useStore(session);
  switch (principal?.role) {
    case 'coordinator':
      return <Worklist />;
    case 'auditor':
      return (
        <For roles={['auditor']}>
          <AuditEntries />
        </For>
      );
    case 'agency':
      return (
        <For roles={['agency']}>
          <AgencyHome />
        </For>
      );
    case 'admin':
      return (
        <For roles={['admin']}>
          <Accounts />
        </For>
      );
    default:
      return null;
  }
}

function NotFound() {
  const { t } = useTranslation();
  return (
    <section aria-labelledby="not-found">
      <h1 id="not-found">{t('common.notFoundTitle', 'Page not found')}</h1>
      <p>
        <a href="#/">{t('errorBoundary.home', 'Back to the start page')}</a>
      </p>
    </section>
  );
}

/** The node's country, from the token's issuer (`trm-node:<CC>`): not secret, shown in the header. */
function nodeCountry(token: string | null): string | null {
  try {
    const payload = JSON.parse(atob((token ?? '').split('.')[1].replace(/-/g, '+').replace(/_/g, '/'))) as {
      iss?: string;
    };
    return payload.iss?.startsWith('trm-node:') ? payload.iss.slice('trm-node:'.length) : null;
  } catch {
    return null;
  }
}

function Shell() {
  const { t, i18n } = useTranslation();
  const label = useCodes();
  const { principal, token, expired } = useStore(session);
  const live = useStore(liveMessage);
  const location = useLocation();
  const main = useRef<HTMLElement>(null);
  const [country, setCountry] = useState<string | null>(null);
  useEffect(() => {
    if (token) setCountry(nodeCountry(token));
  }, [token]);
  // The screen's heading gets focus after navigation, so keyboard and screen-reader users start there.
  useEffect(() => {
    main.current?.querySelector<HTMLElement>('h1')?.setAttribute('tabindex', '-1');
    main.current?.querySelector<HTMLElement>('h1')?.focus({ preventScroll: false });
  }, [location.pathname]);
  if (!principal) return null;
  const skip = (event: MouseEvent): void => {
    event.preventDefault();
    main.current?.focus();
  };
  const changeLanguage = (language: Language): void => {
    saveLanguage(principal.name, language);
    void setLanguage(language);
  };
  return (
    <>
      <a className="skip-link" href="#main" onClick={skip}>
        {t('shell.skip', 'Skip to content')}
      </a>
      <header className="top">
        <div className="brand">
          <span className="brand-name">{t('shell.title', 'TRM console')}</span>
          {country && (
            <span className="brand-node">
              {t('shell.node', 'Node')} {country}
            </span>
          )}
        </div>
        <nav aria-label={t('shell.navigation', 'Main navigation')}>
          <ul>
            {NAVIGATION[principal.role].map((item) => (
              <li key={item.to}>
                <NavLink to={item.to} end>
                  {t(item.key, item.label)}
                </NavLink>
              </li>
            ))}
          </ul>
        </nav>
        <div className="account">
          <label htmlFor="language">{t('shell.language', 'Language')}</label>
          <select
            id="language"
            value={i18n.language}
            onChange={(e) => changeLanguage(e.target.value as Language)}
          >
            {LANGUAGES.map((l) => (
              <option key={l.code} value={l.code} lang={l.code}>
                {l.name}
              </option>
            ))}
          </select>
          <span className="who">
            {principal.name} ({label('role', principal.role)})
          </span>
          <button type="button" onClick={() => logout()}>
            {t('shell.logout', 'Log out')}
          </button>
        </div>
      </header>
      <NodeDownBanner />
      <ExchangeHeldBanner />
      <main id="main" ref={main} tabIndex={-1}>
        <ErrorBoundary resetKey={location.pathname}>
          <Suspense fallback={<Loading />}>
            <Outlet />
          </Suspense>
        </ErrorBoundary>
      </main>
      <div className="sr-only" aria-live="polite" aria-atomic="true">
        {live}
      </div>
      {expired && <SessionExpiredDialog name={principal.name} />}
    </>
  );
}

const router = createHashRouter([
  {
    element: <Shell />,
    children: [
      { path: '/', element: <Home /> },
      {
        path: '/cases',
        element: (
          <For roles={['coordinator']}>
            <Cases />
          </For>
        ),
      },
      {
        path: '/cases/new',
        element: (
          <For roles={['coordinator']}>
            <NewCase />
          </For>
        ),
      },
      {
        path: '/cases/:caseRef',
        element: (
          <For roles={['coordinator']}>
            <CaseFile />
          </For>
        ),
      },
      {
        path: '/cases/:caseRef/compose',
        element: (
          <For roles={['coordinator']}>
            <Compose />
          </For>
        ),
      },
      {
        path: '/contacts',
        element: (
          <For roles={['coordinator']}>
            <Contacts />
          </For>
        ),
      },
      {
        path: '/audit',
        element: (
          <For roles={['auditor']}>
            <AuditEntries />
          </For>
        ),
      },
      {
        path: '/audit/cases',
        element: (
          <For roles={['auditor']}>
            <AuditTimeline />
          </For>
        ),
      },
      {
        path: '/audit/cases/:caseRef',
        element: (
          <For roles={['auditor']}>
            <AuditTimeline />
          </For>
        ),
      },
      {
        path: '/audit/chain',
        element: (
          <For roles={['auditor']}>
            <ChainState />
          </For>
        ),
      },
      {
        path: '/audit/dashboard',
        element: (
          <For roles={['auditor']}>
            <AuditDashboard />
          </For>
        ),
      },
      {
        path: '/indicators',
        element: (
          <For roles={['auditor', 'coordinator']}>
            <IndicatorsScreen />
          </For>
        ),
      },
      {
        path: '/agency',
        element: (
          <For roles={['agency']}>
            <AgencyHome />
          </For>
        ),
      },
      {
        path: '/agency/submissions/:id',
        element: (
          <For roles={['agency']}>
            <AgencySubmission />
          </For>
        ),
      },
      {
        path: '/agency/cases/:caseRef/submit',
        element: (
          <For roles={['agency']}>
            <AgencySubmit />
          </For>
        ),
      },
      {
        path: '/admin/accounts',
        element: (
          <For roles={['admin']}>
            <Accounts />
          </For>
        ),
      },
      {
        path: '/admin/grants',
        element: (
          <For roles={['admin']}>
            <Grants />
          </For>
        ),
      },
      {
        path: '/admin/retention',
        element: (
          <For roles={['admin']}>
            <Retention />
          </For>
        ),
      },
      { path: '*', element: <NotFound /> },
    ],
  },
]);

export function App() {
  const { principal } = useStore(session);
  const [reason, setReason] = useState<'start' | 'idle' | 'logout'>('start');
  const wasLoggedIn = useRef(false);
  const onIdle = useCallback(() => {
    setReason('idle');
    logout();
  }, []);
  const idleLeft = useIdleTimeout(!!principal, onIdle);
  const { t } = useTranslation();
  useEffect(() => {
    if (principal) {
      wasLoggedIn.current = true;
      setReason('start');
      const saved = savedLanguage(principal.name);
      if (saved) void setLanguage(saved);
    } else if (wasLoggedIn.current) {
      setReason((r) => (r === 'idle' ? 'idle' : 'logout'));
      // Nothing of the last session stays on screen or in the address bar.
      window.location.hash = '#/';
    }
  }, [principal]);
  if (!principal)
    return (
      <>
        <NodeDownBanner />
        <LoginPage reason={reason} />
      </>
    );
  return (
    <>
      {idleLeft !== null && (
        <div role="alert" className="banner banner-idle">
          {t(
            'shell.idleWarning',
            'No activity: you will be logged out in {{seconds}} seconds. Press any key to stay.',
            {
              seconds: idleLeft,
            },
          )}
        </div>
      )}
      <RouterProvider router={router} />
    </>
  );
}
