/**
 * Keeps what the reader is reading where it is. A new comment appears at once only where the
 * reader already looks at the place it lands (landsInSight); others wait behind the
 * "N new comments" button. Changes above the viewport (a comment shown, edited or removed there)
 * do not move the topmost visible comment, in browsers without scroll anchoring too.
 */
import type { Comment } from '../../shared/schemas.js';
import { button } from './dom.js';
import type { Locale } from './i18n.js';
import type { SortOrder } from './thread-layout.js';
import type { Timers } from './timers.js';

/** How close (px) the widget's bottom must be to the viewport's for the reader to be "at the end". */
const END_SLACK = 120;
/** How long a new comment stays highlighted. */
const HIGHLIGHT_MS = 4000;

/** The topmost comment in view, and where it was, before a render. */
export interface Anchor {
  el: Element;
  top: number;
}

export interface ReadingDeps {
  /** The widget's root element and its thread element. */
  root: HTMLElement;
  thread: HTMLElement;
  order(): SortOrder;
  /** The element of a shown comment (its article, with its replies: the item). */
  itemOf(id: string): HTMLElement | undefined;
  articleOf(id: string): HTMLElement | undefined;
  /** Renders now, synchronously (the revealed comments must exist to scroll to them). */
  render(): void;
  timers: Timers;
  t: Locale;
}

export class ReadingPosition {
  /** The "N new comments" button. */
  readonly button: HTMLButtonElement;
  /** New comments that arrived while the reader was elsewhere: shown by the button. */
  readonly hidden = new Set<string>();
  /** New comments to highlight at the next render. */
  private readonly fresh = new Set<string>();

  constructor(private readonly deps: ReadingDeps) {
    this.button = button('lt-new-button', '', () => this.reveal(), { hidden: true });
  }

  /** Someone else's new comment: shown now (and highlighted), or behind the button. */
  arrived(c: Comment): void {
    if (this.landsInSight(c)) this.fresh.add(c.id);
    else this.hidden.add(c.id);
  }

  /** The thread was reloaded from scratch: nothing is new any more. */
  reset(): void {
    this.hidden.clear();
    this.fresh.clear();
  }

  /** "N new comments", for the ones still there to show. */
  showWaiting(waiting: number): void {
    this.button.hidden = waiting === 0;
    this.button.textContent = waiting === 1 ? this.deps.t.s.newCommentsOne : this.deps.t.f('newComments', { n: waiting });
  }

  /** After a render: new comments shown in it light up for a moment. */
  highlightFresh(): void {
    for (const id of this.fresh) {
      const article = this.deps.articleOf(id);
      if (!article) continue;
      article.classList.add('lt-new');
      this.deps.timers.after(HIGHLIGHT_MS, () => article.classList.remove('lt-new'));
    }
    this.fresh.clear();
  }

  /**
   * Before a render: the topmost comment in view when the top of the thread is above the
   * viewport. Changes above it must not move it (keep() after the render).
   */
  anchor(): Anchor | null {
    const thread = this.deps.thread;
    if (!thread.isConnected || thread.getBoundingClientRect().top >= 0) return null;
    for (const el of Array.from(thread.querySelectorAll('article.lt-comment'))) {
      const r = el.getBoundingClientRect();
      if (r.bottom > 0) return r.height > 0 ? { el, top: r.top } : null;
    }
    return null;
  }

  keep(anchor: Anchor): void {
    if (!anchor.el.isConnected) return;
    const delta = anchor.el.getBoundingClientRect().top - anchor.top;
    if (Math.abs(delta) < 1) return; // unchanged, or the browser's own scroll anchoring did it
    const scroller = scrollParent(this.deps.root);
    if (scroller) scroller.scrollTop += delta;
    else window.scrollBy(0, delta);
  }

  /**
   * Whether a new comment may appear at once: only where the reader is already looking at the
   * place it lands, so that nothing they are reading moves. Newest first, a root comment lands at
   * the top of the thread: that must be in view. Otherwise it lands at the end of the thread, or
   * (a reply) after its parent's replies: the reader must be at the end of the widget and the
   * parent not above the viewport.
   */
  private landsInSight(c: Comment): boolean {
    const r = this.deps.root.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) return true; // not laid out (hidden): nothing can move
    const viewport = window.innerHeight || document.documentElement.clientHeight;
    if (c.parentId === null && this.deps.order() !== 'oldest') {
      const top = this.deps.thread.getBoundingClientRect().top;
      return top >= -2 && top <= viewport; // a scroll to the thread's top may leave it a fraction of a pixel above
    }
    if (r.bottom > viewport + END_SLACK) return false;
    if (c.parentId === null) return true;
    const parent = this.deps.itemOf(c.parentId);
    return parent !== undefined && parent.isConnected && parent.getBoundingClientRect().bottom >= 0;
  }

  /** The button: shows what waited, highlighted, and brings the first of it into view. */
  private reveal(): void {
    const ids = [...this.hidden];
    this.hidden.clear();
    for (const id of ids) this.fresh.add(id);
    this.deps.render();
    let first: HTMLElement | null = null;
    for (const id of ids) {
      const el = this.deps.articleOf(id);
      if (el?.isConnected && (!first || first.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_PRECEDING)) first = el;
    }
    if (first) {
      first.focus({ preventScroll: true });
      const smooth = !window.matchMedia?.('(prefers-reduced-motion: reduce)').matches;
      first.scrollIntoView({ block: 'center', behavior: smooth ? 'smooth' : 'auto' });
    }
  }
}

/** The nearest scrolling ancestor of the widget (across shadow roots), or null for the page. */
function scrollParent(el: Element): Element | null {
  let node: Node | null = el.parentNode;
  while (node) {
    if (node instanceof ShadowRoot) {
      node = node.host;
      continue;
    }
    if (!(node instanceof Element) || node === document.documentElement || node === document.body) return null;
    const { overflowY } = getComputedStyle(node);
    if ((overflowY === 'auto' || overflowY === 'scroll' || overflowY === 'overlay') && node.scrollHeight > node.clientHeight) return node;
    node = node.parentNode;
  }
  return null;
}
