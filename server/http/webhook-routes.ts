/**
 * The moderators' webhook routes: the endpoints' health and the delivery log, a replay, a test.
 */
import type { Router } from 'express';
import { z } from 'zod';
import { requireModerator } from '../core/discussion.js';
import { DomainError } from '../core/errors.js';
import type { Webhooks } from '../notify/webhooks.js';
import { parse, wrap } from './routes.js';

/** How far back a replay may reach: the event log keeps no more anyway. */
const REPLAY_MAX_DAYS = 90;

const ReplayBody = z.object({
  since: z.iso.datetime({ offset: true, message: 'expected an ISO 8601 time, such as 2026-12-01T06:00:00Z' }),
});

export function webhookRoutes(webhooks: Webhooks, now: () => Date = () => new Date()) {
  return (r: Router): void => {
    r.get(
      '/moderation/webhooks',
      wrap(async (req, res) => {
        requireModerator(req.viewer ?? null);
        res.json(await webhooks.status());
      }),
    );
    r.post(
      '/moderation/webhooks/replay',
      wrap(async (req, res) => {
        requireModerator(req.viewer ?? null);
        const { since } = parse(ReplayBody, req.body ?? {});
        const t = Date.parse(since);
        const current = now().getTime();
        if (!Number.isFinite(t) || t > current) throw new DomainError('invalid_input', 'since must be a time in the past');
        if (current - t > REPLAY_MAX_DAYS * 86_400_000) {
          throw new DomainError('invalid_input', `since may reach back at most ${REPLAY_MAX_DAYS} days`);
        }
        await webhooks.replay(new Date(t).toISOString());
        res.status(202).json({ since: new Date(t).toISOString(), endpoints: webhooks.endpoints.length });
      }),
    );
    r.post(
      '/moderation/webhooks/test',
      wrap(async (req, res) => {
        requireModerator(req.viewer ?? null);
        res.json({ results: await webhooks.test() });
      }),
    );
  };
}
