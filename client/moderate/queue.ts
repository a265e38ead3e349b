/**
 * The review queue: held and reported comments, oldest first, kept current from `mod:event`.
 * An approved comment leaves the queue; a removed or restored one stays, marked resolved, so
 * that the decision can be undone from here, until "Clear resolved" or the next sign-in.
 */
import type { ModEventPayload, QueueItem } from '../../shared/events.js';
import type { Comment } from '../../shared/schemas.js';
import { CommentCard, type Report } from './card.js';
import { button, firstButton, h, removeKeepingFocus } from './dom.js';
import type { Ctx } from './state.js';

interface Entry {
  card: CommentCard;
  list: QueueList;
  reports: Report[];
  resolved: boolean;
}

class QueueList {
  readonly section: HTMLElement;
  readonly list: HTMLUListElement;
  readonly heading: HTMLHeadingElement;
  private readonly countEl: HTMLSpanElement;
  private readonly emptyEl: HTMLParagraphElement;
  private readonly clearBtn: HTMLButtonElement;

  constructor(
    readonly reason: 'held' | 'reported',
    title: string,
    empty: string,
    onClear: () => void,
  ) {
    const headingId = `lm-${reason}-heading`;
    this.countEl = h('span', { class: 'lm-count' }, '0');
    this.heading = h('h3', { id: headingId, class: 'lm-subheading', tabindex: -1 }, title, ' ', this.countEl);
    this.clearBtn = button('lm-btn lm-btn-quiet lm-clear-resolved', 'Clear resolved', onClear, { hidden: true });
    this.list = h('ul', { class: `lm-list lm-${reason}`, 'aria-labelledby': headingId });
    this.emptyEl = h('p', { class: 'lm-empty' }, empty);
    this.section = h(
      'section',
      { class: 'lm-queue-part', 'aria-labelledby': headingId },
      h('div', { class: 'lm-subhead' }, this.heading, this.clearBtn),
      this.emptyEl,
      this.list,
    );
  }

  update(open: number, resolved: number): void {
    this.countEl.textContent = String(open);
    this.countEl.dataset.zero = String(open === 0);
    this.emptyEl.hidden = open + resolved > 0;
    this.clearBtn.hidden = resolved === 0;
  }
}

export class QueueView {
  readonly el: HTMLElement;
  private readonly held: QueueList;
  private readonly reported: QueueList;
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly ctx: Ctx,
    private readonly onCount: (open: number) => void,
    private readonly announce: (text: string) => void,
  ) {
    this.held = new QueueList('held', 'Held', 'Nothing is held for review.', () => this.clearResolved(this.held));
    this.reported = new QueueList('reported', 'Reported', 'No reported comments.', () => this.clearResolved(this.reported));
    this.el = h('div', { class: 'lm-queue' }, this.held.section, this.reported.section);
    this.counts();
  }

  /** The queue as `mod:watch` returned it (replaces everything). */
  load(items: QueueItem[]): void {
    this.clear();
    for (const item of [...items].sort((a, b) => a.at.localeCompare(b.at))) {
      this.add(item.comment, item.reason, item.reports);
    }
    this.counts();
  }

  clear(): void {
    for (const e of this.entries.values()) {
      e.card.dispose();
      e.card.el.remove();
    }
    this.entries.clear();
    this.counts();
  }

  onModEvent(e: ModEventPayload): void {
    const c = e.comment;
    if (!c) return;
    const entry = this.entries.get(c.id);
    switch (e.type) {
      case 'comment.held':
        if (!entry) {
          this.add(c, 'held', []);
          this.announce(`New held comment by ${c.author?.name ?? 'unknown'} on ${c.articleId}`);
        }
        break;
      case 'comment.reported': {
        const report: Report = { userId: e.report?.userId ?? 'unknown', reason: e.report?.reason ?? null, at: new Date().toISOString() };
        if (entry) {
          if (!entry.reports.some((r) => r.userId === report.userId)) entry.reports.push(report);
          entry.card.setReports(entry.reports);
          this.setResolved(entry, false);
          // A report brings a resolved comment back: the server queued it again.
          if (entry.list === this.reported) this.reported.list.append(entry.card.el);
        } else {
          this.add(c, 'reported', [report]);
        }
        this.announce(`Comment by ${c.author?.name ?? 'unknown'} on ${c.articleId} reported`);
        break;
      }
      case 'comment.approved':
        // The server took it off the queue (held or reported alike).
        if (entry) this.drop(entry);
        break;
      case 'comment.removed':
      case 'comment.restored':
      case 'comment.deleted':
        if (entry) this.setResolved(entry, true);
        break;
    }
    this.counts();
  }

  private add(comment: Comment, reason: 'held' | 'reported', reports: Report[]): void {
    const list = reason === 'held' ? this.held : this.reported;
    const card = new CommentCard(this.ctx, 'queue', comment);
    const entry: Entry = { card, list, reports: [...reports], resolved: false };
    card.setReports(entry.reports);
    this.entries.set(comment.id, entry);
    list.list.append(card.el);
    // A removed comment can be in the queue after a reconnect race; show it resolved.
    if (comment.status === 'removed' || comment.status === 'deleted') this.setResolved(entry, true);
    this.counts();
  }

  private setResolved(entry: Entry, resolved: boolean): void {
    entry.resolved = resolved;
    entry.card.setResolved(resolved);
  }

  private drop(entry: Entry): void {
    const next = entry.card.el.nextElementSibling ?? entry.card.el.previousElementSibling;
    this.entries.delete(entry.card.commentId);
    entry.card.dispose();
    removeKeepingFocus(entry.card.el, () => firstButton(next?.querySelector('.lm-actions')) ?? entry.list.heading);
  }

  private clearResolved(list: QueueList): void {
    for (const e of [...this.entries.values()]) if (e.list === list && e.resolved) this.drop(e);
    this.counts();
    if (!list.section.contains(document.activeElement)) list.heading.focus();
  }

  private counts(): void {
    let total = 0;
    for (const list of [this.held, this.reported]) {
      let open = 0;
      let resolved = 0;
      for (const e of this.entries.values()) {
        if (e.list !== list) continue;
        if (e.resolved) resolved++;
        else open++;
      }
      list.update(open, resolved);
      total += open;
    }
    this.onCount(total);
  }
}
