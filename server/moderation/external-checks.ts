/** The outside checks the configuration asks for, in order: Akismet, then the site's moderation hook. */
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { ExternalCheck } from '../core/ports.js';
import { akismet } from './akismet.js';
import { moderationHook } from './moderation-hook.js';

export function externalChecks(config: Config, logger: Logger): ExternalCheck[] {
  const checks: ExternalCheck[] = [];
  if (config.AKISMET_KEY && config.AKISMET_SITE) {
    const base = config.PUBLIC_URL;
    checks.push(
      akismet({
        key: config.AKISMET_KEY,
        site: config.AKISMET_SITE,
        baseUrl: config.AKISMET_URL,
        timeoutMs: config.AKISMET_TIMEOUT_MS,
        logger,
        permalink: base
          ? (articleId, commentId) => `${base.replace(/\/$/, '')}/api/articles/${encodeURIComponent(articleId)}/comments/${commentId}`
          : undefined,
      }),
    );
  }
  if (config.MODERATION_WEBHOOK_URL) {
    checks.push(moderationHook({ url: config.MODERATION_WEBHOOK_URL, timeoutMs: config.MODERATION_WEBHOOK_TIMEOUT_MS, logger }));
  }
  return checks;
}
