/**
 * A node killed with SIGKILL in the middle of sending reply e-mails: the SMTP server had the
 * message but had not answered. Another node takes over the e-mail lease and sends every pending
 * e-mail; each arrives once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Tokens } from '../../server/auth.js';
import { ok } from '../support/acks.js';
import { closeClients, connected, rawSocket, startNode, TEST_SECRET, type TestNode } from '../support/nodes.js';
import { eventually, freePort, sleep } from '../support/ports.js';
import { startRedis, type RedisServer } from '../support/redis-server.js';

const ROOT = new URL('../..', import.meta.url).pathname;
let redis: RedisServer;
let smtp: SMTPServer;
let child: ChildProcess | null = null;
let survivor: TestNode | null = null;
/** Messages the server answered 250 to, on a connection still open. */
const inbox: ParsedMail[] = [];
/** Message-IDs of the messages whose sender died before the answer. */
const interrupted: string[] = [];
/** Messages received whole (their answer may still be pending). */
let received = 0;
let slow = true;
const closedSessions = new Set<string>();
let env: Record<string, string>;

beforeAll(async () => {
  redis = await startRedis();
  const smtpPort = await freePort();
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onClose(session) {
      closedSessions.add(session.id);
    },
    onData(stream, session, callback) {
      simpleParser(stream).then(
        async (m) => {
          received++;
          // While slow, the answer comes late: the sender is killed before it.
          if (slow) await sleep(3000);
          if (closedSessions.has(session.id)) {
            interrupted.push(m.messageId ?? '');
            return callback(new Error('the client went away'));
          }
          inbox.push(m);
          callback();
        },
        (e: Error) => callback(e),
      );
    },
  });
  await new Promise<void>((resolve) => smtp.listen(smtpPort, '127.0.0.1', () => resolve()));
  const port = await freePort();
  env = {
    REDIS_URL: redis.url,
    AUTH_SECRET: TEST_SECRET,
    SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
    MAIL_FROM: 'Comments <comments@news.test>',
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    NOTIFY_DELAY_MS: '300',
    NOTIFY_POLL_MS: '100',
    NOTIFY_LEASE_MS: '1500',
    POST_RATE: 'off',
    SPAM_BURST: 'off',
    SPAM_SAME_TEXT: '0',
    LOG_LEVEL: 'silent',
    PORT: String(port),
    HOST: '127.0.0.1',
  };
}, 30_000);
afterAll(async () => {
  closeClients();
  if (child?.exitCode === null) child.kill('SIGKILL');
  await survivor?.stop();
  await new Promise<void>((resolve) => smtp.close(() => resolve()));
  await redis.stop();
});

describe('reply e-mails when a node is killed', () => {
  it('a node killed with SIGKILL mid-send: another sends every pending e-mail, each once', { timeout: 90_000 }, async () => {
    child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
      stdio: 'ignore',
    });
    const url = `http://127.0.0.1:${env.PORT}`;
    await eventually(async () => (await fetch(`${url}/readyz`).catch(() => null))?.ok, 30_000, 100);
    const tokens = new Tokens(TEST_SECRET);
    const bob = rawSocket(url, await tokens.sign({ sub: 'bob', name: 'Bob', role: 'commenter' }));
    await connected(bob);
    for (let i = 1; i <= 5; i++) {
      const author = rawSocket(
        url,
        await tokens.sign({
          sub: `author${i}`,
          name: `Author ${i}`,
          role: 'commenter',
          email: `author${i}@example.test`,
          email_verified: true,
        }),
      );
      await connected(author);
      const { comment } = ok(await author.emitWithAck('comment:post', { articleId: `kill-${i}`, body: `root ${i}` }));
      author.disconnect();
      ok(await bob.emitWithAck('comment:post', { articleId: `kill-${i}`, body: `reply to ${i}`, parentId: comment.id }));
    }
    // The first e-mail is on the wire, its answer pending: kill the node now.
    await eventually(() => received >= 1, 10_000, 10);
    child.kill('SIGKILL');
    await new Promise((resolve) => child!.once('exit', resolve));
    bob.disconnect();
    expect(inbox).toHaveLength(0);
    slow = false;

    survivor = await startNode({ redisUrl: redis.url, env: { ...env, PORT: '0', LOG_LEVEL: 'silent' } });
    await eventually(() => inbox.length >= 5, 30_000);
    await sleep(1500);
    const recipients = inbox.map((m) => (Array.isArray(m.to) ? m.to[0]! : m.to!).text).sort();
    expect(recipients).toEqual([1, 2, 3, 4, 5].map((i) => `author${i}@example.test`));
    for (const m of inbox) {
      const i = /author(\d)@/.exec((Array.isArray(m.to) ? m.to[0]! : m.to!).text)![1];
      expect(m.text).toContain(`reply to ${i}`);
    }
    expect(new Set(inbox.map((m) => m.messageId)).size).toBe(5);
    // The one that was on the wire was sent again with the same Message-ID.
    await eventually(() => interrupted.length > 0, 5000);
    for (const id of interrupted) expect(inbox.map((m) => m.messageId)).toContain(id);
  });
});
