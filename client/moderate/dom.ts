/** DOM helpers for the moderator console: the shared builder plus focus handling. */
import { nextId as sharedNextId } from '../dom.js';

export { append, button, fill, h, reconcile, setAttrs, type Attrs, type Child } from '../dom.js';

/** An id unique on the page, for label/for and aria references. */
export const nextId = (prefix = 'lm'): string => sharedNextId(prefix);

/**
 * Removes `el`; when the focus was inside it, moves the focus to `fallback` (the next item's
 * first control, or a heading) so that keyboard users do not land on <body>.
 */
export function removeKeepingFocus(el: Element, fallback: () => HTMLElement | null): void {
  const hadFocus = el.contains(document.activeElement);
  const target = hadFocus ? fallback() : null;
  el.remove();
  if (target) target.focus();
}

/** The first enabled, visible button inside `root`. */
export function firstButton(root: Element | null | undefined): HTMLButtonElement | null {
  if (!root) return null;
  for (const b of root.querySelectorAll<HTMLButtonElement>('button')) {
    if (!b.disabled && !b.hidden && !b.closest('[hidden]')) return b;
  }
  return null;
}
