/**
 * The SDK's choice of transport (client/transport-choice.ts), on a stand-in for socket.io's
 * Manager: what the next attempt starts with, and what the next page view is told.
 */
import { EventEmitter } from 'node:events';
import type { Socket } from 'socket.io-client';
import { describe, expect, it } from 'vitest';
import { chooseTransports, rememberedTransport, TRANSPORT_KEY, type TransportMemory } from '../../client/transport-choice.js';

class FakeManager extends EventEmitter {
  opts: { transports?: string[] } = { transports: ['websocket', 'polling'] };
  timeoutMs = 20_000;
  engine = Object.assign(new EventEmitter(), { transport: { name: 'websocket' } });
  timeout(ms: number): void {
    this.timeoutMs = ms;
  }
  /** An attempt opened over `name`. */
  open(name: 'websocket' | 'polling'): void {
    this.engine = Object.assign(new EventEmitter(), { transport: { name } });
    this.emit('open');
  }
}

function setup(first?: 'polling') {
  const store = new Map<string, string>();
  const memory: TransportMemory = { getItem: (k) => store.get(k) ?? null, setItem: (k, v) => void store.set(k, v) };
  const manager = new FakeManager();
  if (first) manager.opts.transports = ['polling', 'websocket'];
  const stop = chooseTransports({ io: manager } as unknown as Socket, { memory, websocketOpenMs: 5000 });
  return { manager, memory, stop, remembered: () => rememberedTransport(memory) };
}

describe('chooseTransports', () => {
  it('WebSocket first, with a short time to open; a WebSocket that works is remembered', () => {
    const { manager, remembered } = setup();
    expect(manager.opts.transports).toEqual(['websocket', 'polling']);
    expect(manager.timeoutMs).toBe(5000);
    manager.open('websocket');
    expect(remembered()).toBe('websocket');
    expect(manager.opts.transports).toEqual(['websocket', 'polling']);
  });

  it('a WebSocket attempt that times out: the next starts with polling, with the usual time', () => {
    const { manager, remembered } = setup();
    manager.emit('error', new Error('timeout'));
    expect(manager.opts.transports).toEqual(['polling', 'websocket']);
    expect(manager.timeoutMs).toBe(20_000);
    expect(remembered()).toBeNull();
  });

  it('an attempt where nothing answered (server or network away) says nothing about WebSocket', () => {
    const { manager } = setup();
    manager.emit('error', new Error('xhr poll error'));
    expect(manager.opts.transports).toEqual(['websocket', 'polling']);
  });

  it('connected over polling (the upgrade refused): remembered, and reconnections start with polling', () => {
    const { manager, remembered } = setup();
    manager.open('polling');
    expect(remembered()).toBe('polling');
    expect(manager.opts.transports).toEqual(['polling', 'websocket']);
  });

  it('a polling connection that upgrades: WebSocket again, for reconnections and the next page view', () => {
    const { manager, remembered } = setup('polling');
    expect(manager.timeoutMs).toBe(20_000);
    manager.open('polling');
    manager.engine.emit('upgrade');
    expect(remembered()).toBe('websocket');
    expect(manager.opts.transports).toEqual(['websocket', 'polling']);
    expect(manager.timeoutMs).toBe(5000);
  });

  it('storage that throws (privacy modes) changes nothing but the memory', () => {
    const manager = new FakeManager();
    const memory: TransportMemory = {
      getItem: () => {
        throw new Error('SecurityError');
      },
      setItem: () => {
        throw new Error('QuotaExceededError');
      },
    };
    chooseTransports({ io: manager } as unknown as Socket, { memory, websocketOpenMs: 5000 });
    manager.open('polling');
    expect(manager.opts.transports).toEqual(['polling', 'websocket']);
    expect(rememberedTransport(memory)).toBeNull();
    expect(TRANSPORT_KEY).toBe('livethread:transport');
  });
});
