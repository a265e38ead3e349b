/**
 * The widget's language and direction, from its div and the page: `data-lang`, else the nearest
 * `lang` (the page's), else the browser's; the strings of shared/widget-strings.ts with the
 * publisher's overrides over them (`data-strings` JSON on the div, then `window.livethreadStrings`,
 * either flat or per language: `{ "de": { "reply": "…" } }`).
 *
 * @example
 * <div data-livethread-article="a1" data-lang="de" data-strings='{"comments": "Leserkommentare"}'></div>
 */
import { exactTime, fmt, isRtl, pickLang, relativeTime, stringsFor, type StringKey, type Strings } from '../../shared/widget-strings.js';

export type { Strings, StringKey };

export interface Locale {
  /** The language of the strings (`en`, `de`, `fr`, `es`). */
  readonly lang: string;
  /** The direction of the page around the widget. */
  readonly dir: 'ltr' | 'rtl';
  readonly s: Strings;
  /** A string with its placeholders filled. */
  f(key: StringKey, vars: Readonly<Record<string, string | number>>): string;
  rel(iso: string, now?: number): string;
  exact(iso: string): string;
}

declare global {
  interface Window {
    /** A publisher's overrides of the widget's strings (see the README). */
    livethreadStrings?: unknown;
  }
}

/** An own property of window only: markup (`<div id="livethreadStrings">`) can name a window property too. */
function globalOverrides(): unknown {
  if (!Object.prototype.hasOwnProperty.call(window, 'livethreadStrings')) return null;
  const v: unknown = Object.getOwnPropertyDescriptor(window, 'livethreadStrings')?.value;
  return v !== null && typeof v === 'object' && !(v instanceof Node) ? v : null;
}

/** Flat overrides, or the ones of `lang` when they are keyed by language. */
function forLang(overrides: unknown, lang: string): Record<string, unknown> {
  if (overrides === null || typeof overrides !== 'object') return {};
  const o = overrides as Record<string, unknown>;
  const own = Object.prototype.hasOwnProperty.call(o, lang) ? o[lang] : undefined;
  return { ...o, ...(own !== null && typeof own === 'object' ? (own as Record<string, unknown>) : {}) };
}

function pageLangOf(host: HTMLElement): string {
  return host.closest('[lang]')?.getAttribute('lang') ?? document.documentElement.lang;
}

/** The language a widget's div asks for (one of LANGS). */
export function langOf(host: HTMLElement): string {
  return pickLang(host.dataset.lang, pageLangOf(host), navigator.language);
}

const tables = new Map<string, Promise<unknown>>();

/** The strings table of a language other than English, from the service (once per page and language). */
export function fetchTable(origin: string, lang: string): Promise<unknown> {
  let table = tables.get(lang);
  if (!table) {
    table = fetch(`${origin}/api/strings/${encodeURIComponent(lang)}`).then((res) => (res.ok ? res.json() : null));
    tables.set(lang, table);
  }
  return table;
}

/** The widget's locale: `table` is its language's strings (null: English). */
export function localeFor(host: HTMLElement, table: unknown): Locale {
  const pageLang = pageLangOf(host);
  const lang = table ? langOf(host) : 'en';
  let attr: unknown = null;
  try {
    attr = host.dataset.strings ? JSON.parse(host.dataset.strings) : null;
  } catch {
    console.error('livethread: data-strings is not valid JSON; the default strings are used.');
  }
  const s = stringsFor(table, { ...forLang(globalOverrides(), lang), ...forLang(attr, lang) });
  const explicitDir = host.closest('[dir]')?.getAttribute('dir')?.toLowerCase();
  const computed = host.isConnected ? getComputedStyle(host).direction : '';
  const dir = explicitDir === 'rtl' || computed === 'rtl' || (!explicitDir && isRtl(pageLang)) ? 'rtl' : 'ltr';
  return {
    lang,
    dir,
    s,
    f: (key, vars) => fmt(s[key], vars),
    rel: (iso, now) => relativeTime(iso, lang, now),
    exact: (iso) => exactTime(iso, lang),
  };
}

/** English, for parts used outside a widget (and tests). */
export function defaultLocale(): Locale {
  const s = stringsFor(null);
  return {
    lang: 'en',
    dir: 'ltr',
    s,
    f: (key, vars) => fmt(s[key], vars),
    rel: (iso, now) => relativeTime(iso, 'en', now),
    exact: (iso) => exactTime(iso, 'en'),
  };
}
