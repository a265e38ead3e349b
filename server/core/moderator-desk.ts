/**
 * What a moderator looks up: the recent past (the activity feed a console starts from and catches
 * up with), the articles list, search, and a user's card. Reads only; the actions are in
 * discussion.ts.
 */
import type { ActivityView, UserCard } from '../../shared/moderation.js';
import type { Comment } from '../../shared/schemas.js';
import { banView, requireModerator } from './discussion.js';
import type { ArticleSummary, CommentStore, StoredComment, Viewer } from './ports.js';
import { modView } from './thread.js';

/** Activity entries a console gets at sign-in, and per catch-up answer. */
export const ACTIVITY_PAGE = 200;
/** Comments search looks through: the newest this many written. */
const SEARCH_SCOPE = 10_000;
const SEARCH_RESULTS = 50;
const ARTICLES_PAGE = 100;
const USER_COMMENTS = 100;

export interface DeskDeps {
  store: CommentStore;
  /** Readers on each article now, across nodes (presence); absent: not shown. */
  readersOf?: (articleIds: string[]) => Promise<Record<string, number>>;
  now: () => string;
}

export class ModeratorDesk {
  constructor(private readonly deps: DeskDeps) {}

  /** Activity after `since` (a console catching up), or the newest entries (a console starting). */
  async activity(viewer: Viewer, since: number | null): Promise<ActivityView[]> {
    requireModerator(viewer);
    const entries = await this.deps.store.activity(since, ACTIVITY_PAGE);
    const comments = await this.comments(
      entries.map((e) => (e.articleId && e.commentId ? { articleId: e.articleId, commentId: e.commentId } : null)),
    );
    return entries.map((e, i) => ({
      seq: e.seq,
      at: e.at,
      type: e.type,
      articleId: e.articleId,
      userId: e.userId,
      comment: comments[i] ?? null,
    }));
  }

  /** The most recently active articles with their queue, closed state and readers now. */
  async articles(viewer: Viewer): Promise<{ articles: (ArticleSummary & { readers: number | null })[] }> {
    requireModerator(viewer);
    const list = await this.deps.store.recentArticles(ARTICLES_PAGE);
    const readers = (await this.deps.readersOf?.(list.map((a) => a.articleId)).catch(() => null)) ?? null;
    return { articles: list.map((a) => ({ ...a, readers: readers ? (readers[a.articleId] ?? 0) : null })) };
  }

  /**
   * Searches the newest 10,000 comments across articles by text (case-insensitive, in body or
   * name) and by author id; newest first, at most 50.
   */
  async search(viewer: Viewer, q: { text?: string; author?: string }): Promise<{ comments: Comment[] }> {
    requireModerator(viewer);
    const text = q.text?.toLocaleLowerCase();
    const found: Comment[] = [];
    const seen = new Set<string>();
    let before: number | undefined;
    for (let scanned = 0; scanned < SEARCH_SCOPE && found.length < SEARCH_RESULTS;) {
      const entries = await this.deps.store.activity(null, ACTIVITY_PAGE, before);
      if (entries.length === 0) break;
      before = entries[0]!.seq;
      const refs = entries
        .reverse()
        .filter((e) => e.commentId && e.articleId && !seen.has(`${e.articleId}\n${e.commentId}`) && (!q.author || e.userId === q.author));
      scanned += entries.length;
      for (const r of refs) seen.add(`${r.articleId}\n${r.commentId}`);
      const comments = await this.comments(refs.map((r) => ({ articleId: r.articleId!, commentId: r.commentId! })));
      for (const c of comments) {
        if (!c || found.length >= SEARCH_RESULTS) continue;
        if (text && !`${c.body ?? ''}\n${c.author?.name ?? ''}`.toLocaleLowerCase().includes(text)) continue;
        found.push(c);
      }
    }
    return { comments: found };
  }

  /** A user's card: their comments across articles with status, reports against them, ban, hold and notes. */
  async user(viewer: Viewer, p: { userId: string }): Promise<UserCard> {
    requireModerator(viewer);
    const { store } = this.deps;
    const [refs, ban, hold, notes] = await Promise.all([
      store.userComments(p.userId, 100_000),
      store.activeBan(p.userId, null, this.deps.now()),
      store.hold(p.userId),
      store.notes(p.userId, 100),
    ]);
    const newest = refs.slice(-USER_COMMENTS).reverse();
    const stored = await this.stored(newest);
    const comments = stored.filter((c): c is StoredComment => c !== null);
    const reports = await Promise.all(comments.map((c) => store.reports(c.articleId, c.id)));
    return {
      userId: p.userId,
      name: comments[0]?.author.name ?? null,
      total: refs.length,
      comments: comments.map(modView),
      reports: comments.flatMap((c, i) => (reports[i]!.length ? [{ articleId: c.articleId, commentId: c.id, reports: reports[i]! }] : [])),
      ban: ban ? banView(ban) : null,
      hold,
      notes,
    };
  }

  private async comments(refs: ({ articleId: string; commentId: string } | null)[]): Promise<(Comment | null)[]> {
    return (await this.stored(refs)).map((c) => (c ? modView(c) : null));
  }

  private stored(refs: ({ articleId: string; commentId: string } | null)[]): Promise<(StoredComment | null)[]> {
    return Promise.all(refs.map((r) => (r ? this.deps.store.get(r.articleId, r.commentId) : Promise.resolve(null))));
  }
}
