import type { ErrorCode } from '../../shared/schemas.js';

/** A refusal the caller should see: carries a protocol error code. */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly extra: { issues?: unknown; retryAfterMs?: number } = {},
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const isDomainError = (e: unknown): e is DomainError => e instanceof DomainError;
