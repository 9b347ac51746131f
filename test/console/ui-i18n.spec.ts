import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { isTechnicalType, MESSAGE_TYPES } from '../../src/messages/message-types';

// The console's own strings (console/src/i18n/ui.<lang>.json): every language has every key of English,
// keeps its {{placeholders}}, and English has every key the console's code looks up.
const I18N = join(__dirname, '../../console/src/i18n');
const SCHEMAS = join(__dirname, '../../docs/schemas');
const SOURCES = join(__dirname, '../../console/src');
const LANGUAGES = ['en', 'fr', 'it', 'mk', 'sq'] as const;

type Tree = { [key: string]: string | Tree };

function flatten(tree: Tree, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(tree)) {
    if (typeof value === 'string') out.set(prefix + key, value);
    else for (const [k, v] of flatten(value, `${prefix}${key}.`)) out.set(k, v);
  }
  return out;
}

const strings = (language: string): Map<string, string> =>
  flatten(JSON.parse(readFileSync(join(I18N, `ui.${language}.json`), 'utf8')) as Tree);

const placeholders = (text: string): string[] => [...text.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort();

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(name) ? [path] : [];
  });
}

describe('console UI strings', () => {
  const english = strings('en');

  it('English has every key the console looks up with an English default', () => {
    const used = new Map<string, string>();
    for (const file of sourceFiles(SOURCES)) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/\bt\(\s*'((?:ui:)?[a-zA-Z][\w.]*)',\s*'((?:[^'\\]|\\.)*)'/g))
        used.set(m[1].replace(/^ui:/, ''), m[2].replace(/\\'/g, "'"));
    }
    expect(used.size).toBeGreaterThan(300);
    const missing = [...used.keys()].filter((key) => !english.has(key));
    expect(missing).toEqual([]);
    const different = [...used].filter(([key, text]) => english.get(key) !== text).map(([key]) => key);
    expect(different).toEqual([]);
  });

  it.each(LANGUAGES.filter((l) => l !== 'en'))(
    '%s has exactly the English keys and their placeholders',
    (language) => {
      const translated = strings(language);
      expect([...translated.keys()].sort()).toEqual([...english.keys()].sort());
      const broken = [...english].filter(
        ([key, text]) => placeholders(translated.get(key) ?? '').join() !== placeholders(text).join(),
      );
      expect(broken.map(([key]) => key)).toEqual([]);
      const untranslated = [...english].filter(
        ([key, text]) => translated.get(key) === text && /[a-z]{4,}\s[a-z]{4,}/.test(text),
      );
      expect(untranslated.map(([key]) => key)).toEqual([]);
    },
  );

  it('labels every field of the business message forms (payload schemas), so no form shows a raw name', () => {
    const names = new Set<string>();
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) return node.forEach(walk);
      if (!node || typeof node !== 'object') return;
      for (const [key, value] of Object.entries(node)) {
        if (key === 'properties' && value && typeof value === 'object')
          Object.keys(value).forEach((name) => names.add(name));
        walk(value);
      }
    };
    for (const type of MESSAGE_TYPES.filter((t) => !isTechnicalType(t)))
      walk(JSON.parse(readFileSync(join(SCHEMAS, `${type}.schema.json`), 'utf8')));
    // The scan works: it meets the fields of nested groups too (a release's kind, a placement's region).
    expect([...names]).toEqual(expect.arrayContaining(['releaseKind', 'region', 'appearanceOptions']));
    expect([...names].filter((name) => !english.has(`field.${name}`)).sort()).toEqual([]);
  });

  it('Macedonian is written in Cyrillic', () => {
    const latinOnly = [...strings('mk')].filter(
      ([, text]) =>
        /[a-z]{3,}/.test(text.replace(/\{\{\w+\}\}|SOP|TRM|API|CSV|JSON/g, '')) &&
        !/[\u0400-\u04FF]/.test(text),
    );
    expect(latinOnly.map(([key]) => key)).toEqual([]);
  });
});
