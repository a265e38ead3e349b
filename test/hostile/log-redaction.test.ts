/**
 * Credentials never reach the logs. Logs are read by more people, kept longer and shipped further
 * than tokens should be: a moderator's bearer token in a request line is a moderator's powers
 * for anyone who can read the logs. At LOG_LEVEL=debug every HTTP request is logged (2xx at debug,
 * 4xx at warn, 5xx at error); the requests below carry credentials in every place a client puts
 * them (Authorization, Cookie, query parameters, the Socket.IO handshake), get every kind of
 * answer, and then none of the secrets may appear anywhere in what the process wrote, while the
 * request lines themselves are there.
 */
import { io } from 'socket.io-client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Tokens } from '../../server/auth.js';
import { eventually, freePort } from '../support/ports.js';
import { FAULT_SECRET, NodeProcess, RedisProcess, killAll } from '../faults/processes.js';
import { httpRequest, type HttpResult } from './wire.js';

let redis: RedisProcess;
let node: NodeProcess;
beforeAll(async () => {
  redis = await RedisProcess.start({ appendonly: false });
  node = new NodeProcess('logs', await freePort(), { REDIS_URL: redis.url, LOG_LEVEL: 'debug' });
  await node.start();
}, 60_000);
afterAll(async () => {
  redis?.thaw();
  await node?.kill9();
  killAll();
  await redis?.stop();
});

/** The last `.`-separated part of a JWT: the signature, which alone would let no one in but is the secret part. */
const signature = (jwt: string) => jwt.split('.')[2]!;

it('tokens, cookies and secret query parameters appear nowhere in the output of a process logging every request; the request lines do', async () => {
  const tokens = new Tokens(FAULT_SECRET);
  const moderator = await tokens.sign({ sub: 'log-mod', name: 'Lena', role: 'moderator' }, '1h');
  const forged = await new Tokens('not-the-secret-0123456789-abcdefghijklmnop').sign({ sub: 'log-eve', name: 'Eve', role: 'moderator' });
  const forgedSocket = await new Tokens('another-wrong-secret-0123456789-abcdefghijk').sign({
    sub: 'log-sock',
    name: 'Sock',
    role: 'moderator',
  });
  const cookie = 'secret-cookie-value';
  const querySecret = 'query-secret-123';
  const accessSecret = 'access-secret-456';
  const socketQuerySecret = 'socket-query-secret-789';
  const secrets = [
    moderator,
    signature(moderator),
    forged,
    signature(forged),
    forgedSocket,
    signature(forgedSocket),
    cookie,
    querySecret,
    accessSecret,
    socketQuerySecret,
  ];
  const query = `token=${querySecret}&access_token=${accessSecret}`;

  const send = (method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<HttpResult> =>
    httpRequest(node.port, {
      method,
      path,
      headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      body,
      timeoutMs: 15_000,
    });
  const bearer = (t: string) => ({ authorization: `Bearer ${t}` });
  const statuses: Record<string, number> = {};
  const expectStatus = async (name: string, r: Promise<HttpResult>, status: number) => {
    const res = await r;
    statuses[name] = res.status;
    expect(res.status, `${name}: ${res.body}`).toBe(status);
  };

  // 4xx and 2xx with a real moderator token.
  await expectStatus('unknown action', send('POST', '/api/moderation/nope', bearer(moderator), '{}'), 404);
  await expectStatus('queue', send('GET', '/api/moderation/queue', bearer(moderator)), 200);
  // A forged token: 401.
  await expectStatus('forged', send('GET', '/api/moderation/log', bearer(forged)), 401);
  // A session cookie, and secrets in the query: on an API read, an unknown API route and a page.
  await expectStatus('cookie', send('GET', '/api/articles/log-a/thread', { cookie: `session=${cookie}` }), 200);
  await expectStatus('query', send('GET', `/api/articles/log-b/thread?${query}`, { cookie: `session=${cookie}` }), 200);
  await expectStatus('unknown api route', send('GET', `/api/no-such-route?${query}`, bearer(moderator)), 404);
  await expectStatus('unknown page', send('GET', `/no-such-page?${query}`, { ...bearer(moderator), cookie: `session=${cookie}` }), 404);

  // A Socket.IO handshake refused for its token (also written into the query, as some clients do).
  const refusal = await new Promise<string>((resolve) => {
    const s = io(node.url, {
      transports: ['polling'],
      reconnection: false,
      auth: { token: forgedSocket },
      query: { token: socketQuerySecret },
    });
    s.once('connect', () => (s.close(), resolve('connected')));
    s.once('connect_error', (e) => (s.close(), resolve(e.message)));
  });
  expect(refusal).toBe('unauthorized');

  // 5xx: the store does not answer (Redis frozen) while a request carries every credential.
  redis.freeze();
  try {
    await expectStatus(
      'store down',
      send('GET', `/api/articles/log-c/thread?${query}`, { ...bearer(moderator), cookie: `session=${cookie}` }),
      503,
    );
    await expectStatus(
      'store down post',
      send(
        'POST',
        `/api/articles/log-c/comments?${query}`,
        { ...bearer(moderator), cookie: `session=${cookie}` },
        JSON.stringify({ body: 'hello' }),
      ),
      503,
    );
  } finally {
    redis.thaw();
  }
  await node.waitReady(30_000);

  // Every request line is there (the first one too: nothing fell out of the kept output), with its status.
  const lines = () => node.log.split('\n');
  const logged = (path: string, status: number) => lines().some((l) => l.includes(path) && l.includes(`"statusCode":${status}`));
  await eventually(() => logged('/api/articles/log-c/comments', 503), 10_000);
  expect(logged('/api/moderation/nope', 404), 'the 404 request line').toBe(true);
  expect(logged('/api/moderation/queue', 200), 'the 200 request line').toBe(true);
  expect(logged('/api/moderation/log', 401), 'the 401 request line').toBe(true);
  expect(logged('/api/articles/log-a/thread', 200)).toBe(true);
  expect(logged('/api/articles/log-b/thread', 200)).toBe(true);
  expect(logged('/api/no-such-route', 404)).toBe(true);
  expect(logged('/no-such-page', 404)).toBe(true);
  expect(logged('/api/articles/log-c/thread', 503), 'the 503 request line').toBe(true);
  // The query's parameter names stay readable for the operator; only their values are hidden.
  expect(lines().some((l) => l.includes('/api/articles/log-b/thread?token=') && l.includes('access_token='))).toBe(true);

  const output = node.log;
  for (const secret of secrets) expect(output.includes(secret), `a secret reached the logs: ${secret.slice(0, 24)}…`).toBe(false);
  expect(node.running).toBe(true);
}, 90_000);
