/**
 * Timers that run only while the page is visible: a background tab keeps none of ours (browsers
 * throttle them anyway), and on coming back the work is done once at once, then on schedule.
 */
import { listen, pageHidden } from '../page-events.js';
import type { Timers, TimerHandle } from './timers.js';

/** Runs `fn` every `ms` while the page is visible, and once when it becomes visible again. */
export function everyWhileVisible(timers: Timers, ms: number, fn: () => void): () => void {
  let handle: TimerHandle | null = null;
  const sync = () => {
    if (pageHidden()) {
      timers.cancel(handle);
      handle = null;
    } else if (handle === null) {
      handle = timers.every(ms, fn);
    }
  };
  sync();
  const stop = listen('document', 'visibilitychange', () => {
    const wasStopped = handle === null;
    sync();
    if (wasStopped && handle !== null) fn();
  });
  return () => {
    stop();
    timers.cancel(handle);
    handle = null;
  };
}
