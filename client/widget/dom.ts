/** DOM helpers for the widget: the shared builder (see client/dom.ts). */
import { nextId as sharedNextId } from '../dom.js';

export { append, button, fill, h, reconcile } from '../dom.js';

/** Ids unique on the page, for label/for and aria references inside a shadow root. */
export const nextId = (prefix = 'lt'): string => sharedNextId(prefix);
