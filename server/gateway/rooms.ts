/** Room names. Readers of an article share one room; moderators reading it also join a second. */
export const articleRoom = (articleId: string): string => `a:${articleId}`;
export const modRoom = (articleId: string): string => `m:${articleId}`;
export const ROOM_PREFIX = 'a:';
/** Moderators watching the queue and the live feed (`mod:watch`). */
export const MODERATORS_ROOM = 'mods';
