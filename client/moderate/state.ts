/**
 * What the console's views share: the SDK client, every rendered comment card by comment id
 * (so that one `mod:event` updates a comment everywhere), and the authors known to be banned.
 */
import type { DiscussionClient } from '../discussion-client.js';
import type { AuditEntry } from '../../shared/events.js';
import type { Comment } from '../../shared/schemas.js';

/** What a card needs to know about the rest of the console. */
export interface Ctx {
  client: DiscussionClient;
  registry: CardRegistry;
  bans: BanList;
  /** Shows a thread in the Thread box. */
  openThread(articleId: string): void;
  /** Connected and watching: actions can be sent. */
  isLive(): boolean;
  /** Display names of the authors seen so far, by user id (audit entries carry only ids). */
  names: Map<string, string>;
}

/** A rendered view of one comment that can be updated in place. */
export interface CommentView {
  readonly commentId: string;
  setComment(c: Comment): void;
  /** Re-evaluates anything that depends on shared state (bans, connection). */
  refresh(): void;
}

export class CardRegistry {
  private readonly byId = new Map<string, Set<CommentView>>();

  add(view: CommentView): void {
    let set = this.byId.get(view.commentId);
    if (!set) this.byId.set(view.commentId, (set = new Set()));
    set.add(view);
  }

  remove(view: CommentView): void {
    const set = this.byId.get(view.commentId);
    if (!set) return;
    set.delete(view);
    if (set.size === 0) this.byId.delete(view.commentId);
  }

  /** A newer state of a comment: every view of it shows it. */
  update(c: Comment): void {
    for (const v of this.byId.get(c.id) ?? []) v.setComment(c);
  }

  refreshAll(): void {
    for (const set of this.byId.values()) for (const v of set) v.refresh();
  }

  clear(): void {
    this.byId.clear();
  }
}

/**
 * Authors known to be banned. The protocol has no "is banned" query: the list is rebuilt from
 * the audit log at sign-in and kept current from `user.banned` / `user.unbanned` events.
 */
export class BanList {
  private readonly ids = new Set<string>();

  constructor(private readonly onChange: () => void) {}

  has(userId: string | null | undefined): boolean {
    return !!userId && this.ids.has(userId);
  }

  set(userId: string, banned: boolean): void {
    if (banned === this.ids.has(userId)) return;
    if (banned) this.ids.add(userId);
    else this.ids.delete(userId);
    this.onChange();
  }

  /** Replays ban/unban entries (any order) to know who is banned now. */
  fromAudit(entries: Iterable<AuditEntry>): void {
    const sorted = [...entries].filter((e) => e.userId && (e.action === 'ban' || e.action === 'unban'));
    sorted.sort((a, b) => a.at.localeCompare(b.at));
    this.ids.clear();
    for (const e of sorted) {
      if (e.action === 'ban') this.ids.add(e.userId!);
      else this.ids.delete(e.userId!);
    }
    this.onChange();
  }

  clear(): void {
    this.ids.clear();
  }
}
