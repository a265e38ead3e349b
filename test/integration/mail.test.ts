/**
 * Reply e-mails against a real SMTP server (smtp-server) started here, two nodes on one Redis,
 * with the timings shortened (NOTIFY_DELAY_MS, NOTIFY_COALESCE_MS). What a reader would notice:
 * one e-mail per reply burst, none while watching, none for what readers cannot see, none to an
 * unconfirmed address, and one-click unsubscribe that works.
 */
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClientSocket } from '../../client/discussion-client.js';
import { ok } from '../support/acks.js';
import { closeClients, connected, rawSocket, startNode, token, type TestNode } from '../support/nodes.js';
import { eventually, freePort, sleep } from '../support/ports.js';
import { startRedis, type RedisServer } from '../support/redis-server.js';

const DELAY = 800;
const COALESCE = 2500;
/** Long enough for a batch that would be sent to have been sent. */
const QUIET = DELAY + 1500;

let redis: RedisServer;
let smtp: SMTPServer;
let a: TestNode;
let b: TestNode;
const inbox: ParsedMail[] = [];

const to = (address: string) =>
  inbox.filter((m) => (Array.isArray(m.to) ? m.to : m.to ? [m.to] : []).some((t) => t.text.includes(address)));

beforeAll(async () => {
  redis = await startRedis({ appendonly: false });
  const smtpPort = await freePort();
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _session, callback) {
      simpleParser(stream).then(
        (m) => {
          inbox.push(m);
          callback();
        },
        (e: Error) => callback(e),
      );
    },
  });
  await new Promise<void>((resolve) => smtp.listen(smtpPort, '127.0.0.1', () => resolve()));
  const portA = await freePort();
  const env = {
    SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
    MAIL_FROM: 'Comments <comments@news.test>',
    PUBLIC_URL: `http://127.0.0.1:${portA}`,
    NOTIFY_DELAY_MS: String(DELAY),
    NOTIFY_COALESCE_MS: String(COALESCE),
    NOTIFY_POLL_MS: '100',
    NOTIFY_HOT_PER_HOUR: '5',
  };
  [a, b] = await Promise.all([
    startNode({ redisUrl: redis.url, name: 'ma', port: portA, env, heldWords: ['casino'] }),
    startNode({ redisUrl: redis.url, name: 'mb', env, heldWords: ['casino'] }),
  ]);
}, 30_000);
afterAll(async () => {
  closeClients();
  await Promise.all([a?.stop(), b?.stop()]);
  await new Promise<void>((resolve) => smtp.close(() => resolve()));
  await redis.stop();
});

/** A signed-in socket for `sub` with a verified address (the host vouches for it). */
async function person(node: TestNode, sub: string, email?: string): Promise<ClientSocket> {
  const t = await node.app.tokens.sign({
    sub,
    name: sub[0]!.toUpperCase() + sub.slice(1),
    role: 'commenter',
    ...(email ? { email, email_verified: true } : {}),
  });
  const s = rawSocket(node.url, t);
  await connected(s);
  return s;
}

async function post(s: ClientSocket, articleId: string, body: string, parentId?: string): Promise<string> {
  const { comment } = ok(await s.emitWithAck('comment:post', { articleId, body, ...(parentId ? { parentId } : {}) }));
  return comment.id;
}

describe('reply e-mails', () => {
  it('1. a reply on another node while the widget is closed: one e-mail with a working one-click unsubscribe; then nothing', async () => {
    const alice = await person(a, 'alice1', 'alice1@example.test');
    const root = await post(alice, 'mail-1', 'What do you think?');
    alice.disconnect();
    const bob = await person(b, 'bob1');
    await post(bob, 'mail-1', 'I think <b>yes</b> & more', root);
    await eventually(() => to('alice1@example.test').length === 1, 10_000);
    const m = to('alice1@example.test')[0]!;
    expect(m.subject).toBe('Bob1 replied to you on mail-1');
    expect(m.text).toContain('I think <b>yes</b> & more');
    expect(m.html).toContain('I think &lt;b&gt;yes&lt;/b&gt; &amp; more');
    expect(m.html).not.toContain('<b>yes</b>');
    expect(m.messageId).toMatch(/^<[\w-]+@127\.0\.0\.1>$/);
    const header = (name: string) =>
      m.headerLines
        .find((h) => h.key === name)
        ?.line.replace(/^[^:]+:\s*/, '')
        .replace(/\r?\n\s+/g, '');
    expect(header('list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');
    const link = /<([^>]+)>/.exec(header('list-unsubscribe')!)![1]!;
    expect(link.startsWith(`${a.url}/api/mail/unsubscribe?`)).toBe(true);

    // A GET (a link scanner) shows a page and changes nothing; the one-click POST unsubscribes.
    const page = await fetch(link);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<form method="post"');
    const forged = await fetch(link.replace(/t=[^&]+/, 't=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'), { method: 'POST' });
    expect(forged.status).toBe(400);
    const res = await fetch(link, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(res.status).toBe(200);
    const carol = await person(a, 'carol1');
    await post(carol, 'mail-1', 'Me too', root);
    await sleep(COALESCE + QUIET);
    expect(to('alice1@example.test')).toHaveLength(1);
  });

  it('2. the same reply while she watches the thread live: no e-mail', async () => {
    const alice = await person(a, 'alice2', 'alice2@example.test');
    const root = await post(alice, 'mail-2', 'Watching this');
    ok(await alice.emitWithAck('thread:join', { articleId: 'mail-2' }));
    const bob = await person(b, 'bob2');
    await post(bob, 'mail-2', 'A reply she sees live', root);
    await sleep(QUIET);
    expect(to('alice2@example.test')).toHaveLength(0);
    // Once she has left, the next reply is e-mailed, and only that one.
    alice.disconnect();
    await sleep(300);
    await post(bob, 'mail-2', 'A reply after she left', root);
    await eventually(() => to('alice2@example.test').length === 1, 10_000);
    expect(to('alice2@example.test')[0]!.text).toContain('A reply after she left');
    expect(to('alice2@example.test')[0]!.text).not.toContain('A reply she sees live');
  });

  it('3. ten replies in a moment: one e-mail listing all ten; her own replies never notify her', async () => {
    const alice = await person(a, 'alice3', 'alice3@example.test');
    const root = await post(alice, 'mail-3', 'Ask me anything');
    alice.disconnect();
    const bob = await person(b, 'bob3');
    let parent = root;
    for (let i = 1; i <= 10; i++) parent = await post(bob, 'mail-3', `reply number ${i}`, i % 3 === 0 ? root : parent);
    await eventually(() => to('alice3@example.test').length === 1, 10_000);
    await sleep(QUIET);
    const mails = to('alice3@example.test');
    expect(mails).toHaveLength(1);
    expect(mails[0]!.subject).toBe('10 new replies to you on mail-3');
    for (let i = 1; i <= 10; i++) expect(mails[0]!.text).toContain(`reply number ${i}\n`);
    expect(to('bob3')).toHaveLength(0);
  });

  it('4. a held reply mails nothing until approved; a reply removed before sending is left out', async () => {
    const alice = await person(a, 'alice4', 'alice4@example.test');
    const root = await post(alice, 'mail-4', 'Thoughts?');
    alice.disconnect();
    const bob = await person(b, 'bob4');
    const held = await post(bob, 'mail-4', 'visit my casino', root);
    await sleep(QUIET);
    expect(to('alice4@example.test')).toHaveLength(0);
    const mod = rawSocket(a.url, await token(a, 'mia', 'moderator'));
    await connected(mod);
    ok(await mod.emitWithAck('mod:approve', { articleId: 'mail-4', commentId: held }));
    await eventually(() => to('alice4@example.test').length === 1, 10_000);
    expect(to('alice4@example.test')[0]!.text).toContain('visit my casino');

    // Within the coalescing window: two replies, one removed before the e-mail goes.
    await post(bob, 'mail-4', 'this one stays', root);
    const gone = await post(bob, 'mail-4', 'this one goes away', root);
    ok(await mod.emitWithAck('mod:remove', { articleId: 'mail-4', commentId: gone }));
    await eventually(() => to('alice4@example.test').length === 2, 10_000);
    const second = to('alice4@example.test')[1]!;
    expect(second.text).toContain('this one stays');
    expect(second.text).not.toContain('this one goes away');
  });

  it("5. a guest's address gets nothing but the confirmation until it is confirmed", async () => {
    const res = await fetch(`${a.url}/api/session/guest`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Gus' }),
    });
    const { token: guestToken } = (await res.json()) as { token: string };
    const gus = rawSocket(a.url, guestToken);
    await connected(gus);
    const root = await post(gus, 'mail-5', 'Guest here');
    gus.disconnect();
    const bad = await fetch(`${a.url}/api/me/email`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${guestToken}` },
      body: JSON.stringify({ email: 'not an address' }),
    });
    expect(bad.status).toBe(400);
    const given = await fetch(`${a.url}/api/me/email`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${guestToken}` },
      body: JSON.stringify({ email: 'gus@example.test' }),
    });
    expect(given.status).toBe(202);
    await eventually(() => to('gus@example.test').length === 1, 5000);
    const confirmMail = to('gus@example.test')[0]!;
    expect(confirmMail.subject).toBe('Confirm your address for reply e-mails');
    const bob = await person(b, 'bob5');
    await post(bob, 'mail-5', 'Before confirming', root);
    await sleep(QUIET);
    expect(to('gus@example.test')).toHaveLength(1);

    const link = /(http:\/\/\S+\/api\/mail\/confirm\?\S+)/.exec(confirmMail.text!)![1]!;
    expect((await fetch(link)).status).toBe(200);
    const confirmed = await fetch(link, { method: 'POST' });
    expect(confirmed.status).toBe(200);
    await post(bob, 'mail-5', 'After confirming', root);
    await eventually(() => to('gus@example.test').length === 2, 10_000);
    const reply = to('gus@example.test')[1]!;
    expect(reply.text).toContain('After confirming');
    expect(reply.text).not.toContain('Before confirming');
  });

  it('6. following a thread: its new comments by others are e-mailed; the one-click link stops that thread', async () => {
    const eve = await person(a, 'eve6');
    const root = await post(eve, 'mail-6', 'A thread to follow');
    const doraToken = await a.app.tokens.sign({
      sub: 'dora6',
      name: 'Dora',
      role: 'commenter',
      email: 'dora6@example.test',
      email_verified: true,
    });
    const settings = async (body?: unknown) => {
      const res = await fetch(`${b.url}/api/me/notifications`, {
        method: body ? 'POST' : 'GET',
        headers: { authorization: `Bearer ${doraToken}`, 'content-type': 'application/json' },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      return { status: res.status, json: (await res.json()) as { available: boolean; email: string | null; follows: unknown[] } };
    };
    expect((await settings({ follow: { articleId: 'mail-6', rootId: root, on: true }, extra: 1 })).status).toBe(400);
    const followed = await settings({ follow: { articleId: 'mail-6', rootId: root, on: true } });
    expect(followed.status).toBe(200);
    expect(followed.json).toMatchObject({ available: true, email: 'dora6@example.test', follows: [{ articleId: 'mail-6', rootId: root }] });
    const frank = await person(b, 'frank6');
    await post(frank, 'mail-6', 'Frank joins in', root);
    await eventually(() => to('dora6@example.test').length === 1, 10_000);
    const m = to('dora6@example.test')[0]!;
    expect(m.subject).toBe('Frank6 commented on mail-6');
    const line = m.headerLines.find((h) => h.key === 'list-unsubscribe')!.line.replace(/\r?\n\s+/g, '');
    const link = /<([^>]+)>/.exec(line)![1]!;
    expect(
      (
        await fetch(link, {
          method: 'POST',
          body: 'List-Unsubscribe=One-Click',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        })
      ).status,
    ).toBe(200);
    expect((await settings()).json.follows).toEqual([]);
    await post(frank, 'mail-6', 'Frank again', root);
    await sleep(COALESCE + QUIET);
    expect(to('dora6@example.test')).toHaveLength(1);
  });

  it('7. moderators with an address get one e-mail about what was held and reported meanwhile', async () => {
    const miaToken = await a.app.tokens.sign({
      sub: 'mia7',
      name: 'Mia',
      role: 'moderator',
      email: 'mia7@example.test',
      email_verified: true,
    });
    const mia = rawSocket(a.url, miaToken);
    await connected(mia);
    await sleep(200);
    const zed = await person(b, 'zed7');
    await post(zed, 'mail-7', 'a casino deal for you');
    const normal = await post(zed, 'mail-7', 'an ordinary remark');
    const yan = await person(a, 'yan7');
    ok(await yan.emitWithAck('comment:report', { articleId: 'mail-7', commentId: normal, reason: 'rude' }));
    await eventually(() => to('mia7@example.test').length === 1, 10_000);
    await sleep(QUIET);
    const mails = to('mia7@example.test');
    expect(mails).toHaveLength(1);
    expect(mails[0]!.subject).toBe('2 comments wait for review');
    expect(mails[0]!.text).toContain('a casino deal for you');
    expect(mails[0]!.text).toContain('Reported on mail-7, by Zed7:');
    expect(mails[0]!.text).toContain(`${a.url}/moderate`);
  });

  it("8. a person's e-mail settings are in their data export", async () => {
    const t = await b.app.tokens.sign({ sub: 'hal8', name: 'Hal', role: 'commenter', email: 'hal8@example.test', email_verified: true });
    const follow = await fetch(`${b.url}/api/me/notifications`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t}`, 'content-type': 'application/json' },
      body: JSON.stringify({ digest: 'daily' }),
    });
    expect(follow.status).toBe(200);
    const res = await fetch(`${a.url}/api/me/export`, { headers: { authorization: `Bearer ${t}` } });
    const data = (await res.json()) as { email: unknown[] };
    expect(data.email).toEqual([expect.objectContaining({ email: 'hal8@example.test', digest: 'daily', replies: true })]);
  });

  it('9. a hot thread switches its followers to a daily digest; replies to the author still come at once', async () => {
    const kim = await person(a, 'kim9', 'kim9@example.test');
    const root = await post(kim, 'mail-9', 'A hot topic');
    kim.disconnect();
    const ivyToken = await a.app.tokens.sign({
      sub: 'ivy9',
      name: 'Ivy',
      role: 'commenter',
      email: 'ivy9@example.test',
      email_verified: true,
    });
    const res = await fetch(`${a.url}/api/me/notifications`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ivyToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ follow: { articleId: 'mail-9', rootId: root, on: true } }),
    });
    expect(res.status).toBe(200);
    const jon = await person(b, 'jon9');
    for (let i = 1; i <= 6; i++) await post(jon, 'mail-9', `hot take ${i}`, root);
    await eventually(() => to('kim9@example.test').length === 1, 10_000);
    await sleep(QUIET);
    expect(to('kim9@example.test')[0]!.subject).toBe('6 new replies to you on mail-9');
    expect(to('ivy9@example.test')).toHaveLength(0);
  });
});
