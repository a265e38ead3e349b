/**
 * People's data (GDPR articles 15, 17 and 20): everything kept about a user, for them to take
 * away, and erasure, by themselves or by a moderator.
 *
 * Erasure turns each of the user's comments into a tombstone (readers see it go, live, and its
 * replies keep their place), scrubs its text, name and the request it came with, forgets what the
 * store keeps about the user elsewhere (and what other sources keep: subscriptions, e-mail), and
 * refuses tokens issued before it. The audit log records that it happened, and by whom, without
 * any of the personal data.
 */
import type { Comment } from '../../shared/schemas.js';
import { requireModerator, requireUser } from './discussion.js';
import { DomainError } from './errors.js';
import { mutateComment, type MutateDeps } from './mutate.js';
import type { AuditEntry, ModEvent, RateLimiter, StoredComment, User, Viewer } from './ports.js';

/** Who an erased comment says wrote it. */
export const ERASED_AUTHOR = { id: 'erased', name: 'erased' } as const;

/** How many of a user's records each store read takes. */
const BATCH = 200;
/** At most this many of each kind in one export (far beyond anyone's history here). */
const EXPORT_MAX = 1_000_000;

/**
 * Another place that keeps personal data (notification subscriptions, e-mail addresses): it adds
 * its part to a user's export and forgets it on erasure.
 */
export interface PersonalDataSource {
  readonly name: string;
  export(userId: string): Promise<unknown>;
  erase(userId: string): Promise<void>;
}

export interface PeopleDeps extends MutateDeps {
  limiter?: RateLimiter;
  ids: MutateDeps['ids'] & { auditId?(): string };
  sources?: PersonalDataSource[];
  /** Tells the user's open sessions, on every node, that they are over. */
  endSessions?(userId: string): void;
  /** Tells the moderators watching (the activity log and the consoles). */
  toModerators(e: ModEvent): void;
}

/** One section of an export, streamed: its name and its records. */
export interface ExportSection {
  name: string;
  records: AsyncIterable<unknown>;
}

export interface PersonalExport {
  header: { format: 'livethread-personal-data'; version: 1; exportedAt: string; user: { id: string; name: string } };
  sections: ExportSection[];
}

export interface ErasureSummary {
  userId: string;
  comments: number;
}

export class People {
  constructor(private readonly deps: PeopleDeps) {}

  /**
   * Everything stored about the signed-in user: their comments (any status, with the article,
   * text, votes and times), the votes they give, the reports they made, and what other sources
   * keep (subscriptions). Streamed in sections so that a long history is never held in memory.
   */
  async exportMine(viewer: Viewer): Promise<PersonalExport> {
    const user = requireUser(viewer);
    await this.deps.limiter?.consume('export', user.id);
    const { store, clock, sources = [] } = this.deps;
    return {
      header: {
        format: 'livethread-personal-data',
        version: 1,
        exportedAt: clock.now().toISOString(),
        user: { id: user.id, name: user.name },
      },
      sections: [
        { name: 'comments', records: this.comments(user.id) },
        { name: 'votes', records: once(() => store.userVotes(user.id, EXPORT_MAX)) },
        { name: 'reports', records: once(() => store.userReports(user.id, EXPORT_MAX)) },
        ...sources.map((s) => ({ name: s.name, records: once(async () => [await s.export(user.id)]) })),
      ],
    };
  }

  /** The signed-in user erases themselves (`DELETE /api/me`). */
  async eraseMe(viewer: Viewer): Promise<ErasureSummary> {
    const user = requireUser(viewer);
    return this.erase(user.id, user, false);
  }

  /** A moderator erases a user (`POST /api/moderation/erase`). */
  async eraseUser(viewer: Viewer, p: { userId: string }): Promise<ErasureSummary> {
    const mod = requireModerator(viewer);
    if (p.userId === ERASED_AUTHOR.id) throw new DomainError('invalid_input', 'that is not a user');
    return this.erase(p.userId, mod, true);
  }

  private async erase(userId: string, by: User, byModerator: boolean): Promise<ErasureSummary> {
    const { store, clock, sources = [] } = this.deps;
    // Tokens first: from now on nothing signs in as them, so nothing new arrives while the rest goes.
    await store.markErased(userId, clock.now().toISOString());
    let comments = 0;
    // The index is only dropped at the end (forgetUser), so paging through it is stable.
    for (let offset = 0; ; offset += BATCH) {
      const refs = await store.userComments(userId, BATCH, offset);
      for (const ref of refs) if (await this.scrub(ref.articleId, ref.commentId, userId)) comments += 1;
      if (refs.length < BATCH) break;
    }
    for (const source of sources) await source.erase(userId);
    const at = clock.now().toISOString();
    await store.forgetUser(userId);
    this.deps.endSessions?.(userId);
    const entry: AuditEntry = {
      id: this.deps.ids.auditId?.() ?? this.deps.ids.commentId(),
      at,
      moderator: { id: by.id, name: byModerator ? by.name : ERASED_AUTHOR.name },
      action: 'erase',
      articleId: null,
      commentId: null,
      userId,
      reason: byModerator ? 'erased by a moderator' : 'erased at their own request',
    };
    await store.appendAudit(entry);
    this.deps.toModerators({ type: 'user.erased', articleId: null, comment: null, audit: entry });
    return { userId, comments };
  }

  /** One comment of theirs becomes a tombstone with no text, name or request left in it. */
  private async scrub(articleId: string, commentId: string, userId: string): Promise<boolean> {
    try {
      const { changed } = await mutateComment(this.deps, articleId, commentId, (c) => {
        if (c.author.id !== userId) return null;
        const wasVisible = c.status === 'visible';
        return {
          guard: 'status',
          patch: {
            status: c.status === 'removed' ? 'removed' : 'deleted',
            body: '',
            doc: [],
            author: { ...ERASED_AUTHOR },
            pendingEdit: null,
            review: null,
          },
          // Readers see a visible comment go; one they never saw (held) or already lost changes silently.
          eventType: wasVisible ? 'comment.deleted' : null,
          visibleDelta: wasVisible ? -1 : 0,
        };
      });
      if (changed) await this.deps.store.dequeue(articleId, commentId);
      return changed;
    } catch (err) {
      if (err instanceof DomainError && err.code === 'not_found') return false;
      throw err;
    }
  }

  private async *comments(userId: string): AsyncIterable<ReturnType<typeof exportedComment>> {
    const { store } = this.deps;
    for (let offset = 0; offset < EXPORT_MAX; offset += BATCH) {
      const refs = await store.userComments(userId, BATCH, offset);
      const found = await Promise.all(refs.map((r) => store.get(r.articleId, r.commentId)));
      for (const c of found) if (c && c.author.id === userId) yield exportedComment(c);
      if (refs.length < BATCH) return;
    }
  }
}

/** A comment as its author takes it away: their text as written, not the rendered form. */
function exportedComment(c: StoredComment): Pick<Comment, 'id' | 'articleId' | 'parentId' | 'status' | 'createdAt' | 'editedAt'> & {
  body: string;
  pendingEdit: string | null;
} {
  return {
    id: c.id,
    articleId: c.articleId,
    parentId: c.parentId,
    body: c.body,
    status: c.status,
    createdAt: c.createdAt,
    editedAt: c.editedAt,
    pendingEdit: c.pendingEdit?.body ?? null,
  };
}

async function* once<T>(read: () => Promise<T[]>): AsyncIterable<T> {
  yield* await read();
}
