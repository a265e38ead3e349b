/**
 * The widget's state on its host element, for support questions ("what do the data-lt-*
 * attributes of the comments' div say?"), readable in the page's inspector and by scripts:
 *
 * - `data-lt-state`: `waiting` (not near the viewport yet: not connected on purpose),
 *   `connecting`, `live`, `reconnecting`, `offline` (the browser says it has no network);
 * - `data-lt-transport`: `websocket` or `polling` (long-polling: WebSocket is blocked on the
 *   way, or not tried yet this page view), once connected;
 * - `data-lt-seq`: the `seq` of the last event applied to the article's thread (its `head`);
 * - `data-lt-epoch`: the epoch that `seq` counts in.
 */
import type { ClientSocket } from '../discussion-client.js';
import { listen } from '../page-events.js';

export type ShownState = 'waiting' | 'connecting' | 'live' | 'reconnecting' | 'offline';

export const DIAGNOSTIC_ATTRIBUTES = ['data-lt-state', 'data-lt-transport', 'data-lt-seq', 'data-lt-epoch'] as const;

export class Diagnostics {
  private readonly stops: (() => void)[] = [];

  constructor(
    private readonly host: HTMLElement,
    socket: ClientSocket,
  ) {
    const manager = socket.io;
    const transport = () => {
      const name = manager.engine?.transport?.name;
      if (name) host.dataset.ltTransport = name;
    };
    const state = () => {
      if (socket.connected) this.state('live');
      else if (typeof navigator !== 'undefined' && navigator.onLine === false) this.state('offline');
      else this.state(host.dataset.ltState === 'waiting' || host.dataset.ltState === 'connecting' ? 'connecting' : 'reconnecting');
      if (socket.connected) transport();
    };
    // Each connection's engine says when it upgrades from polling to WebSocket.
    const onOpen = () => manager.engine.on('upgrade', transport);
    if (manager.engine) onOpen();
    state();
    socket.on('connect', state);
    socket.on('disconnect', state);
    socket.on('connect_error', state);
    manager.on('open', onOpen);
    manager.on('reconnect_attempt', state);
    const unlisten = [listen('window', 'online', state), listen('window', 'offline', state)];
    this.stops.push(() => {
      socket.off('connect', state);
      socket.off('disconnect', state);
      socket.off('connect_error', state);
      manager.off('open', onOpen);
      manager.off('reconnect_attempt', state);
      manager.engine?.off('upgrade', transport);
      for (const stop of unlisten) stop();
    });
  }

  /** The thread's position: call on every change of its state. */
  thread(epoch: string, head: number): void {
    this.host.dataset.ltSeq = String(head);
    this.host.dataset.ltEpoch = epoch;
  }

  private state(s: ShownState): void {
    this.host.dataset.ltState = s;
  }

  /** Stops updating and takes the attributes off the host. */
  stop(): void {
    for (const stop of this.stops.splice(0)) stop();
    for (const a of DIAGNOSTIC_ATTRIBUTES) this.host.removeAttribute(a);
  }
}
