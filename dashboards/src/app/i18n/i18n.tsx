import { createContext, type ComponentChildren } from 'preact';
import { useCallback, useContext, useEffect, useMemo, useState } from 'preact/hooks';

/** The languages of the pages; Latvian is the default. */
export const LANGS = ['lv', 'en'] as const;
/** A language of the pages. */
export type Lang = (typeof LANGS)[number];
/** The language a first visit gets. */
export const DEFAULT_LANG: Lang = 'lv';

/**
 * A message that depends on a count: one text per plural category of
 * `Intl.PluralRules`. Latvian has zero (0, 10-20, 30, ...), one (1, 21,
 * 31, ..., not 11) and other; English has one and other.
 */
export interface PluralMessage {
  zero?: string;
  one: string;
  other: string;
}
/**
 * A catalog entry: text with `{name}` placeholders, or plural forms of it
 * chosen by `count`. Any other numeric parameter is pluralised inline, in
 * the plural subset of ICU MessageFormat:
 * `{aps, plural, zero {# punktu} one {# punkts} other {# punkti}}`, where
 * `#` is the number in the language's format and a category the text has
 * no form for takes `other`. Forms hold no braces.
 */
export type Message = string | PluralMessage;
/** One page area's messages in one language. */
export type Catalog = Readonly<Record<string, Message>>;
/** The other language's catalog of a page area: the same keys, each of the same kind. */
export type CatalogOf<C extends Catalog> = {
  readonly [K in keyof C]: C[K] extends string ? string : PluralMessage;
};
/** A page area's catalogs, one per language. */
export type Catalogs<C extends Catalog> = Readonly<{ lv: C; en: CatalogOf<C> }>;

/** Values for a message's placeholders; numbers are formatted for the language. */
export type MessageParams = Readonly<Record<string, string | number>>;

/** BCP 47 locale used for `Intl` in each language: Latvian, and English as written in the EU. */
export const LOCALES: Readonly<Record<Lang, string>> = { lv: 'lv-LV', en: 'en-GB' };

/** localStorage key that remembers the chosen language. */
export const LANG_STORAGE_KEY = 'skolnet.lang';

const isLang = (value: unknown): value is Lang => value === 'lv' || value === 'en';

/** `{name, plural, form {text} ...}`: the parameter, then its forms. */
const INLINE_PLURAL = /\{(\w+), plural,((?:\s*\w+\s*\{[^{}]*\})+)\s*\}/g;
/** One form of an inline plural: its category and text. */
const PLURAL_FORM = /(\w+)\s*\{([^{}]*)\}/g;

/**
 * Fills a message for `lang`: picks the plural form for `params.count`
 * with `Intl.PluralRules`, then each inline plural's form for its own
 * parameter (see {@link Message}), and replaces `{name}` placeholders. A
 * placeholder or plural without a value shows as `{name}`, so a missing
 * parameter shows on the page instead of vanishing.
 */
export function formatMessage(lang: Lang, message: Message, params: MessageParams = {}): string {
  const rules = new Intl.PluralRules(LOCALES[lang]);
  let text: string;
  if (typeof message === 'string') {
    text = message;
  } else {
    const count = typeof params.count === 'number' ? params.count : Number(params.count);
    const category = rules.select(count);
    text =
      (category === 'zero' ? message.zero : category === 'one' ? message.one : undefined) ?? message.other;
  }
  const numbers = new Intl.NumberFormat(LOCALES[lang]);
  text = text.replace(INLINE_PLURAL, (whole, name: string, body: string) => {
    const value = params[name];
    const n = typeof value === 'number' ? value : Number(value);
    if (value === undefined || Number.isNaN(n)) return `{${name}}`;
    const forms = new Map([...body.matchAll(PLURAL_FORM)].map((f) => [f[1]!, f[2]!]));
    const form = forms.get(rules.select(n)) ?? forms.get('other');
    return form === undefined ? whole : form.replaceAll('#', numbers.format(n));
  });
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = params[name];
    if (value === undefined) return whole;
    return typeof value === 'number' ? numbers.format(value) : value;
  });
}

/** Formatting of numbers, money, shares and dates for one language. */
export interface Formatters {
  /** A number with up to `digits` decimals (default 0). */
  number(value: number, digits?: number): string;
  /** Euros; whole euros unless `cents`. */
  eur(value: number, cents?: boolean): string;
  /** A share 0..1 as a percentage with up to `digits` decimals. */
  percent(share: number, digits?: number): string;
  /** A date (no time) from an ISO string or Date. */
  date(value: string | Date): string;
  /** Date and time to the minute. */
  dateTime(value: string | Date): string;
}

/** {@link Formatters} for `lang` through `Intl`. */
export function createFormatters(lang: Lang): Formatters {
  const locale = LOCALES[lang];
  const cache = new Map<string, Intl.NumberFormat>();
  const nf = (key: string, options: Intl.NumberFormatOptions): Intl.NumberFormat => {
    let f = cache.get(key);
    if (f === undefined) cache.set(key, (f = new Intl.NumberFormat(locale, options)));
    return f;
  };
  const dateF = new Intl.DateTimeFormat(locale, { dateStyle: 'medium' });
  const dateTimeF = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' });
  const asDate = (v: string | Date): Date => (typeof v === 'string' ? new Date(v) : v);
  return {
    number: (value, digits = 0) => nf(`n${digits}`, { maximumFractionDigits: digits }).format(value),
    eur: (value, cents = false) =>
      nf(`eur${cents}`, {
        style: 'currency',
        currency: 'EUR',
        maximumFractionDigits: cents ? 2 : 0,
        minimumFractionDigits: cents ? 2 : 0,
      }).format(value),
    percent: (share, digits = 0) =>
      nf(`p${digits}`, { style: 'percent', maximumFractionDigits: digits }).format(share),
    date: (v) => dateF.format(asDate(v)),
    dateTime: (v) => dateTimeF.format(asDate(v)),
  };
}

/** The remembered language, or the default when none (or storage is closed). */
export function storedLang(): Lang {
  try {
    const stored = globalThis.localStorage?.getItem(LANG_STORAGE_KEY);
    return isLang(stored) ? stored : DEFAULT_LANG;
  } catch {
    return DEFAULT_LANG;
  }
}

interface LangState {
  lang: Lang;
  setLang: (lang: Lang) => void;
  fmt: Formatters;
}

const LangContext = createContext<LangState>({
  lang: DEFAULT_LANG,
  setLang: () => undefined,
  fmt: createFormatters(DEFAULT_LANG),
});

/** Holds the chosen language, remembers it, and keeps `<html lang>` equal to it. */
export function LangProvider(props: { children: ComponentChildren; initial?: Lang }) {
  const [lang, setLangState] = useState<Lang>(props.initial ?? storedLang());
  const setLang = useCallback((next: Lang) => {
    try {
      localStorage.setItem(LANG_STORAGE_KEY, next);
    } catch {
      // Private windows may refuse storage: the choice then lasts for this visit.
    }
    // At once, not after the next render: screen readers pick the voice from it.
    document.documentElement.lang = next;
    setLangState(next);
  }, []);
  useEffect(() => {
    document.documentElement.lang = lang;
  }, [lang]);
  const value = useMemo(() => ({ lang, setLang, fmt: createFormatters(lang) }), [lang, setLang]);
  return <LangContext.Provider value={value}>{props.children}</LangContext.Provider>;
}

/** The current language, its setter and its formatters. */
export function useLang(): LangState {
  return useContext(LangContext);
}

/** A translate function over one page area's catalogs. */
export type Translate<C extends Catalog> = (key: keyof C & string, params?: MessageParams) => string;

/**
 * The translate function of a page area in the current language:
 * `const t = useMessages(messages); t('title')`. Keys are checked by the
 * compiler against the area's Latvian catalog.
 */
export function useMessages<C extends Catalog>(catalogs: Catalogs<C>): Translate<C> {
  const { lang } = useLang();
  return useCallback(
    (key: keyof C & string, params?: MessageParams) =>
      formatMessage(lang, (catalogs[lang] as Catalog)[key] ?? key, params),
    [lang, catalogs],
  );
}
