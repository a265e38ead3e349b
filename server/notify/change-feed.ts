/**
 * Marks each article that took a public event in the store's change feed (WebhookStore), then
 * wakes the consumers (webhooks, e-mail). Every node runs it for what it commits; the consumers
 * read the feed from the store, so it does not matter which node committed.
 */
import type { Logger } from 'pino';
import type { CommitSubscriber, StoredEvent, WebhookStore } from '../core/ports.js';

export class ChangeFeed implements CommitSubscriber {
  readonly name = 'change-feed';

  constructor(
    private readonly hooks: WebhookStore,
    private readonly logger: Logger,
    private readonly consumers: { wake(): void }[],
  ) {}

  publish(event: StoredEvent): void {
    if (this.consumers.length === 0) return;
    this.hooks.markChanged(event.articleId).then(
      () => {
        for (const c of this.consumers) c.wake();
      },
      (err: unknown) => this.logger.error({ err, articleId: event.articleId }, 'marking a changed article failed'),
    );
  }
}
