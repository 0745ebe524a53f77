import { describe, expect, it } from 'vitest';
import { LOCALES, formatMessage, type Catalog, type Message } from './i18n.js';

/**
 * Every catalog of every page area, found by name: `<x>.lv.ts` beside
 * `<x>.en.ts` (`messages.lv.ts`, `common.lv.ts`). A new page area's
 * catalogs are checked without a line here.
 */
const lvFiles = import.meta.glob<{ default: Catalog }>('../**/*.lv.ts', { eager: true });
const enFiles = import.meta.glob<{ default: Catalog }>('../**/*.en.ts', { eager: true });

/** The texts of a message: itself, or each of its plural forms. */
const textsOf = (m: Message): string[] =>
  typeof m === 'string' ? [m] : [m.zero, m.one, m.other].filter((t): t is string => t !== undefined);

/** Inline plurals of a text, `{name, plural, one {…} other {…}}`: the parameter and its forms. */
const inlinePlurals = (text: string): { name: string; forms: string[] }[] =>
  [...text.matchAll(/\{(\w+), plural,((?:\s*\w+\s*\{[^{}]*\})+)\s*\}/g)].map((m) => ({
    name: m[1]!,
    forms: [...m[2]!.matchAll(/(\w+)\s*\{/g)].map((f) => f[1]!),
  }));

const placeholders = (m: Message): string[] =>
  [
    ...new Set(
      textsOf(m).flatMap((s) => [
        ...(s.match(/\{\w+\}/g) ?? []),
        ...inlinePlurals(s).map((p) => `{${p.name}}`),
      ]),
    ),
  ].sort();

describe('message catalogs', () => {
  const pairs = Object.keys(lvFiles).map((lvPath) => {
    const enPath = lvPath.replace(/\.lv\.ts$/, '.en.ts');
    return [lvPath, lvFiles[lvPath]!.default, enFiles[enPath]?.default] as const;
  });

  it('are found (the glob still matches the layout)', () => {
    expect(pairs.length).toBeGreaterThanOrEqual(2);
    expect(Object.keys(enFiles)).toHaveLength(Object.keys(lvFiles).length);
  });

  it.each(pairs)('%s has an English twin with every key, and no key of its own', (_path, lv, en) => {
    expect(en, 'no .en.ts beside the .lv.ts').toBeDefined();
    expect(Object.keys(en!).sort()).toEqual(Object.keys(lv).sort());
  });

  it.each(pairs)('%s: both languages use the same placeholders and no text is empty', (_path, lv, en) => {
    for (const key of Object.keys(lv)) {
      expect(placeholders(en![key]!), key).toEqual(placeholders(lv[key]!));
      for (const m of [lv[key]!, en![key]!]) {
        for (const text of textsOf(m)) expect(text.trim(), key).not.toBe('');
      }
    }
  });

  it.each(pairs)("%s: plural messages have every form of the language's plural rules", (_path, lv, en) => {
    for (const [lang, catalog] of [
      ['lv', lv],
      ['en', en!],
    ] as const) {
      const forms = new Intl.PluralRules(LOCALES[lang]).resolvedOptions().pluralCategories;
      for (const [key, m] of Object.entries(catalog)) {
        for (const plural of textsOf(m).flatMap(inlinePlurals)) {
          for (const form of forms) expect(plural.forms, `${lang} ${key} {${plural.name}}`).toContain(form);
        }
        if (typeof m === 'string') continue;
        for (const form of forms) expect(m[form as 'one'], `${lang} ${key} lacks "${form}"`).toBeDefined();
      }
    }
  });
});

describe('formatMessage', () => {
  const schools = { zero: '{count} skolu', one: '{count} skola', other: '{count} skolas' };

  it.each([
    [0, '0 skolu'],
    [1, '1 skola'],
    [2, '2 skolas'],
    [10, '10 skolu'],
    [11, '11 skolu'],
    [21, '21 skola'],
    [111, '111 skolu'],
    [1001, '1001 skola'],
  ])('picks the Latvian plural form for %i', (count, text) => {
    expect(formatMessage('lv', schools, { count }).replace(/\s/g, ' ')).toBe(text.replace(/\s/g, ' '));
  });

  const inline =
    '{schools, plural, zero {# skolu} one {# skola} other {# skolas}} un {rooms, plural, zero {# telpu} one {# telpa} other {# telpas}}';

  it.each([
    [0, 1, '0 skolu un 1 telpa'],
    [21, 2, '21 skola un 2 telpas'],
    [11, 31, '11 skolu un 31 telpa'],
    [12345, 10, '12 345 skolas un 10 telpu'],
  ])('pluralises any named number inline: %i schools, %i rooms', (schools, rooms, text) => {
    expect(formatMessage('lv', inline, { schools, rooms }).replace(/\s/g, ' ')).toBe(text);
  });

  it('takes "other" when a language has no form for the category, and leaves a missing number visible', () => {
    const en = '{aps, plural, one {# access point} other {# access points}} for {rooms} rooms';
    expect(formatMessage('en', en, { aps: 1, rooms: 3 })).toBe('1 access point for 3 rooms');
    expect(formatMessage('en', en, { aps: 0, rooms: 3 })).toBe('0 access points for 3 rooms');
    expect(formatMessage('lv', '{aps, plural, one {# punkts} other {# punkti}}', { aps: 10 })).toBe(
      '10 punkti',
    );
    expect(formatMessage('en', en, { rooms: 3 })).toBe('{aps} for 3 rooms');
  });

  it('falls back to "other" where English has no zero form', () => {
    expect(formatMessage('en', { one: '{count} school', other: '{count} schools' }, { count: 0 })).toBe(
      '0 schools',
    );
  });

  it('formats numbers for the language and leaves a missing placeholder visible', () => {
    expect(formatMessage('lv', '{n} EUR {missing}', { n: 1234567.5 })).toBe(
      `${new Intl.NumberFormat('lv-LV').format(1234567.5)} EUR {missing}`,
    );
    expect(formatMessage('en', '{n}', { n: 1234567 })).toBe('1,234,567');
  });
});
