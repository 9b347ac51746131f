import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';
import uiEn from './ui.en.json';

export const LANGUAGES = [
  { code: 'en', name: 'English' },
  { code: 'fr', name: 'Français' },
  { code: 'it', name: 'Italiano' },
  { code: 'mk', name: 'Македонски' },
  { code: 'sq', name: 'Shqip' },
] as const;
export type Language = (typeof LANGUAGES)[number]['code'];

// Each language's files are loaded when chosen; the code labels (console-tests' files) may be absent, and
// then a code shows as itself.
const uiFiles = import.meta.glob<{ default: Record<string, unknown> }>(['./ui.*.json', '!./ui.en.json']);
const codeFiles = import.meta.glob<{ default: Record<string, unknown> }>('./codes.*.json');

async function load(language: Language): Promise<void> {
  const ui = uiFiles[`./ui.${language}.json`];
  if (ui && !i18n.hasResourceBundle(language, 'ui'))
    i18n.addResourceBundle(language, 'ui', (await ui()).default);
  const codes = codeFiles[`./codes.${language}.json`];
  if (codes && !i18n.hasResourceBundle(language, 'codes'))
    i18n.addResourceBundle(language, 'codes', (await codes()).default);
}

export async function setLanguage(language: Language): Promise<void> {
  await load(language);
  if (language !== 'en') await load('en');
  await i18n.changeLanguage(language);
  document.documentElement.lang = language;
}

const PREFERENCE = 'trm.console.language.';

/** A language preference is not personal data: kept per account name in localStorage. */
export function savedLanguage(account: string): Language | null {
  try {
    const value = localStorage.getItem(PREFERENCE + account);
    return LANGUAGES.some((l) => l.code === value) ? (value as Language) : null;
  } catch {
    return null;
  }
}

export function saveLanguage(account: string, language: Language): void {
  try {
    localStorage.setItem(PREFERENCE + account, language);
  } catch {
    /* storage disabled: the choice lasts this session */
  }
}

export async function initI18n(): Promise<void> {
  await i18n.use(initReactI18next).init({
    lng: 'en',
    fallbackLng: 'en',
    ns: ['ui', 'codes'],
    defaultNS: 'ui',
    resources: { en: { ui: uiEn } },
    interpolation: { escapeValue: false },
    returnNull: false,
  });
  await load('en');
  const browser = navigator.language.slice(0, 2);
  await setLanguage(LANGUAGES.some((l) => l.code === browser) ? (browser as Language) : 'en');
}

export { i18n };
