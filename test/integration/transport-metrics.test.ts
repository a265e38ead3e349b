/**
 * `/metrics` counts connections by transport and the upgrades from polling to WebSocket: how many
 * readers are on long-polling (their network refuses WebSocket) is an operator's question.
 */
import { io as ioClient } from 'socket.io-client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ClientSocket } from '../../client/discussion-client.js';
import { eventually } from '../support/ports.js';
import { startNode, type TestNode } from '../support/nodes.js';

let node: TestNode;
beforeAll(async () => {
  node = await startNode();
});
afterAll(() => node?.stop());

async function metric(name: string, labels: string): Promise<number> {
  const text = await (await fetch(`${node.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}} `));
  return line ? Number(line.split(' ')[1]) : NaN;
}

function connect(transports: ('polling' | 'websocket')[], upgrade = true): Promise<ClientSocket> {
  const s = ioClient(node.url, { transports, upgrade, reconnection: false }) as ClientSocket;
  return new Promise((resolve, reject) => {
    s.once('connect', () => resolve(s));
    s.once('connect_error', reject);
  });
}

it('counts open connections by transport, the transport each opened with, and upgrades', async () => {
  expect(await metric('livethread_connections', 'transport="polling"')).toBe(0);
  expect(await metric('livethread_connections', 'transport="websocket"')).toBe(0);

  const stuck = await connect(['polling'], false);
  const upgrading = await connect(['polling', 'websocket']);
  await eventually(() => upgrading.io.engine.transport.name === 'websocket');
  const direct = await connect(['websocket']);

  await eventually(async () => (await metric('livethread_transport_upgrades_total', 'from="polling",to="websocket"')) === 1);
  expect(await metric('livethread_connections', 'transport="polling"')).toBe(1);
  expect(await metric('livethread_connections', 'transport="websocket"')).toBe(2);
  expect(await metric('livethread_connections_opened_total', 'transport="polling"')).toBe(2);
  expect(await metric('livethread_connections_opened_total', 'transport="websocket"')).toBe(1);

  for (const s of [stuck, upgrading, direct]) s.close();
  await eventually(async () => (await metric('livethread_connections', 'transport="websocket"')) === 0);
  await eventually(async () => (await metric('livethread_connections', 'transport="polling"')) === 0);
});
