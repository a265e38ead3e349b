/**
 * Hostile text and keys (PROTOCOL.md §5), over WebSocket, HTTP long-polling and the REST API:
 * lone surrogates, right-to-left overrides, zero-width-only and blank-looking names and bodies,
 * Zalgo text, control characters, guest names that imitate staff, `__proto__` and `constructor`
 * keys, and article ids named after Object.prototype members, on the Redis store and in embedded
 * mode (memory store). The process stays up and the control client keeps working after each.
 */
import { io, type Socket } from 'socket.io-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DiscussionClient } from '../../client/discussion-client.js';
import type { Ack } from '../../shared/events.js';
import type { Comment, ThreadEvent } from '../../shared/schemas.js';
import { eventually } from '../support/ports.js';
import { startTarget, type Target } from './target.js';

let t: Target;
let embedded: Target;
/** Embedded, with one staff name configured. Started and stopped with the others: stop() ends every child process. */
let staffTarget: Target;
beforeAll(async () => {
  [t, embedded, staffTarget] = await Promise.all([
    startTarget(),
    startTarget({ embedded: true }),
    startTarget({ embedded: true, env: { STAFF_NAMES: 'Mia Chen' } }),
  ]);
}, 90_000);
afterAll(async () => {
  await Promise.all([t?.stop(), embedded?.stop(), staffTarget?.stop()]);
});
afterEach(async () => {
  await Promise.all([t.assertHealthy(), embedded.assertHealthy()]);
});

const opened: Socket[] = [];
afterEach(() => {
  for (const s of opened.splice(0)) s.close();
});

async function socket(transport: 'websocket' | 'polling', token: string): Promise<Socket> {
  const s = io(t.url, { transports: [transport], reconnection: false, auth: { token } });
  opened.push(s);
  await new Promise<void>((resolve, reject) => (s.once('connect', resolve), s.once('connect_error', reject)));
  return s;
}

// A letter under 50 stacked marks, five times. The marks (U+0363–036F, combining Latin small
// letters) all have combining class 230 and compose with nothing, so NFC keeps their order and
// the stored text is each letter with the first four of its marks (PROTOCOL.md §5).
const MARKS = Array.from({ length: 50 }, (_, i) => String.fromCodePoint(0x0363 + (i % 13))).join('');
const zalgo = [...'Zalgo'].map((c) => c + MARKS).join('');
const zalgoCapped = [...'Zalgo'].map((c) => c + MARKS.slice(0, 4)).join('');
const tags = (text: string) => [...text].map((c) => String.fromCodePoint(0xe0000 + c.codePointAt(0)!)).join('') + '\u{E007F}';

const bodies: { name: string; body: string; stored: string | null }[] = [
  { name: 'lone surrogates', body: '\uD800 high and low \uDFFF alone', stored: '\uFFFD high and low \uFFFD alone' },
  { name: 'a right-to-left override inside text (kept: rendered as text)', body: 'invoice\u202Egnp.exe', stored: 'invoice\u202Egnp.exe' },
  { name: 'control characters (removed, newline and tab kept)', body: 'a\u0000b\u0007c\u001b[31md\n\te\u009b', stored: 'abc[31md\n\te' },
  { name: 'combining characters (NFC)', body: 'cafe\u0301', stored: 'caf\u00e9' },
  { name: '5,000 astral characters (10,000 UTF-16 units)', body: '\u{1F600}'.repeat(5000), stored: '\u{1F600}'.repeat(5000) },
  { name: 'zero-width characters only', body: '\u200B\u200C\u200D\u2060\uFEFF', stored: null },
  { name: 'bidi controls only', body: '\u202E\u202D\u2066\u2069\u200F', stored: null },
  { name: 'whitespace, fillers and zero-width only', body: ' \n\t\u3164\u115F\u200B\u00AD ', stored: null },
  { name: '5,001 astral characters', body: '\u{1F600}'.repeat(5001), stored: null },
  { name: 'braille blanks only', body: '\u2800\u2800\u2800', stored: null },
  { name: 'tag characters only', body: tags('admin'), stored: null },
  { name: 'Hangul fillers and braille blanks only', body: '\u3164\u2800 \u3164\u2800\u3164', stored: null },
  {
    name: 'other blank-looking characters only',
    body: '\u115F\uFFA0\u1160\u{E0100}\u180E\u2000\u205F\u3000\uFE0F\u{1D159}\u{1D173}\u{1D17A}',
    stored: null,
  },
  { name: 'Zalgo text (each run of 50 combining marks cut to 4)', body: zalgo, stored: zalgoCapped },
];

describe.each(['websocket', 'polling'] as const)('hostile bodies over %s', (transport) => {
  it.each(bodies)('$name', async ({ body, stored }) => {
    const s = await socket(transport, await t.token(`text-${transport}`));
    const article = `text-${transport}-${Math.random().toString(36).slice(2, 8)}`;
    const events: ThreadEvent[] = [];
    s.on('thread:event', (e: ThreadEvent) => events.push(e));
    expect(((await s.emitWithAck('thread:join', { articleId: article })) as Ack).ok).toBe(true);
    const ack = (await s.timeout(10_000).emitWithAck('comment:post', { articleId: article, body })) as Ack<{ comment: Comment }>;
    if (stored === null) {
      expect(ack).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    } else {
      if (!ack.ok) throw new Error(JSON.stringify(ack.error));
      expect(ack.comment.body).toBe(stored);
      expect(ack.comment.body!.isWellFormed()).toBe(true);
      await eventually(() => events.find((e) => e.comment?.id === ack.comment.id));
      expect(events.find((e) => e.comment?.id === ack.comment.id)!.comment!.body).toBe(stored);
    }
    // The offending socket stays up: a refusal is an ack, not a disconnect.
    expect(s.connected).toBe(true);
  });
});

describe('hostile JSON over the REST API', () => {
  const postRaw = async (article: string, raw: string) =>
    fetch(`${t.url}/api/articles/${article}/comments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await t.token('rest')}` },
      body: raw,
    });

  it.each([
    { name: 'a __proto__ key', raw: '{"__proto__":{"polluted":true},"body":"x"}', status: 400 },
    { name: 'a constructor.prototype key', raw: '{"constructor":{"prototype":{"polluted":true}},"body":"x"}', status: 400 },
    { name: 'a body nested 10,000 objects deep', raw: `{"body":${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}}`, status: 400 },
    { name: 'an array nested 10,000 deep', raw: `${'['.repeat(10_000)}${']'.repeat(10_000)}`, status: 400 },
    // body-parser's 413 is answered as the protocol's invalid_input (400), "too large".
    { name: 'a 70 KB body (over the 64 KB limit)', raw: JSON.stringify({ body: 'x'.repeat(70_000) }), status: 400 },
    { name: 'truncated JSON', raw: '{"body":"x"', status: 400 },
    { name: 'a lone surrogate escaped in JSON', raw: '{"body":"\\ud800 alone"}', status: 201 },
  ])('$name → $status', async ({ raw, status }) => {
    const r = await postRaw('rest-hostile', raw);
    expect(r.status).toBe(status);
    const body = (await r.json()) as { comment?: Comment; error?: { code: string } };
    if (status === 201) expect(body.comment?.body).toBe('\uFFFD alone');
    else expect(body.error?.code).toBe('invalid_input');
  });

  it('leaves no trace of the pollution attempts', async () => {
    const thread = await (await fetch(`${t.url}/api/articles/rest-hostile/thread`)).text();
    expect(thread).not.toContain('polluted');
    const s = await socket('websocket', await t.token('after'));
    const ack = (await s.emitWithAck('comment:post', { articleId: 'rest-hostile', body: 'after' })) as Ack<{ comment: Comment }>;
    expect(JSON.stringify(ack)).not.toContain('polluted');
  });

  it.each([
    { what: 'zero-width only', name: '\u200B\u200D\uFEFF', status: 400, stored: null },
    { what: 'a right-to-left override only', name: '\u202E', status: 400, stored: null },
    { what: 'a lone surrogate', name: 'Ada\uD800', status: 201, stored: 'Ada\uFFFD' },
    // Bidi controls in a name would reorder the comment text around it: they are removed.
    { what: 'a right-to-left override inside a name', name: 'Ada\u202Enimda', status: 201, stored: 'Adanimda' },
    { what: 'isolates and marks inside a name', name: '\u2067Ada\u200F\u2069 \u061CLovelace\u202C', status: 201, stored: 'Ada Lovelace' },
    { what: 'braille blanks only', name: '\u2800\u2800', status: 400, stored: null },
    { what: 'tag characters only', name: tags('Ada'), status: 400, stored: null },
    { what: 'tag characters inside', name: `Ada${tags('mod')}`, status: 201, stored: 'Ada' },
  ])('a guest name with $what → $status', async ({ name, status, stored }) => {
    const r = await fetch(`${t.url}/api/session/guest`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name }),
    });
    expect(r.status).toBe(status);
    const body = (await r.json()) as { user?: { name: string }; error?: { code: string } };
    if (stored === null) expect(body.error?.code).toBe('invalid_input');
    else expect(body.user?.name).toBe(stored);
  });
});

async function guestSignIn(
  url: string,
  name: string,
): Promise<{ status: number; body: { user?: { name: string }; error?: { code: string; message: string } } }> {
  const r = await fetch(`${url}/api/session/guest`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name }),
  });
  return { status: r.status, body: (await r.json()) as never };
}

describe('guest names that imitate staff', () => {
  it.each([
    { what: 'the role', name: 'Moderator' },
    { what: 'upper case', name: 'ADMIN' },
    { what: 'a Cyrillic А', name: '\u0410dmin' },
    { what: 'spaced letters', name: 'm o d e r a t o r' },
    { what: 'a zero-width space', name: 'Admin\u200B' },
    { what: 'a lower-case L for the I', name: 'ADMlN' },
    { what: 'the role as a word in a longer name', name: 'Site Admin' },
    { what: 'a Cyrillic М', name: '\u041Coderator' },
  ])('$what ($name) → 400 invalid_input', async ({ name }) => {
    const r = await guestSignIn(t.url, name);
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ code: 'invalid_input', message: 'this name is reserved' });
  });

  // Controls: near misses that are ordinary names.
  it.each(['Admiral Ackbar', 'José', 'Badminton Fan', 'Modesty'])('%s → 201', async (name) => {
    const r = await guestSignIn(t.url, name);
    expect(r.status).toBe(201);
    expect(r.body.user?.name).toBe(name);
  });

  describe('with STAFF_NAMES=Mia Chen', () => {
    it.each([
      { what: 'lower case', name: 'mia chen' },
      { what: 'upper case and two spaces', name: 'MIA  CHEN' },
      { what: 'Cyrillic М, і and а', name: '\u041C\u0456\u0430 Chen' },
    ])('$what ($name) → 400 invalid_input', async ({ name }) => {
      const r = await guestSignIn(staffTarget.url, name);
      expect(r.status).toBe(400);
      expect(r.body.error).toMatchObject({ code: 'invalid_input', message: 'this name is reserved' });
    });

    it('a different name → 201', async () => {
      expect((await guestSignIn(staffTarget.url, 'Mia Cheng')).status).toBe(201);
    });
  });
});

describe('article ids named after Object.prototype members', () => {
  const ids = ['__proto__', 'constructor', 'prototype', 'hasOwnProperty', 'toString', 'valueOf', '__defineGetter__'];
  it.each([
    ['Redis', () => t],
    ['embedded (memory store)', () => embedded],
  ] as const)('work like any other id on the %s store: join, post, live event, thread, counts', async (_store, target) => {
    const server = target();
    const client = new DiscussionClient({
      url: server.url,
      token: await server.token('proto'),
      socketOptions: { transports: ['websocket'], reconnection: false },
    });
    try {
      for (const id of ids) {
        const events: ThreadEvent[] = [];
        await client.join(id, { onEvent: (e) => events.push(e) });
        const c = await client.post({ articleId: id, body: `on ${id}` });
        await eventually(() => events.some((e) => e.comment?.id === c.id));
        const thread = (await (await fetch(`${server.url}/api/articles/${id}/thread`)).json()) as { comments: Comment[] };
        expect(thread.comments.map((x) => x.body)).toEqual([`on ${id}`]);
      }
      const counts = (await (await fetch(`${server.url}/api/counts?articleIds=${ids.join(',')}`)).json()) as {
        counts: Record<string, number>;
      };
      expect(Object.entries(counts.counts).sort()).toEqual(ids.map((id) => [id, 1]).sort());
    } finally {
      client.close();
    }
  });
});
