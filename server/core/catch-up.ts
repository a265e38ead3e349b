/**
 * How a catch-up answer is cut to its bounds. Pure, so that every store answers the same way
 * (the Redis store runs the same steps in Lua: store/lua/events-since.lua).
 */
import type { EventType } from '../../shared/schemas.js';

/** One entry of an article's event log: a reference, never a copy of the comment. */
export interface LogRef {
  seq: number;
  type: EventType;
  commentId: string | null;
  at: string;
}

/** What an event costs in an answer besides its comment (ids, type, time, JSON punctuation). */
export const EVENT_OVERHEAD_BYTES = 120;

/**
 * Walks `entries` (oldest first) and stops before the entry that would take the answer past
 * `maxBytes` (never before the first). Every distinct comment is counted once: in the answer,
 * only the last event of each comment carries it, the earlier ones carry null (the reader applies
 * the last one, which has the comment as it is now). An edit storm therefore costs one copy of the
 * comment, not one per edit.
 */
export function planCatchUp(
  entries: readonly LogRef[],
  sizeOf: (commentId: string) => number,
  maxBytes: number,
): { count: number; carries: boolean[] } {
  const seen = new Set<string>();
  let bytes = 0;
  let count = entries.length;
  for (let i = 0; i < entries.length; i++) {
    const id = entries[i]!.commentId;
    bytes += EVENT_OVERHEAD_BYTES;
    if (id !== null && !seen.has(id)) {
      seen.add(id);
      bytes += sizeOf(id);
    }
    if (bytes > maxBytes && i > 0) {
      count = i;
      break;
    }
  }
  const last = new Map<string, number>();
  for (let i = 0; i < count; i++) {
    const id = entries[i]!.commentId;
    if (id !== null) last.set(id, i);
  }
  const carries = Array.from({ length: count }, (_, i) => {
    const id = entries[i]!.commentId;
    return id !== null && last.get(id) === i;
  });
  return { count, carries };
}
