import type { Ack } from '../../shared/events.js';

/** The result of a successful ack; throws with the error otherwise. */
export function ok<T extends object>(ack: Ack<T>): T {
  if (!ack.ok) throw new Error(`ack failed: ${JSON.stringify(ack.error)}`);
  return ack;
}

/** The error of a failed ack; throws if it succeeded. */
export function err(ack: Ack<object>) {
  if (ack.ok) throw new Error('expected an error ack');
  return ack.error;
}
