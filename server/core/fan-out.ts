/**
 * Committed events to a list of subscribers, each isolated from the others (ports.ts states what
 * a subscriber may rely on).
 */
import type { CommitSubscriber, Notifier } from './ports.js';

/** Calls every subscriber in order; one that throws is reported and the others still run. */
export function fanOut(subscribers: readonly CommitSubscriber[], onError: (subscriber: string, err: unknown) => void): Notifier {
  const call = (fn: () => void, name: string) => {
    try {
      fn();
    } catch (err) {
      onError(name, err);
    }
  };
  return {
    publish(event) {
      for (const s of subscribers) if (s.publish) call(() => s.publish!(event), s.name);
    },
    moderators(event) {
      for (const s of subscribers) if (s.moderators) call(() => s.moderators!(event), s.name);
    },
  };
}
