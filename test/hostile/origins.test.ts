/**
 * ALLOWED_ORIGINS (PROTOCOL.md §2, §4) as an operator writes it. An entry that is not an origin
 * (no scheme, or a path) stops the process at start-up, naming the variable and the entry,
 * instead of being read as something else; the origins of app shells (`capacitor://localhost`)
 * are origins like any other; `Origin: null` (sandboxed frames, `file:` pages, where any site can
 * put a page) is allowed only when written out; and a refused origin is logged once, so that a
 * misconfigured host page is visible without one line per reader.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, freePort } from '../support/ports.js';
import { killAll, NodeProcess } from '../faults/processes.js';
import { EIO_PATH, httpRequest, RawWebSocket } from './wire.js';

const nodes: NodeProcess[] = [];
afterAll(async () => {
  await Promise.all(nodes.map((n) => n.kill9()));
  killAll();
});

async function node(env: Record<string, string>): Promise<NodeProcess> {
  const n = new NodeProcess('origins', await freePort(), env);
  nodes.push(n);
  return n;
}

/** A polling handshake from `origin`: its status. */
async function handshake(n: NodeProcess, origin: string): Promise<number> {
  const r = await httpRequest(n.port, { path: `${EIO_PATH}&transport=polling`, headers: { origin } });
  if (r.status === 200) expect(r.body.startsWith('0{'), r.body).toBe(true);
  return r.status;
}

describe('a bad ALLOWED_ORIGINS stops the process with exit code 1 and names the variable', () => {
  it.each([
    { value: 'localhost:4250', entry: 'localhost:4250', why: 'no scheme' },
    { value: 'https://news.example/path', entry: 'https://news.example/path', why: 'a path' },
    { value: 'https://news.example,localhost:4250', entry: 'localhost:4250', why: 'one bad entry among good ones' },
  ])(
    '$value ($why)',
    async ({ value, entry }) => {
      const n = await node({ ALLOWED_ORIGINS: value });
      await expect(n.start()).rejects.toThrow(/exited while starting/);
      expect(n.exits.at(-1)).toEqual({ code: 1, signal: null });
      expect(n.log).toContain('ALLOWED_ORIGINS');
      expect(n.log).toContain(entry);
    },
    60_000,
  );
});

describe('ALLOWED_ORIGINS=capacitor://localhost,https://news.example', () => {
  let n: NodeProcess;
  beforeAll(async () => {
    n = await node({ ALLOWED_ORIGINS: 'capacitor://localhost,https://news.example' });
    await n.start();
  }, 60_000);

  it('an app shell (Origin: capacitor://localhost) and the listed site are admitted, on polling and WebSocket', async () => {
    expect(await handshake(n, 'capacitor://localhost')).toBe(200);
    expect(await handshake(n, 'https://news.example')).toBe(200);
    const ws = await RawWebSocket.connect(n.port, { headers: ['Origin: capacitor://localhost'] });
    expect(ws.status).toBe(101);
    ws.destroy();
  });

  it('Origin: null and a foreign site are refused (403), on polling and WebSocket', async () => {
    expect(await handshake(n, 'null')).toBe(403);
    expect(await handshake(n, 'https://evil.example')).toBe(403);
    expect(await handshake(n, 'capacitor://evil')).toBe(403);
    for (const origin of ['null', 'https://evil.example']) {
      const ws = await RawWebSocket.connect(n.port, { headers: [`Origin: ${origin}`] });
      expect(ws.status, origin).not.toBe(101);
      ws.destroy();
    }
  });

  it('a refused origin is logged once, naming ALLOWED_ORIGINS, however often it is refused', async () => {
    const warnings = (origin: string) => n.log.split('\n').filter((l) => l.includes(origin) && l.includes('ALLOWED_ORIGINS'));
    expect(await handshake(n, 'https://misconfigured.example')).toBe(403);
    await eventually(() => warnings('https://misconfigured.example').length > 0, 10_000);
    expect(await handshake(n, 'https://misconfigured.example')).toBe(403);
    const ws = await RawWebSocket.connect(n.port, { headers: ['Origin: https://misconfigured.example'] });
    expect(ws.status).not.toBe(101);
    ws.destroy();
    // Another origin refused after those: once its line is there, theirs would be too (one output, in order).
    expect(await handshake(n, 'https://other-misconfigured.example')).toBe(403);
    await eventually(() => warnings('https://other-misconfigured.example').length > 0, 10_000);
    expect(warnings('https://misconfigured.example')).toHaveLength(1);
    expect(warnings('https://other-misconfigured.example')).toHaveLength(1);
    expect(n.running).toBe(true);
  });
});

describe('ALLOWED_ORIGINS=null, written out', () => {
  it('admits Origin: null', async () => {
    const n = await node({ ALLOWED_ORIGINS: 'null' });
    await n.start();
    expect(await handshake(n, 'null')).toBe(200);
    expect(await handshake(n, 'https://evil.example')).toBe(403);
  }, 60_000);
});
