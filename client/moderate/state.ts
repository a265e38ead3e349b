/**
 * What the console's views share: the SDK client, every rendered comment card by comment id
 * (so that one `mod:event` updates a comment everywhere), the bans in force, and the ways to
 * open the other views.
 */
import type { DiscussionClient } from '../discussion-client.js';
import type { BanView } from '../../shared/moderation.js';
import type { Comment } from '../../shared/schemas.js';

/** What a card needs to know about the rest of the console. */
export interface Ctx {
  client: DiscussionClient;
  registry: CardRegistry;
  bans: BanList;
  /** Shows a thread in the Thread view. */
  openThread(articleId: string): void;
  /** Shows a user's card. */
  openUser(userId: string): void;
  /**
   * Asks how (duration, reason, their comments, their address) and for confirmation, then bans.
   * Resolves false when the moderator cancelled; rejects with the server's error.
   */
  banUser(userId: string, opts?: { comments?: number }): Promise<boolean>;
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
 * The bans in force, from `mod:bans` at sign-in (and after a reconnect), kept current from
 * `user.banned` (which carries the ban) and `user.unbanned`. A ban whose `until` has passed is
 * over without any event: `has` and `list` compare with the clock.
 */
export class BanList {
  private readonly byUser = new Map<string, BanView>();
  private readonly listeners = new Set<() => void>();

  constructor(private readonly now: () => number = Date.now) {}

  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  has(userId: string | null | undefined): boolean {
    return !!userId && this.get(userId) !== null;
  }

  get(userId: string): BanView | null {
    const ban = this.byUser.get(userId);
    return ban && this.inForce(ban) ? ban : null;
  }

  /** In force, newest first. */
  list(): BanView[] {
    return [...this.byUser.values()].filter((b) => this.inForce(b)).sort((a, b) => b.at.localeCompare(a.at));
  }

  load(bans: BanView[]): void {
    this.byUser.clear();
    for (const b of bans) this.byUser.set(b.userId, b);
    this.changed();
  }

  set(ban: BanView): void {
    this.byUser.set(ban.userId, ban);
    this.changed();
  }

  /** Banned without the details (an event from a server that did not send them). */
  mark(userId: string): void {
    if (this.byUser.has(userId)) return;
    this.set({ userId, until: null, reason: null, by: { id: '', name: '' }, at: new Date(this.now()).toISOString(), address: false });
  }

  delete(userId: string): void {
    if (this.byUser.delete(userId)) this.changed();
  }

  /** Bans that ran out since the last look: tell the views. */
  expire(): void {
    let gone = false;
    for (const [id, b] of this.byUser) {
      if (!this.inForce(b)) {
        this.byUser.delete(id);
        gone = true;
      }
    }
    if (gone) this.changed();
  }

  clear(): void {
    this.byUser.clear();
    this.listeners.clear();
  }

  private inForce(b: BanView): boolean {
    return b.until === null || Date.parse(b.until) > this.now();
  }

  private changed(): void {
    for (const fn of this.listeners) fn();
  }
}

/** Guest ids are minted by the server as `guest-<uuid>` (server/auth.ts). */
export function isGuest(userId: string): boolean {
  return userId.startsWith('guest-');
}
