/**
 * The reader's posts on their way. Each shows at once as a stand-in comment ("Sending…", id
 * `pending:<clientId>`) until the server acks it; the SDK sends a timed-out post again with the
 * same clientId, so a retry never doubles it. A post that fails for good gives its text back to
 * the composer it came from, with the reason (a countdown when rate limited).
 */
import { ClientError, newClientId, type DiscussionClient } from '../discussion-client.js';
import type { Comment } from '../../shared/schemas.js';
import type { Composer } from './composer.js';
import { errorText } from './format.js';

const PREFIX = 'pending:';

/** The id of a stand-in, never a server's id. */
export const isStandIn = (id: string): boolean => id.startsWith(PREFIX);
export const clientIdOf = (standInId: string): string => standInId.slice(PREFIX.length);

export interface NewPost {
  /** As typed; sent trimmed. */
  text: string;
  parentId: string | null;
  /** The root of the thread a reply joins; null for a root comment. */
  rootId: string | null;
  author: { id: string; name: string };
}

/** What becomes of a post; called at most once, and never after clear(). */
export interface PostOutcome {
  /** Stored (`saved.status` says whether it awaits approval); the stand-in is gone from standIns(). */
  saved(standInId: string, saved: Comment): void;
  /** Failed for good; its composer has the text back and shows why. */
  failed(standInId: string, err: unknown): void;
}

export class PendingPosts {
  /** Stand-ins by clientId, in the order sent. */
  private readonly posts = new Map<string, Comment>();

  constructor(
    private readonly client: DiscussionClient,
    private readonly articleId: string,
  ) {}

  get size(): number {
    return this.posts.size;
  }

  standIns(): Comment[] {
    return [...this.posts.values()];
  }

  /** Shows a stand-in (from the next render), empties the composer and sends the post. */
  send(post: NewPost, composer: Composer, outcome: PostOutcome): void {
    const body = post.text.trim();
    const clientId = newClientId();
    const id = PREFIX + clientId;
    this.posts.set(clientId, {
      id,
      articleId: this.articleId,
      parentId: post.parentId,
      rootId: post.rootId ?? id,
      author: post.author,
      body,
      status: 'visible',
      createdAt: new Date().toISOString(),
      editedAt: null,
      replyCount: 0,
    });
    composer.value = '';
    composer.setError(null);
    this.client.post({ articleId: this.articleId, body, parentId: post.parentId ?? undefined, clientId }).then(
      (saved) => {
        if (this.posts.delete(clientId)) outcome.saved(id, saved);
      },
      (err: unknown) => {
        if (!this.posts.delete(clientId)) return;
        if (!composer.value.trim()) composer.value = post.text;
        if (err instanceof ClientError && err.code === 'rate_limited') composer.rateLimited(err.retryAfterMs ?? 3000);
        else composer.setError(errorText(err, 'comment', composer.t));
        outcome.failed(id, err);
      },
    );
  }

  /** Forgets every post on its way (the widget is gone): their answers change nothing. */
  clear(): void {
    this.posts.clear();
  }
}
