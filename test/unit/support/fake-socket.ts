/**
 * An in-memory stand-in for a socket.io-client socket, with just what DiscussionClient uses:
 * `on`, `emit`, `timeout(ms).emitWithAck`, `connected`, `connect`, `disconnect` and `auth`.
 * The test plays the server: it answers requests and pushes events.
 */
import type { ClientSocket } from '../../../client/discussion-client.js';
import type { Ack } from '../../../shared/events.js';

/** An answer the server never sends: the request times out. */
export const NO_ANSWER = Symbol('no answer');
type Answer = Ack<object> | typeof NO_ANSWER;
type Payload = Record<string, unknown>;
type Listener = (...args: unknown[]) => void;

export class FakeSocket {
  connected = true;
  auth: Record<string, unknown> = {};
  /** Every request, in the order sent. */
  readonly requests: { event: string; payload: Payload }[] = [];
  private readonly listeners = new Map<string, Listener[]>();
  private readonly answerers = new Map<string, (payload: Payload) => Answer | Promise<Answer>>();

  /** What the server answers to `event` from now on. */
  answer(event: string, fn: (payload: Payload) => Answer | Promise<Answer>): this {
    this.answerers.set(event, fn);
    return this;
  }

  /** Answers to `event`, in turn; the last one repeats. */
  answerInTurn(event: string, ...answers: ((payload: Payload) => Answer)[]): this {
    let i = 0;
    return this.answer(event, (p) => answers[Math.min(i++, answers.length - 1)]!(p));
  }

  /** The server pushes an event to this client. */
  push(event: string, payload?: unknown): void {
    for (const l of this.listeners.get(event) ?? []) l(payload);
  }

  sent(event: string): Payload[] {
    return this.requests.filter((r) => r.event === event).map((r) => r.payload);
  }

  // ── what the client calls ──────────────────────────────────────────────────────────────

  on(event: string, listener: Listener): this {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]);
    return this;
  }

  emit(event: string, payload?: unknown): this {
    this.requests.push({ event, payload: structuredClone(payload) as Payload });
    return this;
  }

  timeout(ms: number) {
    return {
      emitWithAck: (event: string, payload: unknown): Promise<Ack<object>> => {
        this.requests.push({ event, payload: structuredClone(payload) as Payload });
        const answerer = this.answerers.get(event);
        return new Promise((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error('operation has timed out')), ms);
          if (!answerer || !this.connected) return;
          void Promise.resolve(answerer(payload as Payload)).then((a) => {
            if (a === NO_ANSWER) return;
            clearTimeout(timer);
            resolve(structuredClone(a));
          });
        });
      },
    };
  }

  /** The Manager's engine: `close()` drops the transport, as a dead connection's close would. */
  readonly io = {
    engine: {
      closed: 0,
      close: () => {
        this.io.engine.closed++;
        if (!this.connected) return;
        this.connected = false;
        this.push('disconnect', 'transport close');
      },
    },
  };

  connect(): this {
    if (!this.connected) {
      this.connected = true;
      this.push('connect');
    }
    return this;
  }

  disconnect(): this {
    if (this.connected) {
      this.connected = false;
      this.push('disconnect', 'io client disconnect');
    }
    return this;
  }

  asClientSocket(): ClientSocket {
    return this as unknown as ClientSocket;
  }
}
