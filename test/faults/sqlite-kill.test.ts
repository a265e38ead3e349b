/**
 * The single-process default (SQLite in DATA_DIR, no Redis) killed with `kill -9` twice under
 * 20 posts/s (with edits and deletes), and started again at once by its "supervisor" on the same
 * DATA_DIR. Every acked write is in the file after the restart, none twice; every reader
 * reconnects to the restarted process and catches up with `since` in the same epoch (no reset),
 * applying exactly the store's events, gap-free.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { Tokens } from '../../server/auth.js';
import { freePort, sleep } from '../support/ports.js';
import { FaultRun, articles, readHeads, report, verify } from './harness.js';
import { FAULT_SECRET, NodeProcess } from './processes.js';

const run = new FaultRun();
const dataDir = mkdtempSync(join(tmpdir(), 'lt-fault-sqlite-'));
let node: NodeProcess | null = null;
afterAll(async () => {
  await run.teardown();
  await node?.kill9();
  rmSync(dataDir, { recursive: true, force: true });
});

it('kill -9 of the SQLite process twice under 20 posts/s: nothing acked lost or doubled, readers catch up in the same epoch', async () => {
  node = new NodeProcess('sqlite', await freePort(), { DATA_DIR: dataDir });
  await node.start();
  const n = node;
  const deployment = {
    async readyNode() {
      await n.waitReady(15_000);
      return n;
    },
  };
  const w = run.workload({
    url: n.url,
    tokens: new Tokens(FAULT_SECRET),
    articles: articles('sqlkill', 4),
    readers: 60,
    writers: 10,
    postsPerSecond: 20,
    editsPerSecond: 3,
    deletesPerSecond: 1,
    retryForMs: 20_000,
  });
  await w.connect();
  w.start();
  await sleep(3000);
  const epochs = async () =>
    Promise.all(
      w.opts.articles.map(async (a) => ((await (await fetch(`${n.url}/api/articles/${a}/thread`)).json()) as { epoch: string }).epoch),
    );
  const before = await epochs();

  const kills: { downMs: number; caughtUpMs: number }[] = [];
  for (let i = 0; i < 2; i++) {
    await n.kill9();
    const killedAt = Date.now();
    expect(n.exits.at(-1)?.signal).toBe('SIGKILL');
    await n.start();
    const downMs = Date.now() - killedAt;
    // What the file holds now includes everything acked before the kill: every reader gets there.
    const targets = await readHeads(n, w.opts.articles);
    await w.waitCaughtUp(deployment, 15_000, targets);
    kills.push({ downMs, caughtUpMs: Date.now() - killedAt - downMs });
    await sleep(2000);
  }

  await w.stop();
  const convergeMs = await w.waitCaughtUp(deployment, 10_000);
  const v = await verify('sqlite-kill', deployment, w);
  v.convergeMs = convergeMs;
  v.extra = { kills };
  report(v);
  // Same history: the epoch of every article survived both kills.
  expect(await epochs()).toEqual(before);
  expect(v.ops.post.ok).toBeGreaterThan(100);
  expect(v.lost).toBe(0);
  expect(v.duplicated).toBe(0);
  expect(v.phantom).toBe(0);
  expect(v.resets).toBe(0);
  expect(v.readerViolations).toBe(0);
}, 120_000);
