/**
 * Protocol constants with no dependency at all, so that browser bundles can import them
 * without pulling in zod.
 */

/**
 * The epoch of an article with no stored history. Its first write gives it a random epoch; a
 * client at this epoch and head 0 takes the events of the new epoch, since nothing came before.
 */
export const EMPTY_EPOCH = 'empty';

/** PROTOCOL.md §5: an article id is 1–256 characters from letters, digits and -_.~:/@%+. */
export const ARTICLE_ID_RE = /^[A-Za-z0-9\-_.~:/@%+]{1,256}$/;

/** Root threads per snapshot or page (fewer when the page reaches its size bound). */
export const PAGE_ROOTS = 100;
