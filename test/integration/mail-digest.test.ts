/**
 * The moderators' digest of the review queue (NOTIFY_QUEUE_DIGEST_MS, shortened here), against a
 * real SMTP server: it lists what waits, and comes only while something waits.
 */
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ok } from '../support/acks.js';
import { closeClients, connected, rawSocket, startNode, type TestNode } from '../support/nodes.js';
import { eventually, freePort, sleep } from '../support/ports.js';

let smtp: SMTPServer;
let node: TestNode;
const inbox: ParsedMail[] = [];

beforeAll(async () => {
  const smtpPort = await freePort();
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _s, cb) {
      simpleParser(stream).then((m) => {
        inbox.push(m);
        cb();
      }, cb);
    },
  });
  await new Promise<void>((resolve) => smtp.listen(smtpPort, '127.0.0.1', () => resolve()));
  const port = await freePort();
  node = await startNode({
    port,
    heldWords: ['casino'],
    env: {
      SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
      MAIL_FROM: 'Comments <c@news.test>',
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      NOTIFY_DELAY_MS: '200',
      NOTIFY_POLL_MS: '100',
      NOTIFY_QUEUE_DIGEST_MS: '2000',
    },
  });
});
afterAll(async () => {
  closeClients();
  await node?.stop();
  await new Promise<void>((resolve) => smtp.close(() => resolve()));
});

describe("moderators' queue digest", () => {
  it('lists the comments waiting for review, once per period', async () => {
    const mia = rawSocket(
      node.url,
      await node.app.tokens.sign({ sub: 'mia', name: 'Mia', role: 'moderator', email: 'mia@example.test', email_verified: true }),
    );
    await connected(mia);
    const zed = rawSocket(node.url, await node.app.tokens.sign({ sub: 'zed', name: 'Zed', role: 'commenter' }));
    await connected(zed);
    ok(await zed.emitWithAck('comment:post', { articleId: 'digest-1', body: 'the best casino' }));
    await eventually(() => inbox.some((m) => m.subject === 'The review queue: 1 comment waiting'), 10_000);
    const digest = inbox.find((m) => m.subject === 'The review queue: 1 comment waiting')!;
    expect(digest.text).toContain('the best casino');
    expect(digest.text).toContain(`${node.url}/moderate`);
    await sleep(1000);
    expect(inbox.filter((m) => m.subject?.startsWith('The review queue')).length).toBe(1);
    // The held comment's own e-mail came too, promptly.
    expect(inbox.some((m) => m.subject === 'A comment is held on digest-1')).toBe(true);
  });
});
