/**
 * The page's visibility and its events, read through the prototypes: a host page's injected
 * markup can shadow names on `document` and `window` (`<img name="addEventListener">`,
 * `<img name="visibilityState">`), so nothing here goes through such a name. Outside a browser
 * (the SDK in Node) the page is always visible and has no events.
 */

export const inBrowser = typeof window !== 'undefined' && typeof document !== 'undefined';

/** Whether the page is hidden (a background tab, a minimised window, a locked phone). */
export function pageHidden(): boolean {
  if (!inBrowser) return false;
  const get = Object.getOwnPropertyDescriptor(Document.prototype, 'visibilityState')?.get;
  return get?.call(document) === 'hidden';
}

/** Listens to `type` on the document or the window; returns the function that stops it. */
export function listen(target: 'document' | 'window', type: string, fn: () => void): () => void {
  if (!inBrowser) return () => undefined;
  const on: EventTarget = target === 'document' ? document : window;
  EventTarget.prototype.addEventListener.call(on, type, fn);
  return () => EventTarget.prototype.removeEventListener.call(on, type, fn);
}
