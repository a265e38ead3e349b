import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ClientError, DiscussionClient, type ChangeReason, type ThreadState } from '../../client/discussion-client.js';
import type { Ack } from '../../shared/events.js';
import type { CatchUp, Comment, Snapshot, ThreadEvent } from '../../shared/schemas.js';
import { FakeSocket, NO_ANSWER } from './support/fake-socket.js';

const A = 'news/a-story';
const E1 = 'epoch-1';
const GAP_MS = 250;
const JITTER_MS = 100;
const ACK_MS = 1000;

const comment = (id: string, body = `text of ${id}`, over: Partial<Comment> = {}): Comment => ({
  id,
  articleId: A,
  parentId: null,
  rootId: id,
  author: { id: 'u1', name: 'Ann' },
  body,
  status: 'visible',
  createdAt: '2026-03-01T12:00:00.000Z',
  editedAt: null,
  replyCount: 0,
  ...over,
});
/** comment.created of `c<seq>`, unless told otherwise. */
const event = (seq: number, over: Partial<ThreadEvent> = {}): ThreadEvent => ({
  articleId: A,
  epoch: E1,
  seq,
  type: 'comment.created',
  comment: comment(`c${seq}`),
  at: '2026-03-01T12:00:00.000Z',
  ...over,
});
const snapshot = (head: number, over: Partial<Snapshot> = {}): Ack<Snapshot> => ({
  ok: true,
  articleId: A,
  epoch: E1,
  head,
  cursor: null,
  closed: false,
  comments: Array.from({ length: head }, (_, i) => comment(`c${i + 1}`)),
  ...over,
});
const catchUp = (events: ThreadEvent[], over: Partial<CatchUp> = {}): Ack<CatchUp> => ({
  ok: true,
  articleId: A,
  epoch: E1,
  head: events.at(-1)?.seq ?? 0,
  events,
  ...over,
});
const refused = (code: 'rate_limited' | 'invalid_input', retryAfterMs?: number): Ack => ({
  ok: false,
  error: { code, message: code, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) },
});

/** Lets every pending promise callback run (timers are fake; setImmediate is not). */
const settle = () => new Promise<void>((r) => setImmediate(r));

function setup(opts: { onSessionExpired?: () => void; postRetries?: number; wakeCheckMs?: number } = {}) {
  const socket = new FakeSocket();
  const client = new DiscussionClient({
    socket: socket.asClientSocket(),
    gapWaitMs: GAP_MS,
    resyncJitterMs: JITTER_MS,
    ackTimeoutMs: ACK_MS,
    ...opts,
  });
  const applied: number[] = [];
  const changes: ChangeReason[] = [];
  const listener = {
    onEvent: (e: ThreadEvent) => applied.push(e.seq),
    onChange: (_t: ThreadState, reason: ChangeReason) => changes.push(reason),
  };
  const joins = () => socket.sent('thread:join');
  return { socket, client, applied, changes, listener, joins };
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('DiscussionClient ordering', () => {
  it('joins with a snapshot and applies live events in seq order', async () => {
    const { socket, client, applied, listener } = setup();
    socket.answer('thread:join', () => snapshot(2));
    const state = await client.join(A, listener);
    expect(state).toMatchObject({ epoch: E1, head: 2 });
    socket.push('thread:event', event(3));
    socket.push('thread:event', event(4, { type: 'comment.edited', comment: comment('c1', 'edited') }));
    expect(applied).toEqual([3, 4]);
    expect(client.thread(A)).toMatchObject({ head: 4 });
    expect(client.thread(A)!.comments.get('c1')?.body).toBe('edited');
    expect(client.thread(A)!.comments.has('c3')).toBe(true);
  });

  it('ignores an event it already applied, and events older than its head', async () => {
    const { socket, client, applied, listener, joins } = setup();
    socket.answer('thread:join', () => snapshot(2));
    await client.join(A, listener);
    socket.push('thread:event', event(3));
    socket.push('thread:event', event(3, { comment: comment('c3', 'a stale copy') }));
    socket.push('thread:event', event(2, { comment: comment('c2', 'older still') }));
    await vi.advanceTimersByTimeAsync(GAP_MS * 4);
    expect(applied).toEqual([3]);
    expect(client.thread(A)!.comments.get('c3')?.body).toBe('text of c3');
    expect(client.thread(A)!.comments.get('c2')?.body).toBe('text of c2');
    expect(joins()).toHaveLength(1);
  });

  it('holds an event that comes ahead of its turn and applies both in order when the late one arrives', async () => {
    const { socket, client, applied, listener, joins } = setup();
    socket.answer('thread:join', () => snapshot(2));
    await client.join(A, listener);
    socket.push('thread:event', event(4));
    expect(applied).toEqual([]);
    expect(client.thread(A)!.head).toBe(2);
    await vi.advanceTimersByTimeAsync(GAP_MS - 50);
    socket.push('thread:event', event(3));
    expect(applied).toEqual([3, 4]);
    await vi.advanceTimersByTimeAsync(GAP_MS * 4);
    expect(joins()).toHaveLength(1);
  });

  it('when the gap does not fill within gapWaitMs, re-joins with since and applies what it missed once', async () => {
    const { socket, client, applied, listener, joins } = setup();
    socket.answerInTurn(
      'thread:join',
      () => snapshot(2),
      () => catchUp([event(3), event(4)]),
    );
    await client.join(A, listener);
    socket.push('thread:event', event(4));
    await vi.advanceTimersByTimeAsync(GAP_MS - 1);
    expect(joins()).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    await settle();
    expect(joins()[1]).toEqual({ articleId: A, since: 2, epoch: E1, scores: 0, sort: 'newest' });
    expect(applied).toEqual([3, 4]);
    expect(client.thread(A)!.head).toBe(4);
  });

  it('events that arrive while a join is on its way are applied after it, in order', async () => {
    const { socket, client, applied, listener } = setup();
    let release!: () => void;
    socket.answer('thread:join', () => new Promise((r) => (release = () => r(snapshot(2)))));
    const joined = client.join(A, listener);
    await settle();
    socket.push('thread:event', event(4));
    socket.push('thread:event', event(3));
    socket.push('thread:event', event(2));
    release();
    await joined;
    expect(applied).toEqual([3, 4]);
  });

  it('re-joins with since after thread:resync, within the jitter', async () => {
    const { socket, client, applied, listener, joins } = setup();
    socket.answerInTurn(
      'thread:join',
      () => snapshot(2),
      () => catchUp([event(3)]),
    );
    await client.join(A, listener);
    socket.push('thread:resync', { articleId: A });
    await vi.advanceTimersByTimeAsync(JITTER_MS);
    await settle();
    expect(joins()).toEqual([
      { articleId: A, sort: 'newest' },
      { articleId: A, since: 2, epoch: E1, scores: 0, sort: 'newest' },
    ]);
    expect(applied).toEqual([3]);
  });

  it('an event of a new epoch makes it drop what it holds and load a fresh snapshot', async () => {
    const { socket, client, changes, listener, joins } = setup();
    socket.answerInTurn(
      'thread:join',
      () => snapshot(3),
      () => snapshot(1, { epoch: 'epoch-2', comments: [comment('n1', 'new history')] }),
    );
    await client.join(A, listener);
    socket.push('thread:event', event(1, { epoch: 'epoch-2', comment: comment('n1', 'new history') }));
    await settle();
    expect(joins()[1]).toEqual({ articleId: A, sort: 'newest' });
    const state = client.thread(A)!;
    expect(state).toMatchObject({ epoch: 'epoch-2', head: 1 });
    expect([...state.comments.keys()]).toEqual(['n1']);
    expect(changes).toEqual(['snapshot', 'snapshot']);
  });

  it('a catch-up answered with a reset snapshot replaces the thread', async () => {
    const { socket, client, changes, listener } = setup();
    socket.answerInTurn(
      'thread:join',
      () => snapshot(3),
      () => ({ ...snapshot(9, { comments: [comment('c9')] }), reset: true }),
    );
    await client.join(A, listener);
    socket.push('thread:resync', { articleId: A });
    await vi.advanceTimersByTimeAsync(JITTER_MS);
    await settle();
    expect(client.thread(A)).toMatchObject({ head: 9 });
    expect([...client.thread(A)!.comments.keys()]).toEqual(['c9']);
    expect(changes).toEqual(['snapshot', 'reset']);
  });

  it('an article it saw empty takes the first events of its new epoch without reloading', async () => {
    const { socket, client, applied, listener, joins } = setup();
    socket.answer('thread:join', () => snapshot(0, { epoch: 'empty' }));
    await client.join(A, listener);
    socket.push('thread:event', event(1));
    expect(applied).toEqual([1]);
    expect(client.thread(A)!.epoch).toBe(E1);
    await vi.advanceTimersByTimeAsync(GAP_MS * 4);
    expect(joins()).toHaveLength(1);
  });

  it('catches up when presence says the thread is ahead and no event fills the gap', async () => {
    const { socket, client, applied, listener, joins } = setup();
    socket.answerInTurn(
      'thread:join',
      () => snapshot(2),
      () => catchUp([event(3), event(4)]),
    );
    await client.join(A, listener);
    socket.push('thread:presence', { articleId: A, readers: 3, typing: 0, epoch: E1, head: 4 });
    await vi.advanceTimersByTimeAsync(GAP_MS);
    await settle();
    expect(joins()[1]).toEqual({ articleId: A, since: 2, epoch: E1, scores: 0, sort: 'newest' });
    expect(applied).toEqual([3, 4]);
  });

  it('does not catch up when the events presence announced arrive in time', async () => {
    const { socket, client, applied, listener, joins } = setup();
    socket.answer('thread:join', () => snapshot(2));
    await client.join(A, listener);
    socket.push('thread:presence', { articleId: A, readers: 3, typing: 0, epoch: E1, head: 3 });
    socket.push('thread:event', event(3));
    await vi.advanceTimersByTimeAsync(GAP_MS * 4);
    expect(applied).toEqual([3]);
    expect(joins()).toHaveLength(1);
  });

  it('reloads when presence reports another epoch', async () => {
    const { socket, client, joins } = setup();
    socket.answerInTurn(
      'thread:join',
      () => snapshot(2),
      () => snapshot(0, { epoch: 'epoch-2' }),
    );
    await client.join(A);
    socket.push('thread:presence', { articleId: A, readers: 1, typing: 0, epoch: 'epoch-2', head: 0 });
    await settle();
    expect(joins()[1]).toEqual({ articleId: A, sort: 'newest' });
    expect(client.thread(A)!.epoch).toBe('epoch-2');
  });

  it('continues a catch-up answered with more from its last event', async () => {
    const { socket, client, applied, listener, joins } = setup();
    socket.answerInTurn(
      'thread:join',
      () => snapshot(2),
      () => catchUp([event(3), event(4)], { head: 5, more: true }),
      () => catchUp([event(5)]),
    );
    await client.join(A, listener);
    socket.push('thread:resync', { articleId: A });
    await vi.advanceTimersByTimeAsync(JITTER_MS);
    await settle();
    expect(joins().slice(1)).toEqual([
      { articleId: A, since: 2, epoch: E1, scores: 0, sort: 'newest' },
      { articleId: A, since: 4, epoch: E1, scores: 0, sort: 'newest' },
    ]);
    expect(applied).toEqual([3, 4, 5]);
  });

  it('a re-join told rate_limited comes back after retryAfterMs', async () => {
    const { socket, client, applied, listener, joins } = setup();
    socket.answerInTurn(
      'thread:join',
      () => snapshot(2),
      () => refused('rate_limited', 2000),
      () => catchUp([event(3)]),
    );
    await client.join(A, listener);
    socket.push('thread:resync', { articleId: A });
    // The re-join waits a random part of the jitter: step until it has gone out and been refused.
    for (let t = 0; joins().length < 2 && t < JITTER_MS; t += 5) await vi.advanceTimersByTimeAsync(5);
    await settle();
    expect(joins()).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1990);
    expect(joins()).toHaveLength(2);
    // retryAfterMs plus up to 200 ms of jitter.
    await vi.advanceTimersByTimeAsync(250);
    await settle();
    expect(joins()).toHaveLength(3);
    expect(joins()[2]).toEqual({ articleId: A, since: 2, epoch: E1, scores: 0, sort: 'newest' });
    expect(applied).toEqual([3]);
  });

  it('re-joins every thread from its head after a reconnect', async () => {
    const { socket, client, joins } = setup();
    socket.answerInTurn(
      'thread:join',
      () => snapshot(2),
      () => catchUp([]),
    );
    await client.join(A);
    socket.disconnect();
    socket.connect();
    await settle();
    expect(joins()).toEqual([
      { articleId: A, sort: 'newest' },
      { articleId: A, since: 2, epoch: E1, scores: 0, sort: 'newest' },
    ]);
  });
});

describe('DiscussionClient requests', () => {
  it('a post that times out is sent again with the same clientId and resolves with the one comment', async () => {
    const { socket, client } = setup();
    socket.answer('thread:join', () => snapshot(0));
    await client.join(A);
    socket.answerInTurn(
      'comment:post',
      () => NO_ANSWER,
      (p) => ({ ok: true, comment: comment('c1', String(p.body)) }),
    );
    const posted = client.post({ articleId: A, body: 'hello' });
    await vi.advanceTimersByTimeAsync(ACK_MS);
    await expect(posted).resolves.toMatchObject({ id: 'c1', body: 'hello' });
    const sent = socket.sent('comment:post');
    expect(sent).toHaveLength(2);
    expect(sent[0]!.clientId).toEqual(expect.any(String));
    expect(sent[1]!.clientId).toBe(sent[0]!.clientId);
    expect(client.thread(A)!.comments.get('c1')?.body).toBe('hello');
  });

  it('gives up on a post after postRetries timeouts, with a timeout error', async () => {
    const { socket, client } = setup({ postRetries: 2 });
    socket.answer('comment:post', () => NO_ANSWER);
    const posted = client.post({ articleId: A, body: 'hello', clientId: 'mine' });
    const failed = expect(posted).rejects.toMatchObject({ code: 'timeout' });
    await vi.advanceTimersByTimeAsync(ACK_MS * 3);
    await failed;
    expect(socket.sent('comment:post').map((p) => p.clientId)).toEqual(['mine', 'mine', 'mine']);
  });

  it('does not retry a post the server refused', async () => {
    const { socket, client } = setup();
    socket.answer('comment:post', () => refused('invalid_input'));
    await expect(client.post({ articleId: A, body: 'hello' })).rejects.toBeInstanceOf(ClientError);
    expect(socket.sent('comment:post')).toHaveLength(1);
  });

  it('calls onSessionExpired when the server says the session expired', async () => {
    const onSessionExpired = vi.fn();
    const { socket } = setup({ onSessionExpired });
    socket.push('session:expired', { reason: 'expired' });
    expect(onSessionExpired).toHaveBeenCalledTimes(1);
  });

  it('loadReplies merges earlier replies, follows replyCursors until none, and keeps newer copies', async () => {
    const { socket, client, changes, listener } = setup();
    const root = comment('r', 'root', { replyCount: 4 });
    const reply = (id: string, body = `reply ${id}`) => comment(id, body, { parentId: 'r', rootId: 'r' });
    socket.answer('thread:join', () => snapshot(5, { comments: [root, reply('x4'), reply('x5')], replyCursors: { r: '40' } }));
    await client.join(A, listener);
    socket.push('thread:event', event(6, { type: 'comment.edited', comment: reply('x3', 'edited live') }));
    socket.answer('thread:replies', (p) =>
      p.cursor === '40'
        ? { ok: true, comments: [reply('x2'), reply('x3', 'an older copy')], cursor: '20' }
        : { ok: true, comments: [reply('x1')], cursor: null },
    );
    expect(await client.loadReplies(A, 'r')).toBe(true);
    expect(client.thread(A)!.replyCursors.get('r')).toBe('20');
    expect(await client.loadReplies(A, 'r')).toBe(true);
    expect(socket.sent('thread:replies')).toEqual([
      { articleId: A, rootId: 'r', cursor: '40' },
      { articleId: A, rootId: 'r', cursor: '20' },
    ]);
    const state = client.thread(A)!;
    expect(state.replyCursors.has('r')).toBe(false);
    expect([...state.comments.keys()].sort()).toEqual(['r', 'x1', 'x2', 'x3', 'x4', 'x5']);
    expect(state.comments.get('x3')?.body).toBe('edited live');
    expect(changes.filter((c) => c === 'replies')).toHaveLength(2);
    expect(await client.loadReplies(A, 'r')).toBe(false);
    expect(socket.sent('thread:replies')).toHaveLength(2);
  });

  it('a permalink to a comment the reader may not see rejects with not_found; joining again without it loads the thread', async () => {
    const { socket, client, listener } = setup();
    socket.answer('thread:join', (p) =>
      p.around ? { ok: false, error: { code: 'not_found', message: 'gone' } } : snapshot(2, { sort: 'newest', count: 2 }),
    );
    await expect(client.join(A, listener, { sort: 'top', around: 'nope' })).rejects.toMatchObject({ code: 'not_found' });
    const state = await client.join(A, listener, { sort: 'oldest' });
    expect(state).toMatchObject({ head: 2, target: null });
    expect(socket.sent('thread:join')).toEqual([
      { articleId: A, sort: 'top', around: 'nope' },
      { articleId: A, sort: 'oldest' },
    ]);
  });

  it('openAround reloads the thread at a comment, in the order the page came in; not_found leaves the thread as it was', async () => {
    const { socket, client, listener } = setup();
    socket.answer('thread:join', (p) =>
      p.around === 'c9'
        ? snapshot(3, { sort: 'newest', target: 'c9', before: '12', laterReplies: { c9: '30' } })
        : p.around
          ? { ok: false, error: { code: 'not_found', message: 'gone' } }
          : snapshot(2, { sort: 'top', rank: ['c7'] }),
    );
    await client.join(A, listener, { sort: 'top' });
    await expect(client.openAround(A, 'hidden')).rejects.toMatchObject({ code: 'not_found' });
    expect(client.thread(A)).toMatchObject({ head: 2, sort: 'top', rank: ['c7'] });
    const state = await client.openAround(A, 'c9');
    expect(state).toMatchObject({ sort: 'newest', target: 'c9', before: '12' });
    expect(state!.laterReplies.get('c9')).toBe('30');
    // A later fresh snapshot (a new epoch, say) asks for the order shown, without the permalink.
    socket.push('thread:event', event(9, { epoch: 'epoch-2' }));
    await settle();
    expect(socket.sent('thread:join').at(-1)).toEqual({ articleId: A, sort: 'newest' });
  });

  it("keeps the article's count from snapshots and live events, not the number loaded", async () => {
    const { socket, client, listener } = setup();
    socket.answer('thread:join', () => snapshot(2, { count: 250 }));
    await client.join(A, listener);
    expect(client.thread(A)!.count).toBe(250);
    socket.push('thread:event', event(3, { count: 251 }));
    expect(client.thread(A)!.count).toBe(251);
  });
});

describe('DiscussionClient wake-up', () => {
  it('connected: catches up with one `since` join per thread, not a snapshot', async () => {
    const { socket, client, listener, joins, changes } = setup();
    socket.answer('thread:join', (p) => (p.since === undefined ? snapshot(2) : catchUp([event(3), event(4)])));
    await client.join(A, listener);
    client.wake();
    await settle();
    expect(joins()).toHaveLength(2);
    expect(joins()[1]).toMatchObject({ articleId: A, since: 2, epoch: E1 });
    expect(client.thread(A)!.head).toBe(4);
    expect(changes).not.toContain('reset');
    vi.advanceTimersByTime(10_000);
    expect(socket.io.engine.closed).toBe(0);
  });

  it('connected, but the catch-up gets no answer: the connection is dropped as dead after wakeCheckMs', async () => {
    const { socket, client, listener, joins } = setup({ wakeCheckMs: 3000 });
    socket.answerInTurn(
      'thread:join',
      () => snapshot(2),
      () => NO_ANSWER,
    );
    await client.join(A, listener);
    client.wake();
    await settle();
    vi.advanceTimersByTime(2900);
    expect(socket.io.engine.closed).toBe(0);
    vi.advanceTimersByTime(200);
    expect(socket.io.engine.closed).toBe(1);
    // Back: the reconnection catches up.
    socket.answer('thread:join', () => catchUp([event(3)]));
    socket.connect();
    await settle();
    vi.advanceTimersByTime(ACK_MS);
    await settle();
    expect(client.thread(A)!.head).toBe(3);
    expect(joins().at(-1)).toMatchObject({ since: 2 });
  });

  it('disconnected: reconnects at once (no waiting for the next retry) and catches up', async () => {
    const { socket, client, listener, joins } = setup();
    socket.answer('thread:join', (p) => (p.since === undefined ? snapshot(2) : catchUp([event(3)])));
    await client.join(A, listener);
    socket.connected = false;
    client.wake();
    await settle();
    expect(socket.connected).toBe(true);
    expect(joins()).toHaveLength(2);
    expect(client.thread(A)!.head).toBe(3);
  });
});
