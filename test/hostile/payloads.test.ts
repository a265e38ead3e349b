/**
 * Hostile packets, over a raw WebSocket and over HTTP long-polling, against a running server
 * (child process) with a control client and bystanders connected: the inputs behind the known
 * ws, engine.io and socket.io-parser crash advisories, malformed packets, reserved event names,
 * binary placeholder tricks, packets over 64 KiB, deep nesting, prototype keys.
 *
 * Each case says what happens to the offending connection: `closed` (the server hangs up on it)
 * or `open` (refused politely, it still works). In every case the process stays up, the control
 * client still posts and receives its own event, and no bystander is disconnected.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sleep } from '../support/ports.js';
import { startTarget, type Target } from './target.js';
import { encodeFrame, PollingSession, RawWebSocket } from './wire.js';

let t: Target;
beforeAll(async () => {
  t = await startTarget();
}, 60_000);
afterAll(() => t?.stop());
afterEach(async () => {
  await t.assertHealthy();
});

const nested = (depth: number, open: string, close: string, inner = '1') => open.repeat(depth) + inner + close.repeat(depth);
const post = (payload: string) => `427["comment:post",${payload}]`;
const bin = Buffer.from([1, 2, 3]);

interface Case {
  name: string;
  /** engine.io packets: text, or a Buffer for a binary attachment. */
  send: (string | Buffer)[];
  expect: 'closed' | 'open';
  /** For `open` cases sent with ack id 7: the error code of the ack. */
  ackCode?: string;
}

const cases: Case[] = [
  // socket.io-parser: payloads that are not [string, ...]
  { name: '42[{"toString":"x"}] (event name is an object)', send: ['42[{"toString":"x"}]'], expect: 'closed' },
  { name: '42[] (no event name)', send: ['42[]'], expect: 'closed' },
  { name: '42"x" (payload not an array)', send: ['42"x"'], expect: 'closed' },
  { name: '42["x", (truncated JSON)', send: ['42["x",'], expect: 'closed' },
  { name: '42[null]', send: ['42[null]'], expect: 'closed' },
  // reserved event names: must never reach the socket's own listeners
  ...['connect', 'disconnect', 'connect_error', 'disconnecting', 'newListener', 'removeListener'].map((ev) => ({
    name: `42["${ev}"] (reserved event name)`,
    send: [`42["${ev}"]`],
    expect: 'closed' as const,
  })),
  // "error" is not reserved by the parser: socket.io gives every socket a no-op listener for it.
  { name: '42["error"] (dispatched to a no-op listener)', send: ['42["error"]', '42["error",{"message":"x"}]'], expect: 'open' },
  { name: '42[123] (numeric event name, no such handler)', send: ['42[123]'], expect: 'open' },
  { name: '421["admin:drop",{}] (unknown event)', send: ['421["admin:drop",{}]'], expect: 'open' },
  {
    name: '42["comment:post",{...}] without an ack (ignored)',
    send: ['42["comment:post",{"articleId":"h","body":"no ack"}]'],
    expect: 'open',
  },
  // binary placeholders
  {
    name: '451-["x",{"_placeholder":true,"num":99}] + attachment (index out of range)',
    send: ['451-["x",{"_placeholder":true,"num":99}]', bin],
    expect: 'closed',
  },
  {
    name: '451-["x",{"_placeholder":true,"num":"toString"}] + attachment',
    send: ['451-["x",{"_placeholder":true,"num":"toString"}]', bin],
    expect: 'closed',
  },
  {
    name: '451-["x",{"_placeholder":true,"num":"__proto__"}] + attachment',
    send: ['451-["x",{"_placeholder":true,"num":"__proto__"}]', bin],
    expect: 'closed',
  },
  {
    name: '451-["x",{"_placeholder":true,"num":-1}] + attachment',
    send: ['451-["x",{"_placeholder":true,"num":-1}]', bin],
    expect: 'closed',
  },
  {
    name: '452-["comment:post",…] then text instead of attachments',
    send: ['452-["comment:post",{"_placeholder":true,"num":0}]', '42["x"]'],
    expect: 'closed',
  },
  { name: '4599999999-["x"] (absurd attachment count)', send: ['4599999999-["x"]', bin, bin], expect: 'closed' },
  {
    name: '4511-["x",…] (11 attachments, over the parser limit of 10)',
    send: ['4511-["x",{"_placeholder":true,"num":0}]', bin],
    expect: 'closed',
  },
  {
    name: 'binary attachment as the comment body (placeholder, ack 7)',
    send: ['451-7["comment:post",{"articleId":"h","body":{"_placeholder":true,"num":0}}]', bin],
    expect: 'open',
    ackCode: 'invalid_input',
  },
  // engine.io and socket.io packet framing
  { name: '9 (unknown engine.io packet type)', send: ['9hello'], expect: 'closed' },
  { name: '49 (unknown socket.io packet type)', send: ['49'], expect: 'closed' },
  { name: '41 with a payload (disconnect carries none)', send: ['41{"x":1}'], expect: 'closed' },
  { name: '43 ack for an id never sent', send: ['43999["x"]'], expect: 'open' },
  { name: '40/admin, (namespace that does not exist)', send: ['40/admin,'], expect: 'open' },
  {
    name: '4299999999999999999999["thread:join",…] (ack id past 2^53)',
    send: ['4299999999999999999999["thread:join",{"articleId":"h"}]'],
    expect: 'open',
  },
  { name: 'a 60 KB event name', send: [`421["${'e'.repeat(60_000)}",{}]`], expect: 'open' },
  // payloads the schemas must refuse without touching prototypes
  {
    name: '__proto__ key in the payload',
    send: [post('{"__proto__":{"polluted":1},"articleId":"h","body":"x"}')],
    expect: 'open',
    ackCode: 'invalid_input',
  },
  {
    name: 'constructor.prototype key in the payload',
    send: [post('{"constructor":{"prototype":{"polluted":1}},"articleId":"h","body":"x"}')],
    expect: 'open',
    ackCode: 'invalid_input',
  },
  {
    name: '__proto__ as the articleId value',
    send: [post('{"articleId":{"__proto__":{}},"body":"x"}')],
    expect: 'open',
    ackCode: 'invalid_input',
  },
  { name: 'payload nested 10,000 arrays deep', send: [post(nested(10_000, '[', ']'))], expect: 'open', ackCode: 'invalid_input' },
  { name: 'payload nested 10,000 objects deep', send: [post(nested(10_000, '{"a":', '}'))], expect: 'open', ackCode: 'invalid_input' },
  {
    name: 'body nested 10,000 objects deep',
    send: [post(`{"articleId":"h","body":${nested(10_000, '{"a":', '}')}}`)],
    expect: 'open',
    ackCode: 'invalid_input',
  },
  { name: 'payload nested 30,000 arrays deep (60 KB)', send: [post(nested(30_000, '[', ']'))], expect: 'open', ackCode: 'invalid_input' },
  {
    name: 'thread:join with since = 1e308',
    send: ['427["thread:join",{"articleId":"h","since":1e308,"epoch":"x"}]'],
    expect: 'open',
    ackCode: 'invalid_input',
  },
  {
    name: 'thread:join with 51 articles (over the per-socket limit)',
    send: Array.from({ length: 51 }, (_, i) => `42${i === 50 ? 7 : 200 + i}["thread:join",{"articleId":"many-${i}"}]`),
    expect: 'open',
    ackCode: 'invalid_input',
  },
];

/** Waits for the ack with id 7 and returns its error code. */
function ackCode(message: string): string | undefined {
  const [ack] = JSON.parse(message.slice(3)) as [{ ok: boolean; error?: { code: string } }];
  return ack.ok ? 'ok' : ack.error?.code;
}

describe('over a raw WebSocket', () => {
  it.each(cases)('$name → $expect', async (c) => {
    const ws = await RawWebSocket.socketio(t.port);
    try {
      for (const p of c.send) {
        if (typeof p === 'string') ws.sendText(p);
        else ws.sendBinary(p);
      }
      if (c.expect === 'closed') {
        await ws.until(() => ws.serverClosed, 5000);
        return;
      }
      if (c.ackCode) expect(ackCode(await ws.next((m) => m.startsWith('437[')))).toBe(c.ackCode);
      const r = (await ws.request('thread:leave', { articleId: 'h' })) as { ok: boolean };
      expect(r.ok).toBe(true);
      expect(ws.serverClosed).toBe(false);
    } finally {
      ws.destroy();
    }
  });

  it('connect, disconnect and connect again on one transport → the second connect is refused, the process stays up', async () => {
    const ws = await RawWebSocket.socketio(t.port);
    try {
      ws.sendText('41');
      ws.sendText('40');
      expect(await ws.next((m) => m.startsWith('44'))).toContain('invalid_input');
      expect(ws.serverClosed).toBe(false);
    } finally {
      ws.destroy();
    }
  });

  const frames: { name: string; send(ws: RawWebSocket): void }[] = [
    {
      name: 'a text frame with RSV1 set (no extension negotiated)',
      send: (ws) => ws.sendText('42["thread:leave",{"articleId":"h"}]', { rsv1: true }),
    },
    { name: 'a text frame with RSV2 set', send: (ws) => ws.sendText('3', { rsv2: true }) },
    { name: 'a text frame with RSV3 set', send: (ws) => ws.sendText('3', { rsv3: true }) },
    { name: 'an unmasked client frame', send: (ws) => ws.sendText('3', { mask: false }) },
    { name: 'a reserved opcode (0x3)', send: (ws) => ws.write(encodeFrame('x', { opcode: 0x3 })) },
    { name: 'invalid UTF-8 in a text frame', send: (ws) => ws.write(encodeFrame(Buffer.from([0x34, 0x32, 0xff, 0xfe]), { opcode: 0x1 })) },
    { name: 'a continuation frame with no message started', send: (ws) => ws.write(encodeFrame('x', { opcode: 0x0 })) },
    {
      name: 'a ping frame with a 200-byte payload (control frames carry 125 at most)',
      send: (ws) => ws.write(encodeFrame(Buffer.alloc(200), { opcode: 0x9 })),
    },
    { name: 'a fragmented ping', send: (ws) => ws.write(encodeFrame('x', { opcode: 0x9, fin: false })) },
    {
      name: 'a 70 KB packet (over 64 KiB)',
      send: (ws) => ws.sendText(`42["thread:join",${JSON.stringify({ articleId: 'x'.repeat(70_000) })}]`),
    },
    {
      name: 'a 64 KiB + 1 message in two fragments',
      send: (ws) => (ws.sendText('4'.repeat(40_000), { fin: false }), ws.write(encodeFrame('2'.repeat(25_537), { opcode: 0x0 }))),
    },
    { name: 'a 1 MB binary frame', send: (ws) => ws.sendBinary(Buffer.alloc(1024 * 1024)) },
    {
      name: 'a frame announcing 2^63-1 bytes',
      send: (ws) => ws.write(Buffer.from([0x81, 0xff, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4, 0, 0])),
    },
  ];
  it.each(frames)('$name → closed', async (f) => {
    const ws = await RawWebSocket.socketio(t.port);
    try {
      f.send(ws);
      await ws.until(() => ws.serverClosed, 5000);
    } finally {
      ws.destroy();
    }
  });
});

describe('over HTTP long-polling', () => {
  /** engine.io v4 polling: packets separated by \x1e, binary as "b" + base64. */
  const payload = (send: (string | Buffer)[]) => send.map((p) => (typeof p === 'string' ? p : `b${p.toString('base64')}`)).join('\x1e');

  /** Whether the server ended the session: a poll answers 400 (unknown sid) or a close packet. */
  async function sessionClosed(s: PollingSession, timeoutMs = 5000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const r = await s.poll(timeoutMs).catch(() => null);
      if (!r) continue;
      if (r.status === 400 || r.packets.includes('1')) return true;
      await sleep(50);
    }
    return false;
  }

  it.each(cases)('$name → $expect', async (c) => {
    const s = await PollingSession.socketio(t.port);
    const sent = await s.send(payload(c.send));
    if (c.expect === 'closed') {
      expect(sent.status === 400 || (await sessionClosed(s))).toBe(true);
      return;
    }
    expect(sent.status).toBe(200);
    if (c.ackCode) expect(ackCode(await s.next((p) => p.startsWith('437[')))).toBe(c.ackCode);
    const r = (await s.request('thread:leave', { articleId: 'h' })) as { ok: boolean };
    expect(r.ok).toBe(true);
  });

  it('a 70 KB POST (over 64 KiB) is refused with 413', async () => {
    const s = await PollingSession.socketio(t.port);
    const r = await s.send(`42["thread:join",${JSON.stringify({ articleId: 'x'.repeat(70_000) })}]`);
    expect(r.status).toBe(413);
  });

  it('a binary POST body (not allowed in engine.io v4) closes the session', async () => {
    const s = await PollingSession.socketio(t.port);
    const r = await s.send(Buffer.from('42["x"]'), { 'content-type': 'application/octet-stream' });
    expect(r.status).toBe(400);
    expect(await sessionClosed(s)).toBe(true);
  });

  it('two GETs at once on one session (overlap) close it', async () => {
    const s = await PollingSession.socketio(t.port);
    const [a, b] = await Promise.all([s.poll(5000).catch(() => null), s.poll(5000).catch(() => null)]);
    expect([a?.status, b?.status]).toContain(400);
    expect(await sessionClosed(s)).toBe(true);
  });

  it('a sid that does not exist is answered 400, not a crash', async () => {
    const r = await fetch(`${t.url}/socket.io/?EIO=4&transport=polling&sid=${'A'.repeat(20)}`);
    expect(r.status).toBe(400);
    const weird = await fetch(`${t.url}/socket.io/?EIO=4&transport=polling&sid=__proto__`);
    expect(weird.status).toBe(400);
    const unknownTransport = await fetch(`${t.url}/socket.io/?EIO=4&transport=constructor`);
    expect(unknownTransport.status).toBe(400);
  });
});
