/**
 * Notices when a page comes back from a sleep, so that the SDK checks its connection and catches
 * up at once instead of waiting for the heartbeat to time out (up to 45 s with socket.io's
 * defaults) or for the next reconnection delay.
 *
 * Three signals, whichever comes first: the browser is `online` again; the page becomes visible
 * after being hidden for a while (a background tab, a locked phone); a timer that fires far later
 * than it should (the device was suspended: timers do not run while it sleeps). The timer only
 * runs while the page is visible, so a hidden tab keeps no timer of ours.
 */
import { inBrowser, listen, pageHidden } from './page-events.js';

export type WakeReason = 'online' | 'visible' | 'resumed';

export interface WakeOptions {
  /** How long the page must have been hidden for its return to count (a quick tab switch does not). */
  hiddenMs: number;
  /** How often the sleep detector ticks while the page is visible. */
  tickMs: number;
  /** How late a tick must be to mean the device slept. */
  lateMs: number;
}

export const DEFAULT_WAKE: WakeOptions = { hiddenMs: 5000, tickMs: 5000, lateMs: 10_000 };

/** Calls `onWake` on each sign of a wake-up; returns the function that stops watching. */
export function watchWake(onWake: (reason: WakeReason) => void, opts: WakeOptions = DEFAULT_WAKE): () => void {
  if (!inBrowser) return () => undefined;
  let hiddenAt = pageHidden() ? Date.now() : null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  const tick = (expected: number) => {
    timer = null;
    const late = Date.now() - expected;
    schedule();
    if (late > opts.lateMs) onWake('resumed');
  };
  // A chain of timeouts rather than an interval: each knows when it was due.
  const schedule = () => {
    const due = Date.now() + opts.tickMs;
    timer = setTimeout(() => tick(due), opts.tickMs);
  };
  const stopTicking = () => {
    if (timer) clearTimeout(timer);
    timer = null;
  };
  const onVisibility = () => {
    if (pageHidden()) {
      hiddenAt ??= Date.now();
      stopTicking();
      return;
    }
    const away = hiddenAt === null ? 0 : Date.now() - hiddenAt;
    hiddenAt = null;
    if (!timer) schedule();
    if (away >= opts.hiddenMs) onWake('visible');
  };
  const stops = [listen('window', 'online', () => onWake('online')), listen('document', 'visibilitychange', onVisibility)];
  if (hiddenAt === null) schedule();
  return () => {
    stopTicking();
    for (const stop of stops) stop();
  };
}
