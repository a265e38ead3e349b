/**
 * A site's own moderation service (`MODERATION_WEBHOOK_URL`), asked about each new or edited
 * comment before it goes public, as Coral's external moderation phases: it receives the comment as
 * JSON and answers `{ "action": "approve" | "hold" | "remove", "reason"?: string }`. A timeout,
 * an error or another answer falls back to the normal rules.
 */
import type { Logger } from 'pino';
import { z } from 'zod';
import type { ExternalCheck, ExternalVerdict } from '../core/ports.js';

const Answer = z.object({ action: z.enum(['approve', 'hold', 'remove']), reason: z.string().max(500).optional() });

export function moderationHook(o: { url: string; timeoutMs: number; logger: Logger }): ExternalCheck {
  return {
    name: 'moderation-hook',
    async review({ kind, comment }): Promise<ExternalVerdict | null> {
      try {
        const res = await fetch(o.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            kind,
            comment: {
              id: comment.id,
              articleId: comment.articleId,
              parentId: comment.parentId,
              body: comment.body,
              author: { id: comment.author.id, name: comment.author.name, guest: comment.author.guest === true },
              createdAt: comment.createdAt,
            },
          }),
          signal: AbortSignal.timeout(o.timeoutMs),
        });
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        // A bounded read: the answer is a few bytes, a service that sends megabytes is wrong.
        const text = await res.text();
        if (text.length > 4096) throw new Error('answer too long');
        const answer = Answer.safeParse(JSON.parse(text));
        if (!answer.success) throw new Error('answer not understood');
        return { action: answer.data.action, reason: answer.data.reason ?? null };
      } catch (err) {
        o.logger.warn({ err: (err as Error).message }, 'the moderation webhook did not answer; the normal rules apply');
        return null;
      }
    },
  };
}
