/**
 * The articles list (`mod:articles`): the most recently active articles first, with their
 * visible, held and reported counts, readers now, and whether the thread is open. A click opens
 * the thread. Reloaded when shown, on Refresh, and (at most every few seconds) while shown and
 * `mod:event`s come in.
 */
import type { ArticleSummaryView } from '../../shared/moderation.js';
import { button, h, reconcile } from './dom.js';
import { actionError, plural, timeEl } from './format.js';
import type { Ctx } from './state.js';

/** While shown, the list is read again at most this often as activity comes in. */
const RELOAD_EVERY_MS = 4000;

export class ArticlesView {
  readonly el: HTMLElement;
  private readonly list: HTMLUListElement;
  private readonly statusEl: HTMLParagraphElement;
  private readonly errorEl: HTMLParagraphElement;
  private readonly refreshBtn: HTMLButtonElement;
  private readonly rows = new Map<string, HTMLLIElement>();
  private shown = false;
  private stale = true;
  private loading: Promise<void> | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private lastLoad = 0;

  constructor(
    private readonly ctx: Ctx,
    headingId: string,
  ) {
    this.refreshBtn = button('lm-btn lm-btn-quiet lm-btn-small lm-articles-refresh', 'Refresh', () => void this.load());
    this.statusEl = h('p', { class: 'lm-hint lm-articles-status', role: 'status' });
    this.errorEl = h('p', { class: 'lm-error', role: 'alert' });
    this.list = h('ul', { class: 'lm-list lm-articles', 'aria-labelledby': headingId });
    this.el = h(
      'div',
      { class: 'lm-panel-body lm-articles-wrap' },
      h('div', { class: 'lm-toolbar' }, this.statusEl, this.refreshBtn),
      this.errorEl,
      this.list,
    );
  }

  /** The panel became visible (or hidden): load when something changed meanwhile. */
  setShown(shown: boolean): void {
    this.shown = shown;
    if (shown && this.stale) void this.load();
  }

  /** Something happened somewhere: the counts may have changed. */
  onActivity(): void {
    this.stale = true;
    if (!this.shown || this.timer) return;
    const wait = Math.max(0, this.lastLoad + RELOAD_EVERY_MS - Date.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.shown) void this.load();
    }, wait);
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
  }

  load(): Promise<void> {
    if (this.loading) return this.loading;
    this.loading = this.fetch().finally(() => (this.loading = null));
    return this.loading;
  }

  private async fetch(): Promise<void> {
    if (!this.ctx.isLive()) {
      this.statusEl.textContent = 'Not connected: the list loads once the status says Live.';
      return;
    }
    this.stale = false;
    this.lastLoad = Date.now();
    this.refreshBtn.disabled = true;
    this.el.setAttribute('aria-busy', 'true');
    try {
      const { articles } = await this.ctx.client.request('mod:articles', {});
      this.errorEl.textContent = '';
      this.render(articles);
    } catch (err) {
      this.stale = true;
      this.errorEl.textContent = actionError('load the articles', err);
    } finally {
      this.refreshBtn.disabled = false;
      this.el.removeAttribute('aria-busy');
    }
  }

  private render(articles: ArticleSummaryView[]): void {
    this.statusEl.textContent = articles.length
      ? `${plural(articles.length, 'article')}, the most recently active first.`
      : 'No article has comments yet.';
    const els: HTMLLIElement[] = [];
    const keep = new Set<string>();
    for (const a of articles) {
      keep.add(a.articleId);
      // A fresh row each time (counts change), put where the old one was so that reconcile keeps order stable.
      const row = this.row(a);
      const old = this.rows.get(a.articleId);
      const focused = old?.contains(document.activeElement) ?? false;
      if (old) old.replaceWith(row);
      this.rows.set(a.articleId, row);
      if (focused) row.querySelector<HTMLElement>('.lm-article-open')?.focus();
      els.push(row);
    }
    for (const id of [...this.rows.keys()]) if (!keep.has(id)) this.rows.delete(id);
    reconcile(this.list, els);
  }

  private row(a: ArticleSummaryView): HTMLLIElement {
    const count = (n: number, label: string, cls: string) =>
      h('span', { class: `lm-stat ${cls}`, 'data-zero': String(n === 0) }, plural(n, label, label));
    return h(
      'li',
      { class: 'lm-article-row', 'data-article-id': a.articleId, 'data-closed': String(a.closed) },
      h(
        'div',
        { class: 'lm-article-line' },
        button('lm-link lm-article-open', a.articleId, () => this.ctx.openThread(a.articleId), {
          title: `Open the thread of ${a.articleId}`,
        }),
        h('span', { class: 'lm-badge lm-thread-state', 'data-closed': String(a.closed) }, a.closed ? 'Closed' : 'Open'),
        h('span', { class: 'lm-article-when' }, 'active ', timeEl(a.lastAt, 'relative')),
      ),
      h(
        'div',
        { class: 'lm-article-stats' },
        count(a.visible, 'visible', 'lm-stat-visible'),
        count(a.held, 'held', 'lm-stat-held'),
        count(a.reported, 'reported', 'lm-stat-reported'),
        a.readers === null ? null : count(a.readers, 'reading now', 'lm-stat-readers'),
      ),
    );
  }
}
