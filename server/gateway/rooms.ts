/**
 * Room names. Readers of an article share one room; moderators reading it also join a second (and
 * are in the first too). The article id is a hash tag (`{…}`) in both names: on Redis Cluster the
 * sharded adapter publishes each room on its own channel, and the tag puts both channels of an
 * article in one slot, so one shard and one connection carry them, in one order.
 */
export const articleRoom = (articleId: string): string => `a:{${articleId}}`;
export const modRoom = (articleId: string): string => `m:{${articleId}}`;
const ARTICLE_ROOM_PREFIX = 'a:{';

/** The article of an article room, or null for any other room. */
export function articleOfRoom(room: string): string | null {
  return room.startsWith(ARTICLE_ROOM_PREFIX) && room.endsWith('}') ? room.slice(ARTICLE_ROOM_PREFIX.length, -1) : null;
}

/** Moderators watching the queue and the live feed (`mod:watch`). */
export const MODERATORS_ROOM = 'mods';

/** Every socket signed in as one user, on any node (their sessions end together on erasure). */
export const userRoom = (userId: string): string => `u:{${userId}}`;
