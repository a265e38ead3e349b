/**
 * The widget module, `/assets/embed.<hash>.js`: loaded by the loader publishers embed
 * (`/embed.js`, see embed-loader.ts), or directly as a module by pages on the service's origin.
 *
 * @example
 * <div data-livethread-article="my-article"></div>
 * <script src="https://comments.example.com/embed.js" async></script>
 *
 * The widget connects only when the div comes near the viewport (near-viewport.ts); its state is on
 * the div as `data-lt-*` attributes (diagnostics.ts).
 *
 * Optional attributes on the div: `data-token` (a token signed by the host site for its signed-in
 * user), `data-theme` ("light" or "dark"; anything else follows the reader's colour scheme),
 * `data-lang` (en, de, fr, es; default: the page's `lang`) and `data-strings` (JSON overriding
 * any of the widget's strings; see i18n.ts). The div may hold thread.html: the widget takes it over.
 *
 * Single-page apps mount widgets added later with `window.livethread.scan()` and unmount one
 * before removing its div with `window.livethread.unmount(div)`:
 *
 * @example
 * const [widget] = window.livethread.scan(container); // mounts the divs under container
 * widget.unmount(); // or window.livethread.unmount(div); a later scan() mounts it again
 *
 * A host page's injected markup can shadow names on `document` and `window` (`<img name=…>`,
 * `<div id=…>`). Nothing that decides where to connect, or what the page sees of us, is read
 * through such a name: the origin is this module's own URL, and document methods are called
 * through their prototypes.
 */
import type { DiscussionClient } from '../discussion-client.js';
import { fetchTable, langOf } from './i18n.js';
import { Session } from './session.js';
import { ThreadWidget, type Theme } from './widget.js';
import { whenNear } from './near-viewport.js';

/** A widget mounted by scan(). */
export interface MountedWidget {
  readonly element: HTMLElement;
  readonly articleId: string;
  /** The same as `window.livethread.unmount(element)`. */
  unmount(): void;
}

interface LivethreadGlobal {
  /** Every DiscussionClient on the page (one per token in use); for tests and debugging. */
  clients: DiscussionClient[];
  /** Mounts widgets added to the page after it loaded (for single-page apps); returns those it mounted. */
  scan(root?: ParentNode): MountedWidget[];
  /**
   * Unmounts the widget in `el` (see ThreadWidget.destroy): it leaves its thread, stops, and the
   * div is empty and may be mounted again by scan(). Returns whether there was one.
   */
  unmount?(el: Element): boolean;
}

declare global {
  interface Window {
    livethread?: LivethreadGlobal;
  }
}

/** Marks the global as ours; a `<div id="livethread">` is reachable as window.livethread too. */
const BRAND = Symbol.for('livethread.global');
/**
 * Where a mounted div keeps its widget: on the element, under a registered symbol (no markup
 * can set one), so that any copy of this module on the page can unmount it.
 */
const MOUNTED = Symbol.for('livethread.widget');

/** The global set by a copy of this module (another version) already on the page, if any. */
function existingGlobal(): LivethreadGlobal | null {
  // Named elements live on the window's prototype chain, never as its own properties.
  if (!Object.prototype.hasOwnProperty.call(window, 'livethread')) return null;
  const value: unknown = Object.getOwnPropertyDescriptor(window, 'livethread')?.value;
  if (typeof value !== 'object' || value === null || (value as { [BRAND]?: unknown })[BRAND] !== true) return null;
  return Array.isArray((value as LivethreadGlobal).clients) ? (value as LivethreadGlobal) : null;
}

/** Elements matching `selector` under `root`, with the method as the browser defines it. */
function queryAll(root: ParentNode, selector: string): Element[] {
  const proto = root instanceof Document ? Document.prototype : root instanceof Element ? Element.prototype : DocumentFragment.prototype;
  return Array.from(proto.querySelectorAll.call(root, selector));
}

// Where this module was loaded from is the service: no page content can change import.meta.url.
const origin = new URL(import.meta.url).origin;
const sessions = new Map<string, Session>();
const existing = existingGlobal();
const clients: DiscussionClient[] = existing?.clients ?? [];

function sessionFor(token: string | null): Session {
  const key = token ?? '';
  let session = sessions.get(key);
  if (!session) {
    session = new Session(origin, token);
    sessions.set(key, session);
    clients.push(session.client);
  }
  return session;
}

function scan(root: ParentNode = document): MountedWidget[] {
  const mounted: MountedWidget[] = [];
  for (const el of queryAll(root, 'div[data-livethread-article]')) {
    if (!(el instanceof HTMLElement)) continue;
    const articleId = el.dataset.livethreadArticle?.trim();
    if (!articleId || el.dataset.livethreadMounted !== undefined) continue;
    el.dataset.livethreadMounted = '';
    const theme: Theme = el.dataset.theme === 'light' || el.dataset.theme === 'dark' ? el.dataset.theme : 'auto';
    // Nothing connects until the reader comes near the comments (see near-viewport.ts). English is
    // in the bundle; another language's strings come first (the div keeps what it holds,
    // thread.html say, until then).
    let widget: ThreadWidget | null = null;
    let gone = false;
    el.dataset.ltState = 'waiting';
    const stopWaiting = whenNear(el, () => {
      const session = sessionFor(el.dataset.token?.trim() || null);
      const start = (strings: unknown) => {
        if (!gone) widget = new ThreadWidget(el, articleId, session, theme, strings);
      };
      const lang = langOf(el);
      if (lang === 'en') start(null);
      else fetchTable(origin, lang).then(start, () => start(null));
    });
    const handle: MountedWidget = {
      element: el,
      articleId,
      unmount: () => {
        if ((el as { [MOUNTED]?: MountedWidget })[MOUNTED] !== handle) return;
        delete (el as { [MOUNTED]?: MountedWidget })[MOUNTED];
        gone = true;
        stopWaiting();
        widget?.destroy();
        delete el.dataset.ltState;
        delete el.dataset.livethreadMounted;
      },
    };
    Object.defineProperty(el, MOUNTED, { value: handle, configurable: true });
    mounted.push(handle);
  }
  return mounted;
}

function unmount(el: Element): boolean {
  const handle = (el as { [MOUNTED]?: MountedWidget })[MOUNTED];
  if (!handle) return false;
  handle.unmount();
  return true;
}

if (!existing) {
  const global: LivethreadGlobal = { clients, scan, unmount };
  Object.defineProperty(global, BRAND, { value: true });
  window.livethread = global;
}

// An async module may run before the page's divs are parsed.
const readyState: unknown = Object.getOwnPropertyDescriptor(Document.prototype, 'readyState')?.get?.call(document);
if (readyState === 'loading') EventTarget.prototype.addEventListener.call(document, 'DOMContentLoaded', () => scan());
else scan();
