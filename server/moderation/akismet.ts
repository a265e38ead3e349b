/**
 * Akismet (https://akismet.com/developers/): `comment-check` before a comment goes public, and
 * `submit-spam` / `submit-ham` when a moderator says otherwise. A check that fails or takes longer
 * than the timeout has no opinion: posting never waits longer than that. `AKISMET_URL` points it
 * elsewhere (the tests run a local server that answers as Akismet documents).
 */
import type { Logger } from 'pino';
import type { ExternalCheck, ExternalVerdict, RequestContext, ReviewDraft, StoredComment } from '../core/ports.js';

export interface AkismetOptions {
  key: string;
  /** The site URL Akismet knows (`blog`). */
  site: string;
  baseUrl: string;
  timeoutMs: number;
  logger: Logger;
  /** The permalink of a comment, when links can be made (PUBLIC_URL). */
  permalink?: (articleId: string, commentId: string) => string | null;
}

export function akismet(o: AkismetOptions): ExternalCheck {
  const post = async (method: 'comment-check' | 'submit-spam' | 'submit-ham', fields: Record<string, string>): Promise<string | null> => {
    try {
      const res = await fetch(new URL(`/1.1/${method}`, o.baseUrl), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'livethread/1 | akismet' },
        body: new URLSearchParams({ api_key: o.key, blog: o.site, ...fields }),
        signal: AbortSignal.timeout(o.timeoutMs),
      });
      const text = (await res.text()).trim();
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      return text;
    } catch (err) {
      o.logger.warn({ err: (err as Error).message, method }, 'akismet did not answer; the comment is treated as not spam');
      return null;
    }
  };
  const fields = (
    c: Pick<ReviewDraft, 'id' | 'articleId' | 'body' | 'author' | 'createdAt'>,
    ctx: { ip: string | null; userAgent: string | null; referrer: string | null },
  ) => ({
    user_ip: ctx.ip ?? '',
    user_agent: ctx.userAgent ?? '',
    referrer: ctx.referrer ?? '',
    permalink: o.permalink?.(c.articleId, c.id) ?? '',
    comment_type: 'comment',
    comment_author: c.author.name,
    comment_content: c.body,
    comment_date_gmt: c.createdAt,
    blog_charset: 'UTF-8',
  });
  return {
    name: 'akismet',
    async review({ comment, context }): Promise<ExternalVerdict | null> {
      const answer = await post('comment-check', fields(comment, ctxOf(context)));
      // "true": spam; "false": ham (no opinion here: the other rules still apply); anything else: an error.
      return answer === 'true' ? { action: 'hold', reason: 'Akismet: spam' } : null;
    },
    async correct({ comment, spam }: { comment: StoredComment; spam: boolean }): Promise<void> {
      const r = comment.review;
      await post(
        spam ? 'submit-spam' : 'submit-ham',
        fields(comment, { ip: r?.ip ?? null, userAgent: r?.userAgent ?? null, referrer: r?.referrer ?? null }),
      );
    },
  };
}

function ctxOf(c: RequestContext | null) {
  return { ip: c?.address ?? null, userAgent: c?.userAgent ?? null, referrer: c?.referrer ?? null };
}
