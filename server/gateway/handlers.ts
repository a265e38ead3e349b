/**
 * One handler per client event. Each parses its payload with the shared schema, calls the core,
 * and acks `{ ok: true, ...result }` or `{ ok: false, error }`. An event without an ack is ignored.
 *
 * The table is built once per server and every socket reaches it through one shared `onAny`
 * listener: a connection costs no closures and no listener table of its own (an idle reader is
 * most of what a busy node holds).
 */
import type { Logger } from 'pino';
import type { Server, Socket } from 'socket.io';
import type { ClientToServerEvents, ServerToClientEvents } from '../../shared/events.js';
import type { Payload, PayloadSchemas } from '../../shared/schemas.js';
import type { Discussion } from '../core/discussion.js';
import type { RequestContext, Viewer } from '../core/ports.js';
import { DomainError, isDomainError } from '../core/errors.js';
import type { Metrics } from '../metrics.js';
import type { InFlight } from './in-flight.js';
import { requireModerator, requireUser } from '../core/discussion.js';
import { articleOfRoom, articleRoom, MODERATORS_ROOM, modRoom } from './rooms.js';
import { errorBody, zodIssues } from './errors.js';
import { operations, type Core } from '../operations.js';
import { newSlot, type Admission, type Slot } from './admission.js';
import { unreadBytes } from './engine-tuning.js';

export type AppServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
export type AppSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
export interface SocketData {
  viewer: Viewer;
  /** The client's address (its limits' key), set when the connection is accepted. */
  address: string;
  /** The browser's user agent, kept only when outside checks want it (Akismet). */
  userAgent?: string;
  /** Admission state, created at the first request. */
  slot?: Slot;
  /** When this socket last said it is typing (ms); unset once it posted. */
  typingAt?: number;
  /** The article it said so in (its own typing is left out of the count it is sent there). */
  typingIn?: string;
  /** It typed at some point: its leaving ends its "someone is replying". */
  typed?: true;
}

/** Articles one socket may follow at once. */
const MAX_JOINED = 50;
/** A socket's typing signals count once per this interval; more are acknowledged and dropped. */
const TYPING_EVERY_MS = 2000;
/** Requests that build an answer from the store: refused for a socket that does not read. */
const READS = new Set<string>(['thread:join', 'thread:page', 'thread:replies', 'mod:watch']);

export interface HandlerDeps {
  discussion: Discussion;
  core: Core;
  /** Where a socket's request comes from (bans by address, spam checks). */
  context: (socket: AppSocket) => RequestContext | null;
  inFlight: InFlight;
  admission: Admission;
  /** Per-address reads (joins, pages) on this node; throws rate_limited. */
  readLimit?: (address: string) => Promise<void>;
  /** Drops what an expired token granted on this socket (see session-expiry.ts). */
  expire: (socket: AppSocket) => void;
  metrics: Metrics;
  presence?: { typing(articleId: string, socket: AppSocket): void; stopTyping(articleId: string, socket: AppSocket): void };
  /** Told of each snapshot's scores version, so that vote pushes continue from it. */
  scores?: { joined(articleId: string, version: number | undefined): void };
  schemas: PayloadSchemas;
  logger: Logger;
}

type Handler<K extends keyof PayloadSchemas> = (payload: Payload<K>, socket: AppSocket) => Promise<object>;

interface Entry {
  event: keyof PayloadSchemas;
  schema: PayloadSchemas[keyof PayloadSchemas];
  run: Handler<keyof PayloadSchemas>;
}

/** A client event listener for `socket.onAny`, which calls it with the socket as `this`. */
export type Dispatch = (this: AppSocket, event: unknown, ...args: unknown[]) => void;

export function createDispatch(deps: HandlerDeps): Dispatch {
  const { discussion } = deps;
  const table = new Map<string, Entry>();
  const on = <K extends keyof PayloadSchemas & keyof ClientToServerEvents>(event: K, run: Handler<K>) =>
    table.set(event, { event, schema: deps.schemas[event], run: run as unknown as Handler<keyof PayloadSchemas> });

  on('thread:join', async (p, s) => {
    const room = articleRoom(p.articleId);
    if (!s.rooms.has(room) && joinedCount(s) >= MAX_JOINED) {
      throw new DomainError('invalid_input', `at most ${MAX_JOINED} threads per connection`);
    }
    // Join before reading so that no event committed after the read can be missed; the client
    // drops what its snapshot already covers (seq <= head).
    await s.join(room);
    if (s.data.viewer?.role === 'moderator') await s.join(modRoom(p.articleId));
    const result = await discussion.join(s.data.viewer, p);
    deps.scores?.joined(p.articleId, result.scoresVersion);
    return result;
  });
  on('thread:leave', async (p, s) => {
    await s.leave(articleRoom(p.articleId));
    await s.leave(modRoom(p.articleId));
    return {};
  });
  // The operations shared with HTTP (operations.ts).
  for (const [name, op] of operations()) {
    table.set(name, {
      event: name,
      schema: deps.schemas[name],
      run: (p, s) => op.run(deps.core, s.data.viewer, p as never, deps.context(s)),
    });
  }
  // A posted comment ends its author's "someone is replying".
  const post = table.get('comment:post')!;
  table.set('comment:post', {
    ...post,
    run: async (p, s) => {
      const result = await post.run(p, s);
      deps.presence?.stopTyping((p as { articleId: string }).articleId, s);
      return result;
    },
  });
  on('thread:typing', async (p, s) => {
    requireUser(s.data.viewer);
    if (!s.rooms.has(articleRoom(p.articleId))) throw new DomainError('forbidden', 'join the thread first');
    const now = Date.now();
    if (now - (s.data.typingAt ?? 0) >= TYPING_EVERY_MS) {
      // A tab closed while typing ends "someone is replying" (a listener only on sockets that typed).
      if (!s.data.typed) {
        s.data.typed = true;
        s.once('disconnecting', stopTypingOnLeave);
      }
      s.data.typingAt = now;
      s.data.typingIn = p.articleId;
      deps.presence?.typing(p.articleId, s);
    }
    return {};
  });
  on('mod:watch', async (p, s) => {
    requireModerator(s.data.viewer);
    // Join before reading, so nothing held or reported in between is in neither.
    await s.join(MODERATORS_ROOM);
    const [queue, activity] = await Promise.all([discussion.queue(s.data.viewer), deps.core.desk.activity(s.data.viewer, p.since ?? null)]);
    return { queue, activity };
  });

  function stopTypingOnLeave(this: AppSocket): void {
    for (const room of this.rooms) {
      const articleId = articleOfRoom(room);
      if (articleId !== null) deps.presence?.stopTyping(articleId, this);
    }
  }

  return function dispatch(this: AppSocket, event: unknown, ...args: unknown[]): void {
    // onAny listeners run before Socket.IO's own check: events read after a disconnect are dropped.
    if (!this.connected) return;
    const entry = typeof event === 'string' ? table.get(event) : undefined;
    if (!entry) return;
    // What an expired token granted is gone before anything is handled (the sweep only tells sooner).
    const expiresAt = this.data.viewer?.expiresAt;
    if (expiresAt !== undefined && Date.now() >= expiresAt) deps.expire(this);
    handle(this, deps, entry, args);
  };
}

function joinedCount(s: AppSocket): number {
  let n = 0;
  for (const r of s.rooms) if (articleOfRoom(r) !== null) n++;
  return n;
}

function handle(socket: AppSocket, deps: HandlerDeps, { event, schema, run }: Entry, args: unknown[]): void {
  const ack = args.at(-1);
  if (typeof ack !== 'function' || args.length < 2) return;
  const reply = ack as (r: unknown) => void;
  deps.metrics.eventsIn.inc({ event });
  const parsed = schema.safeParse(args[0]);
  if (!parsed.success) {
    reply({ ok: false, error: { code: 'invalid_input', message: 'the payload is not valid', issues: zodIssues(parsed.error) } });
    return;
  }
  const timer = event === 'comment:post' ? deps.metrics.postLatency.startTimer() : null;
  const { admission } = deps;
  const slot = (socket.data.slot ??= newSlot(admission.limits, Date.now()));
  const address = socket.data.address;
  const read = READS.has(event);
  const work = async () => {
    if (read) await deps.readLimit?.(address);
    await admission.enter(slot, address, Date.now(), read);
    try {
      // Checked once the request's turn has come, just before the answer is built.
      if (read) admission.checkUnread(unreadBytes(socket));
      return await run(parsed.data as never, socket);
    } finally {
      admission.leave(slot, address, read);
    }
  };
  // The reply is part of the write: a graceful shutdown waits until the ack has gone out.
  void deps.inFlight.track(
    work().then(
      (result) => {
        timer?.();
        reply({ ok: true, ...result });
      },
      (err: unknown) => {
        if (!isDomainError(err)) deps.metrics.storeErrors.inc();
        reply({ ok: false, error: errorBody(err, deps.logger, { event, socket: socket.id }) });
      },
    ),
  );
}
