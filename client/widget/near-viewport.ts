/**
 * Lazy mounting: a widget connects only when its element comes near the viewport, so a page read
 * by many who never scroll to the comments costs the server nothing beyond the script.
 */

/** How far ahead of the viewport a widget starts (about a screen or two of scrolling). */
export const NEAR_MARGIN = '1500px 0px';

/**
 * Calls `fn` once, when `el` is within NEAR_MARGIN of the viewport (at once without
 * IntersectionObserver); returns the function that stops waiting.
 */
export function whenNear(el: Element, fn: () => void): () => void {
  if (typeof IntersectionObserver === 'undefined') {
    fn();
    return () => undefined;
  }
  const observer = new IntersectionObserver(
    (entries) => {
      if (!entries.some((e) => e.isIntersecting)) return;
      observer.disconnect();
      fn();
    },
    { rootMargin: NEAR_MARGIN },
  );
  observer.observe(el);
  return () => observer.disconnect();
}
