/**
 * The audit log: `GET /api/moderation/log` at sign-in (and after a reconnect), then every
 * `audit` of a `mod:event`, newest first, deduplicated by entry id.
 */
import type { AuditEntry } from '../../shared/events.js';
import { shortId } from './card.js';
import { button, h, reconcile } from './dom.js';
import { timeEl } from './format.js';
import type { Ctx } from './state.js';

/** The server keeps more; the console shows this many. */
export const AUDIT_MAX = 500;

const VERB: Record<AuditEntry['action'], string> = {
  remove: 'removed',
  restore: 'restored',
  approve: 'approved',
  ban: 'banned',
  unban: 'unbanned',
  hold: 'held',
  unhold: 'stopped holding',
  note: 'wrote a note about',
  erase: 'erased',
  close: 'closed',
  reopen: 'reopened',
};

export class AuditLoadError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** `GET /api/moderation/log` with the moderator token: entries as the server sends them. */
export async function fetchAuditLog(token: string, signal?: AbortSignal): Promise<AuditEntry[]> {
  const res = await fetch('/api/moderation/log', {
    headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' },
    cache: 'no-store',
    ...(signal ? { signal } : {}),
  });
  const body = (await res.json().catch(() => null)) as { entries?: AuditEntry[]; error?: { code?: string; message?: string } } | null;
  if (!res.ok || !Array.isArray(body?.entries)) {
    throw new AuditLoadError(res.status, body?.error?.message ?? `the server answered ${res.status}`);
  }
  return body.entries;
}

export class AuditView {
  readonly el: HTMLElement;
  readonly list: HTMLUListElement;
  private readonly errorEl: HTMLParagraphElement;
  private readonly emptyEl: HTMLParagraphElement;
  private readonly entries = new Map<string, { entry: AuditEntry; el: HTMLLIElement; n: number }>();
  /** Arrival order: breaks ties between entries of the same millisecond. */
  private n = 0;

  constructor(
    private readonly ctx: Ctx,
    headingId: string,
    private readonly reload: () => void,
  ) {
    this.list = h('ul', { class: 'lm-list lm-audit', 'aria-labelledby': headingId });
    this.errorEl = h('p', { class: 'lm-error', role: 'alert' });
    this.emptyEl = h('p', { class: 'lm-empty' }, 'No moderator actions yet.');
    this.el = h('div', { class: 'lm-audit-wrap' }, this.errorEl, this.emptyEl, this.list);
  }

  all(): Iterable<AuditEntry> {
    return [...this.entries.values()].map((e) => e.entry);
  }

  load(entries: AuditEntry[]): void {
    this.errorEl.replaceChildren();
    for (const e of entries) this.put(e);
    this.render();
  }

  add(entry: AuditEntry): void {
    this.put(entry);
    this.render();
  }

  showError(message: string): void {
    this.errorEl.replaceChildren(
      `Couldn't load the audit log: ${message}. `,
      button('lm-link', 'Try again', () => this.reload()),
    );
  }

  clear(): void {
    this.entries.clear();
    this.list.replaceChildren();
    this.errorEl.replaceChildren();
    this.render();
  }

  private put(entry: AuditEntry): void {
    if (this.entries.has(entry.id)) return;
    this.entries.set(entry.id, { entry, el: this.line(entry), n: ++this.n });
  }

  private line(e: AuditEntry): HTMLLIElement {
    const target: (Node | string)[] = [];
    const code = (text: string, title?: string) => h('code', title ? { title } : null, text);
    const uid = (id: string) => button('lm-link lm-uid', id, () => this.ctx.openUser(id), { title: `Show the card of ${id}` });
    const article = (id: string) => button('lm-link lm-article', id, () => this.ctx.openThread(id), { title: `Show thread ${id}` });
    switch (e.action) {
      case 'remove':
      case 'restore':
      case 'approve': {
        target.push('comment ');
        if (e.commentId) target.push(code(shortId(e.commentId), e.commentId));
        if (e.userId) {
          const name = this.ctx.names.get(e.userId);
          target.push(' by ', name ? `${name} ` : '', uid(e.userId));
        }
        if (e.articleId) target.push(' on ', article(e.articleId));
        break;
      }
      case 'ban':
      case 'unban':
      case 'hold':
      case 'unhold':
      case 'note':
      case 'erase':
        target.push(e.action === 'hold' || e.action === 'unhold' ? 'the comments of ' : 'user ');
        if (e.userId) {
          const name = this.ctx.names.get(e.userId);
          target.push(name ? `${name} ` : '', uid(e.userId));
        }
        break;
      case 'close':
      case 'reopen':
        target.push('thread ');
        if (e.articleId) target.push(article(e.articleId));
        break;
    }
    return h(
      'li',
      { class: 'lm-audit-entry', 'data-audit-id': e.id, 'data-action': e.action },
      timeEl(e.at, 'clock'),
      h(
        'span',
        { class: 'lm-audit-text' },
        h('strong', { title: e.moderator.id }, e.moderator.name),
        ' ',
        h('span', { class: `lm-verb lm-verb-${e.action}` }, VERB[e.action] ?? e.action),
        ' ',
        ...target,
        e.reason ? h('span', { class: 'lm-audit-reason' }, ' — ', h('q', null, e.reason)) : null,
      ),
    );
  }

  private render(): void {
    const sorted = [...this.entries.values()].sort((a, b) => b.entry.at.localeCompare(a.entry.at) || b.n - a.n);
    for (const old of sorted.slice(AUDIT_MAX)) this.entries.delete(old.entry.id);
    reconcile(
      this.list,
      sorted.slice(0, AUDIT_MAX).map((e) => e.el),
    );
    this.emptyEl.hidden = this.entries.size > 0;
  }
}
