/**
 * `thread:typing` (PROTOCOL.md §2) is "someone is replying" for the readers of a thread. Every
 * signal leaves state behind (who typed where, until it fades), keyed by what the client sends:
 * a client must not be able to make readers of a thread it is not in see someone typing, to
 * count more than once by repeating itself, or to make the node keep state for thousands of
 * made-up threads. In embedded mode (typists in memory) and in Redis mode (typists in Redis).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { PresencePayload } from '../../shared/events.js';
import { eventually, sleep } from '../support/ports.js';
import { connectSocket, type TestSocket } from '../support/socket-client.js';
import { startTarget, type Target } from './target.js';
import { encodeFrame, RawWebSocket } from './wire.js';

type AckResult = { ok: boolean; error?: { code: string; message: string } };

describe.each([
  { mode: 'embedded', embedded: true },
  { mode: 'redis', embedded: false },
])('$mode mode', ({ mode, embedded }) => {
  let t: Target;
  const open: { close(): void }[] = [];
  beforeAll(async () => {
    t = await startTarget({ embedded });
  }, 60_000);
  afterAll(async () => {
    for (const c of open.splice(0)) c.close();
    await t?.stop();
  });
  afterEach(async () => {
    for (const c of open.splice(0)) c.close();
    await t.assertHealthy();
  });

  const connect = async (token?: string): Promise<TestSocket> => {
    const s = await connectSocket(t.url, token ? { token } : {});
    open.push(s);
    return s;
  };
  const presence = (s: TestSocket, articleId: string) => s.of<PresencePayload>('thread:presence').filter((p) => p.articleId === articleId);
  const join = async (s: TestSocket, articleId: string) => {
    const ack = await s.request<AckResult>('thread:join', { articleId });
    expect(ack.ok, JSON.stringify(ack)).toBe(true);
  };

  it('typing for a thread the socket has not joined is refused (forbidden), and the readers of that thread never see anyone typing', async () => {
    const articleId = `typing-unjoined-${mode}`;
    const reader = await connect();
    await join(reader, articleId);
    await eventually(() => presence(reader, articleId).some((p) => p.readers === 1), 10_000);

    const intruder = await connect(await t.token('intruder'));
    for (let i = 0; i < 5; i++) {
      const ack = await intruder.request<AckResult>('thread:typing', { articleId });
      expect(ack.ok, JSON.stringify(ack)).toBe(false);
      expect(ack.error?.code).toBe('forbidden');
    }
    // A second reader arriving changes the count, so the next round pushes the totals: it is
    // counted after the signals above, within their 5 s of "typing".
    const second = await connect();
    await join(second, articleId);
    const counted = await eventually(() => presence(reader, articleId).find((p) => p.readers === 2), 10_000);
    expect(counted.typing).toBe(0);
    expect(presence(reader, articleId).every((p) => p.typing === 0)).toBe(true);
    expect(presence(second, articleId).every((p) => p.typing === 0)).toBe(true);
  }, 30_000);

  it('a joined socket sending typing 50 times in one second counts once: readers see typing 1, never more, and it fades', async () => {
    const articleId = `typing-burst-${mode}`;
    const reader = await connect();
    await join(reader, articleId);
    const typist = await connect(await t.token('typist'));
    await join(typist, articleId);
    await eventually(() => presence(reader, articleId).some((p) => p.readers === 2), 10_000);

    const started = Date.now();
    const acks: Promise<AckResult>[] = [];
    for (let i = 0; i < 50; i++) {
      acks.push(typist.request<AckResult>('thread:typing', { articleId }));
      await sleep(20);
    }
    expect(Date.now() - started).toBeLessThan(5000);
    // Repeats are acknowledged (the client did nothing wrong) and dropped.
    expect((await Promise.all(acks)).every((a) => a.ok)).toBe(true);

    await eventually(() => presence(reader, articleId).some((p) => p.typing === 1), 10_000);
    await eventually(() => presence(reader, articleId).at(-1)?.typing === 0, 15_000);
    const seen = presence(reader, articleId).map((p) => p.typing);
    expect(Math.max(...seen)).toBe(1);
    expect(presence(typist, articleId).every((p) => p.typing <= 1)).toBe(true);
  }, 40_000);

  it('20,000 typing signals for random threads from one socket are all refused, and the process stays healthy', async () => {
    const ws = await RawWebSocket.socketio(t.port, { auth: { token: await t.token('flooder') } });
    open.push({ close: () => ws.destroy() });
    const rssBefore = t.node.rssBytes();
    const codes = new Map<string, number>();
    let nextId = 1000;
    let scanned = 0;
    const pending = new Set<number>();
    // Reads the acks received since the last look (each message once, however many batches).
    const collect = () => {
      for (; scanned < ws.messages.length; scanned++) {
        const m = /^43(\d+)\[(.*)\]$/s.exec(ws.messages[scanned]!);
        if (!m || !pending.delete(Number(m[1]))) continue;
        const ack = JSON.parse(m[2]!) as AckResult;
        const code = ack.ok ? 'ok' : (ack.error?.code ?? 'unknown');
        codes.set(code, (codes.get(code) ?? 0) + 1);
      }
      return pending.size === 0;
    };
    for (let batch = 0; batch < 20; batch++) {
      const frames: Buffer[] = [];
      for (let i = 0; i < 1000; i++) {
        const id = nextId++;
        pending.add(id);
        frames.push(Buffer.from(`42${id}${JSON.stringify(['thread:typing', { articleId: `rnd-${randomUUID()}` }])}`));
      }
      // One write per batch: 1,000 frames arrive together.
      ws.write(Buffer.concat(frames.map((f) => encodeFrame(f))));
      await ws.until(collect, 30_000);
    }
    const total = [...codes.values()].reduce((a, b) => a + b, 0);
    expect(total).toBe(20_000);
    // Nothing accepted: refused because the socket is in none of these threads, or, past the
    // connection's request budget, refused before being looked at.
    expect(codes.get('ok') ?? 0).toBe(0);
    expect(
      [...codes.keys()].every((c) => c === 'forbidden' || c === 'rate_limited'),
      JSON.stringify([...codes]),
    ).toBe(true);
    expect(codes.get('forbidden') ?? 0).toBeGreaterThan(0);
    expect(ws.isClosed).toBe(false);
    // For the record only (no GC control here): how the resident size moved.
    console.info(
      `[${mode}] typing flood: ${JSON.stringify(Object.fromEntries(codes))}, RSS ${Math.round(rssBefore / 2 ** 20)} → ${Math.round(t.node.rssBytes() / 2 ** 20)} MB`,
    );
  }, 120_000);
});
