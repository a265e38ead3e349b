/**
 * Each benchmark post carries its step and its scheduled send time inside the comment body, so a
 * reader in any process can compute `receive time − scheduled time` without parsing the JSON.
 *
 * Times are `performance.timeOrigin + performance.now()`: wall-clock based, sub-millisecond, and
 * comparable across the processes of one machine.
 */

export const now = (): number => performance.timeOrigin + performance.now();

const OPEN = '~b';
const DOT = 0x2e;
const CLOSE = 0x7e; // '~'
const PAD = 'The quick brown fox jumps over the lazy dog while the comment thread keeps scrolling. ';

/** A comment body of exactly `bytes` ASCII characters that starts with the marker. */
export function markedBody(step: number, index: number, scheduledMs: number, bytes: number): string {
  const head = `${OPEN}${step}.${index}.${Math.round(scheduledMs * 1000)}~ `;
  let body = head;
  while (body.length < bytes) body += PAD;
  return body.slice(0, Math.max(bytes, head.length));
}

/** The marker found by readMarker; reused so that reading allocates nothing. */
export interface Marker {
  step: number;
  index: number;
  scheduledMs: number;
}

/** Finds the marker in the first `len` bytes of a frame; false when there is none (presence, acks, …). */
export function readMarker(buf: Buffer, len: number, out: Marker): boolean {
  let p = buf.indexOf(OPEN);
  // Bytes past `len` are left over from an earlier frame.
  if (p < 0 || p + 2 >= len) return false;
  p += 2;
  const fields = FIELDS;
  for (let f = 0; f < 3; f++) {
    let n = 0;
    let digits = 0;
    for (;;) {
      if (p >= len) return false;
      const c = buf[p]!;
      if (c >= 0x30 && c <= 0x39) {
        n = n * 10 + (c - 0x30);
        digits++;
        p++;
        continue;
      }
      // A body could contain "~b" by chance: require the digits.digits.digits~ shape.
      if (digits === 0 || (f < 2 ? c !== DOT : c !== CLOSE)) return false;
      p++;
      break;
    }
    fields[f] = n;
  }
  out.step = fields[0]!;
  out.index = fields[1]!;
  out.scheduledMs = fields[2]! / 1000;
  return true;
}

const FIELDS = [0, 0, 0];

/** A `thread:event` payload of the same shape the service emits, for the baselines. */
export function baselineEvent(articleId: string, seq: number, body: string): object {
  const at = new Date().toISOString();
  return {
    articleId,
    epoch: 'bench001',
    seq,
    type: 'comment.created',
    comment: {
      id: `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`,
      articleId,
      parentId: null,
      author: { id: 'bench-commenter', name: 'Bench Commenter' },
      body,
      status: 'visible',
      createdAt: at,
      editedAt: null,
      replyCount: 0,
    },
    at,
  };
}
