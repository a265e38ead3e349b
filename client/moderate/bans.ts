/**
 * The bans in force (`mod:bans`, then kept current from `user.banned` / `user.unbanned`), newest
 * first: who, until when, why, by whom, whether it covers a guest's address; Lift ends one.
 * A ban whose time is up leaves the list by itself.
 */
import type { BanView } from '../../shared/moderation.js';
import { banUntil } from './ban.js';
import { button, h, reconcile } from './dom.js';
import { actionError, plural, timeEl } from './format.js';
import type { Ctx } from './state.js';

export class BansView {
  readonly el: HTMLElement;
  private readonly list: HTMLUListElement;
  private readonly statusEl: HTMLParagraphElement;
  private readonly errorEl: HTMLParagraphElement;
  private readonly rows = new Map<string, { el: HTMLLIElement; ban: BanView }>();

  constructor(
    private readonly ctx: Ctx,
    headingId: string,
    private readonly onCount: (n: number) => void,
  ) {
    this.statusEl = h('p', { class: 'lm-hint lm-bans-status', role: 'status' });
    this.errorEl = h('p', { class: 'lm-error', role: 'alert' });
    this.list = h('ul', { class: 'lm-list lm-bans', 'aria-labelledby': headingId });
    this.el = h('div', { class: 'lm-panel-body lm-bans-wrap' }, this.statusEl, this.errorEl, this.list);
    ctx.bans.onChange(() => this.render());
    this.render();
  }

  showError(err: unknown): void {
    this.errorEl.textContent = actionError('load the bans', err);
  }

  clearError(): void {
    this.errorEl.textContent = '';
  }

  render(): void {
    const bans = this.ctx.bans.list();
    this.statusEl.textContent = bans.length ? `${plural(bans.length, 'ban')} in force, the newest first.` : 'Nobody is banned.';
    const els: HTMLLIElement[] = [];
    const keep = new Set<string>();
    for (const b of bans) {
      keep.add(b.userId);
      let row = this.rows.get(b.userId);
      if (!row || row.ban !== b) {
        const el = this.row(b);
        const focused = row?.el.contains(document.activeElement) ?? false;
        row?.el.replaceWith(el);
        row = { el, ban: b };
        this.rows.set(b.userId, row);
        if (focused) el.querySelector<HTMLElement>('.lm-lift')?.focus();
      }
      els.push(row.el);
    }
    // A lifted ban's row goes; the focus moves to the next row's Lift, or the list's status.
    const focusedGone = [...this.rows].find(([id, r]) => !keep.has(id) && r.el.contains(document.activeElement));
    for (const id of [...this.rows.keys()]) if (!keep.has(id)) this.rows.delete(id);
    reconcile(this.list, els);
    if (focusedGone) (this.list.querySelector<HTMLElement>('.lm-lift') ?? this.statusEl).focus();
    this.onCount(bans.length);
  }

  private row(b: BanView): HTMLLIElement {
    const name = this.ctx.names.get(b.userId);
    const error = h('span', { class: 'lm-error lm-inline-error', role: 'alert' });
    const lift = button(
      'lm-btn lm-btn-small lm-lift',
      'Lift',
      async () => {
        error.textContent = '';
        if (!this.ctx.isLive()) {
          error.textContent = "Couldn't lift the ban: not connected.";
          return;
        }
        lift.setAttribute('aria-disabled', 'true');
        try {
          await this.ctx.client.request('mod:unban', { userId: b.userId });
          this.ctx.bans.delete(b.userId);
        } catch (err) {
          error.textContent = actionError('lift the ban', err);
        } finally {
          lift.removeAttribute('aria-disabled');
        }
      },
      { 'aria-label': `Lift the ban of ${name ?? b.userId}` },
    );
    return h(
      'li',
      { class: 'lm-ban-row', 'data-user-id': b.userId },
      h(
        'div',
        { class: 'lm-ban-line' },
        button('lm-link lm-author-name', name ?? b.userId, () => this.ctx.openUser(b.userId), {
          dir: 'auto',
          title: `Show the card of ${b.userId}`,
        }),
        name ? h('code', { class: 'lm-uid', title: b.userId }, b.userId) : null,
        h('span', { class: 'lm-ban-until', 'data-permanent': String(b.until === null) }, banUntil(b.until)),
        b.address ? h('span', { class: 'lm-badge', title: 'Also covers the address this guest wrote from' }, 'address') : null,
        h('span', { class: 'lm-ban-actions' }, lift),
      ),
      h(
        'p',
        { class: 'lm-ban-detail' },
        b.reason ? h('q', { dir: 'auto' }, b.reason) : h('span', { class: 'lm-muted' }, 'no reason given'),
        b.by.name ? ` · by ${b.by.name}` : '',
        ' · ',
        timeEl(b.at, 'relative'),
        ' ',
        error,
      ),
    );
  }
}
