/**
 * The review queue: held and reported comments, oldest first, kept current from `mod:event`.
 * An approved comment leaves the queue; a removed or restored one stays, marked resolved, so
 * that the decision can be undone from here, until "Clear resolved" or the next sign-in.
 * Comments can be picked and approved or removed together: each is sent on its own, and each
 * result is reported (one that fails, say because it changed since, does not stop the others).
 */
import type { ModEventPayload, QueueItem } from '../../shared/events.js';
import type { Comment } from '../../shared/schemas.js';
import { CommentCard, type Report } from './card.js';
import { confirmDialog } from './dialog.js';
import { button, firstButton, h, removeKeepingFocus } from './dom.js';
import { describeError, plural } from './format.js';
import type { Ctx } from './state.js';

/** Bulk actions in flight at once: the server handles 4 requests of a socket at a time. */
const BULK_PARALLEL = 3;

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
    this.clearBtn = button('lm-btn lm-btn-quiet lm-btn-small lm-clear-resolved', 'Clear resolved', onClear, { hidden: true });
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
  private readonly bulkBar: HTMLElement;
  private readonly selectAll: HTMLInputElement;
  private readonly selectedEl: HTMLSpanElement;
  private readonly approveSel: HTMLButtonElement;
  private readonly removeSel: HTMLButtonElement;
  private readonly bulkResult: HTMLParagraphElement;
  private bulkBusy = false;

  constructor(
    private readonly ctx: Ctx,
    private readonly onCount: (open: number) => void,
    private readonly announce: (text: string) => void,
  ) {
    this.held = new QueueList('held', 'Held', 'Nothing is held for review.', () => this.clearResolved(this.held));
    this.reported = new QueueList('reported', 'Reported', 'No reported comments.', () => this.clearResolved(this.reported));

    this.selectAll = h('input', { type: 'checkbox', class: 'lm-select-all' });
    this.selectAll.addEventListener('change', () => {
      for (const e of this.open()) e.card.selected = this.selectAll.checked;
      this.updateBulk();
    });
    this.selectedEl = h('span', { class: 'lm-selected-count', 'aria-live': 'polite' });
    this.approveSel = button('lm-btn lm-btn-approve lm-btn-small lm-approve-selected', 'Approve selected', () => void this.bulk('approve'));
    this.removeSel = button('lm-btn lm-btn-danger lm-btn-small lm-remove-selected', 'Remove selected', () => void this.bulk('remove'), {
      'aria-haspopup': 'dialog',
    });
    this.bulkResult = h('p', { class: 'lm-bulk-result', role: 'status' });
    this.bulkBar = h(
      'div',
      { class: 'lm-bulk' },
      h('label', { class: 'lm-check' }, this.selectAll, 'Select all'),
      this.selectedEl,
      h('span', { class: 'lm-bulk-actions' }, this.approveSel, this.removeSel),
    );
    this.el = h('div', { class: 'lm-queue' }, this.bulkBar, this.bulkResult, this.held.section, this.reported.section);
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
        } else if (entry.resolved) {
          // Held again (a reported comment hidden by reports, an edit held): open again.
          this.setResolved(entry, false);
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
    const card = new CommentCard(this.ctx, 'queue', comment, { onSelect: () => this.updateBulk() });
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

  private open(): Entry[] {
    return [...this.entries.values()].filter((e) => !e.resolved);
  }

  private selected(): Entry[] {
    return this.open().filter((e) => e.card.selected);
  }

  /**
   * Approves or removes every selected comment, a few at a time; reports how many went through
   * and why each other one did not (its card shows its own error too).
   */
  private async bulk(action: 'approve' | 'remove'): Promise<void> {
    if (this.bulkBusy) return;
    const picked = this.selected();
    if (picked.length === 0) return;
    if (action === 'remove') {
      const yes = await confirmDialog({
        title: `Remove ${plural(picked.length, 'comment')}?`,
        text: 'Readers stop seeing them at once. Each can be restored from the queue or the thread.',
        confirm: `Remove ${plural(picked.length, 'comment')}`,
        danger: true,
        className: 'lm-dialog-bulk',
      });
      if (!yes) return;
    }
    this.bulkBusy = true;
    this.updateBulk();
    this.bulkResult.textContent = `${action === 'approve' ? 'Approving' : 'Removing'} ${plural(picked.length, 'comment')}…`;
    const failures: { entry: Entry; err: unknown }[] = [];
    let done = 0;
    const todo = [...picked];
    const worker = async () => {
      for (let e = todo.shift(); e; e = todo.shift()) {
        const err = await (action === 'approve' ? e.card.approve() : e.card.remove());
        if (err) failures.push({ entry: e, err });
        else {
          done++;
          e.card.selected = false;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(BULK_PARALLEL, picked.length) }, worker));
    this.bulkBusy = false;
    const verb = action === 'approve' ? 'Approved' : 'Removed';
    const parts = [`${verb} ${done} of ${picked.length}.`];
    for (const f of failures) {
      const who = f.entry.card.comment.author?.name ?? 'unknown author';
      parts.push(`Not ${verb.toLowerCase()}: comment by ${who} — ${describeError(f.err)}`);
    }
    this.bulkResult.textContent = parts.join(' ');
    this.bulkResult.dataset.failed = String(failures.length > 0);
    this.announce(parts[0]!);
    this.updateBulk();
  }

  private updateBulk(): void {
    const open = this.open();
    const n = open.filter((e) => e.card.selected).length;
    this.bulkBar.hidden = open.length === 0 && !this.bulkResult.textContent;
    this.selectedEl.textContent = n ? `${n} selected` : '';
    this.selectAll.checked = n > 0 && n === open.length;
    this.selectAll.indeterminate = n > 0 && n < open.length;
    this.selectAll.disabled = open.length === 0;
    for (const b of [this.approveSel, this.removeSel]) {
      b.disabled = n === 0 || this.bulkBusy;
    }
    this.approveSel.textContent = n ? `Approve ${n}` : 'Approve selected';
    this.removeSel.textContent = n ? `Remove ${n}…` : 'Remove selected';
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
    this.updateBulk();
  }
}
